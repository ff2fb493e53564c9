"""Data shared by the timetable tests: a cohort with a lecture, a site visit and a cancelled session."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from cadre.enums import Transport
from cadre.extensions import db
from cadre.models import (
    Role,
    SessionKind,
    Speaker,
    TrainingSession,
    User,
    Venue,
    VisitStop,
)
from tests.factories import login, make_cohort, make_session, make_trainee_user, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(y, m, d, hh, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


@dataclass
class Programme:
    organizer: User
    trainee: User
    cohort: object
    lecture: TrainingSession
    visit: TrainingSession
    cancelled: TrainingSession


def programme() -> Programme:
    """Fri 9 May 2025: a lecture 10:00–11:30 and a site visit 13:30–16:30; a cancelled lecture."""
    organizer = make_user(Role.ORGANIZER)
    cohort = make_cohort(organizers=[organizer], name="青蓝接力测试班")
    trainee = make_trainee_user(cohort)
    venue = Venue(name="党群服务中心", address="静安区长安路1138号")
    speaker = Speaker(name="张雪梅", title="教授、博士生导师", affiliation="上海交通大学马克思主义学院")
    db.session.add_all([venue, speaker])
    lecture = make_session(
        cohort,
        title="开班第一课",
        starts_at=local(2025, 5, 9, 10),
        ends_at=local(2025, 5, 9, 11, 30),
        venue=venue,
        speakers=[speaker],
    )
    visit = make_session(
        cohort,
        kind=SessionKind.SITE_VISIT,
        title="沉浸式研学",
        starts_at=local(2025, 5, 9, 13, 30),
        ends_at=local(2025, 5, 9, 16, 30),
        meeting_point="党群服务中心门口",
        departs_at=local(2025, 5, 9, 13, 15),
        returns_at=local(2025, 5, 9, 17),
        transport=Transport.BUS,
    )
    visit.stops = [
        VisitStop(
            position=1,
            name="大场镇党群服务中心",
            host="王颖",
            host_phone="021-56688123",
            arrives_at=local(2025, 5, 9, 14),
        ),
        VisitStop(
            position=2, name="慧华苑居民区党群服务站", host="李建明", arrives_at=local(2025, 5, 9, 15, 15)
        ),
    ]
    cancelled = make_session(
        cohort,
        title="议事协商的方法",
        starts_at=local(2025, 5, 16, 9),
        ends_at=local(2025, 5, 16, 11, 15),
        cancelled_at=local(2025, 5, 10, 9),
        cancel_reason="授课人临时出差",
        sequence=1,
    )
    db.session.commit()
    return Programme(organizer, trainee, cohort, lecture, visit, cancelled)


FEED_URL = re.compile(r"https?://[^\s<\"']+/calendar/([0-9]+-[0-9a-f]+)\.ics")


def feed_path_of(client, user: User) -> str:
    """Log in as `user`, open the subscription page, return the feed's path."""
    login(client, user.username)
    page = client.get("/my/calendar").get_data(as_text=True)
    match = FEED_URL.search(page)
    assert match, "no subscription URL on the page"
    return f"/calendar/{match.group(1)}.ics"
