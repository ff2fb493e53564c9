"""The demo's timetable as the schedule issue extends it: speakers with affiliation and title,
goals, the 9 May site visit's details, sign-in settings, and `--sessions N`."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select

from cadre.enums import Transport
from cadre.extensions import db
from cadre.models import Cohort, SessionKind, Speaker, TrainingSession

SHANGHAI = ZoneInfo("Asia/Shanghai")


def load(runner, *args):
    result = runner.invoke(args=["cadre", "demo", "--password", "cadre-demo-pass", *args])
    assert result.exit_code == 0, result.output
    return result


def demo_sessions():
    cohort = db.session.scalar(select(Cohort).where(Cohort.code == "QLJL2025"))
    return cohort, db.session.scalars(
        select(TrainingSession)
        .where(TrainingSession.cohort_id == cohort.id)
        .order_by(TrainingSession.starts_at)
    ).all()


def hm(value) -> str:
    return value.astimezone(SHANGHAI).strftime("%H:%M")


def test_the_site_visit_of_9_may_has_meeting_point_bus_times_and_two_hosted_stops(app, runner):
    load(runner)
    _cohort, sessions = demo_sessions()
    visit = next(s for s in sessions if s.kind == SessionKind.SITE_VISIT)

    assert visit.meeting_point == "天目西路街道党群服务中心门口"
    assert visit.transport == Transport.BUS
    assert (hm(visit.departs_at), hm(visit.returns_at)) == ("13:15", "17:00")
    assert [(s.position, s.name, hm(s.arrives_at)) for s in visit.stops] == [
        (1, "宝山区大场镇党群服务中心", "14:00"),
        (2, "慧华苑居民区党群服务站", "15:15"),
    ]
    assert all(s.host and s.host_phone for s in visit.stops)


def test_speakers_have_affiliation_and_title_and_labels_read_as_before(app, runner):
    load(runner)
    zhang = db.session.scalar(select(Speaker).where(Speaker.name == "张雪梅"))
    assert (zhang.affiliation, zhang.title) == ("上海交通大学马克思主义学院", "教授、博士生导师")
    assert zhang.label == "张雪梅（上海交通大学马克思主义学院教授、博士生导师）"


def test_cohort_names_its_four_goals_and_every_session_serves_one(app, runner):
    load(runner)
    cohort, sessions = demo_sessions()
    assert [g.name for g in cohort.goals] == ["为民服务", "组织动员", "议事协商", "群众工作"]
    assert all(s.goals for s in sessions)
    served = {g.name for s in sessions for g in s.goals}
    assert served == {"为民服务", "组织动员", "议事协商", "群众工作"}


def test_sessions_carry_sign_in_settings(app, runner):
    load(runner)
    _cohort, sessions = demo_sessions()
    assert all(0 <= s.sign_in_opens_minutes <= 60 and 0 <= s.late_after_minutes <= 15 for s in sessions)
    assert any(s.sign_out_required for s in sessions)
    assert len({(s.sign_in_opens_minutes, s.late_after_minutes) for s in sessions}) > 1


def test_sessions_option_spreads_the_same_programme_over_more_weeks(app, runner):
    result = load(runner, "--sessions", "40")
    cohort, sessions = demo_sessions()

    assert len(sessions) == 40
    assert "40 sessions" in result.output
    first_round, second_round = sessions[:16], sessions[16:32]
    for a, b in zip(first_round, second_round, strict=True):
        assert (b.starts_at - a.starts_at).days == 56  # eight weeks later, same weekday and time
        assert hm(a.starts_at) == hm(b.starts_at)
        assert b.title.startswith(a.title) and b.title.endswith("（第二轮）")
    assert cohort.end_date == sessions[-1].starts_at.astimezone(SHANGHAI).date()
    assert cohort.start_date == date(2025, 5, 9)
