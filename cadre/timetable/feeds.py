"""Calendar feeds (日历订阅): secret subscription URLs and the iCalendar they serve.

A trainee's feed has every session of the cohorts they are enrolled in; a cohort's
feed (for its organizers) that cohort's. The URL token is ``<id>-<mac>`` where mac is
an HMAC-SHA256 of ``f"{id}.{nonce}"`` under SECRET_KEY (see CalendarFeed): nothing
secret is stored, and a regenerated feed (new row, new nonce) makes the old URL a 404.
The text of the feed is written by the pure writer in ``cadre.rules.ics``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from cadre import audit
from cadre.extensions import db
from cadre.models import CalendarFeed, Cohort, Trainee, TrainingSession
from cadre.models.types import utcnow
from cadre.rules.ics import FeedEvent, FeedLabels, FeedSpeaker, FeedStop, write_calendar
from cadre.services import NotFound
from cadre.timetable import queries
from cadre.timetable.display import label

_MAC_LENGTH = 32  # hex digits: 128 bits


def token_for(feed: CalendarFeed) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    mac = hmac.new(key, f"{feed.id}.{feed.nonce}".encode(), hashlib.sha256).hexdigest()[:_MAC_LENGTH]
    return f"{feed.id}-{mac}"


def feed_for_token(token: str) -> CalendarFeed | None:
    """The live feed a URL token opens, or None (malformed, unknown, revoked or forged alike)."""
    feed_id, dash, mac = token.partition("-")
    if (
        not dash
        or not (feed_id.isascii() and feed_id.isdigit())
        or len(feed_id) > 10
        or len(mac) != _MAC_LENGTH
    ):
        return None
    feed = db.session.get(CalendarFeed, int(feed_id))
    if feed is None or feed.revoked_at is not None:
        return None
    if not hmac.compare_digest(token_for(feed), token):
        return None
    return feed


# --- services --------------------------------------------------------------------------------


def _owner_filter(trainee_id: int | None, cohort_id: int | None):
    if trainee_id is not None:
        return CalendarFeed.trainee_id == trainee_id
    return CalendarFeed.cohort_id == cohort_id


def live_feed(*, trainee_id: int | None = None, cohort_id: int | None = None) -> CalendarFeed | None:
    return db.session.scalar(
        select(CalendarFeed)
        .where(_owner_filter(trainee_id, cohort_id), CalendarFeed.revoked_at.is_(None))
        .order_by(CalendarFeed.id.desc())
    )


def had_feed(*, trainee_id: int | None = None, cohort_id: int | None = None) -> bool:
    return (
        db.session.scalar(select(CalendarFeed.id).where(_owner_filter(trainee_id, cohort_id)).limit(1))
        is not None
    )


def _audit_cohort(feed: CalendarFeed) -> int | None:
    return feed.cohort_id


def create_feed(
    *, trainee_id: int | None = None, cohort_id: int | None = None, reminders: bool = True
) -> CalendarFeed:
    """A new live feed for a trainee or a cohort (the caller revokes any older one)."""
    if (trainee_id is None) == (cohort_id is None):
        raise ValueError("a feed belongs to a trainee or a cohort")
    if trainee_id is not None and db.session.get(Trainee, trainee_id) is None:
        raise NotFound()
    if cohort_id is not None and db.session.get(Cohort, cohort_id) is None:
        raise NotFound()
    feed = CalendarFeed(
        trainee_id=trainee_id, cohort_id=cohort_id, nonce=secrets.token_hex(16), reminders=reminders
    )
    db.session.add(feed)
    db.session.flush()
    audit.record(
        "calendar_feed.created",
        feed,
        cohort_id=_audit_cohort(feed),
        after={"trainee_id": trainee_id, "cohort_id": cohort_id, "reminders": reminders},
    )
    return feed


def ensure_trainee_feed(trainee_id: int) -> CalendarFeed | None:
    """The trainee's live feed; created on the first visit, but not again after they revoked it."""
    feed = live_feed(trainee_id=trainee_id)
    if feed is None and not had_feed(trainee_id=trainee_id):
        feed = create_feed(trainee_id=trainee_id)
    return feed


def revoke(feed: CalendarFeed) -> None:
    if feed.revoked_at is not None:
        return
    feed.revoked_at = utcnow()
    db.session.flush()
    audit.record("calendar_feed.revoked", feed, cohort_id=_audit_cohort(feed), after={"revoked": True})


def regenerate(*, trainee_id: int | None = None, cohort_id: int | None = None) -> CalendarFeed:
    """Revoke the live feed (if any) and make a new one with the same reminder setting."""
    old = live_feed(trainee_id=trainee_id, cohort_id=cohort_id)
    reminders = old.reminders if old is not None else True
    if old is not None:
        revoke(old)
    return create_feed(trainee_id=trainee_id, cohort_id=cohort_id, reminders=reminders)


def set_reminders(feed: CalendarFeed, on: bool) -> bool:
    """Turn the feed's reminders on or off; True when that changed something."""
    if feed.reminders == on:
        return False
    before = feed.reminders
    feed.reminders = on
    db.session.flush()
    audit.record(
        "calendar_feed.reminders_changed",
        feed,
        cohort_id=_audit_cohort(feed),
        before={"reminders": before},
        after={"reminders": on},
    )
    return True


# --- content ---------------------------------------------------------------------------------


def feed_labels() -> FeedLabels:
    """The feed's words in the current language."""
    return FeedLabels(
        kind=_("类型"),
        speakers=_("授课人"),
        stops=_("现场教学点"),
        host=_("接待"),
        phone=_("电话"),
        what_to_bring=_("请携带"),
        meeting_point=_("集合地点"),
        departure=_("集合时间"),
        transport=_("交通方式"),
        return_at=_("返回时间"),
        cancelled=_("已取消"),
        evening_reminder=_("明天 %(time)s：%(title)s"),
        hour_reminder=_("一小时后开始：%(title)s"),
        meeting_reminder=_("一小时后集合：%(title)s，集合地点：%(place)s"),
    )


def _speaker_title(speaker) -> str:
    return "".join(part for part in (speaker.affiliation, speaker.title) if part)


def feed_event(session: TrainingSession, cohort_name: str | None = None) -> FeedEvent:
    """A session as the feed writer takes it (plain values)."""
    title = session.title if cohort_name is None else f"{session.title}（{cohort_name}）"
    return FeedEvent(
        id=session.id,
        title=title,
        kind=session.kind,
        kind_label=label(session.kind),
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        sequence=session.sequence or 0,
        cancelled=session.is_cancelled,
        cancel_reason=session.cancel_reason,
        venue_name=session.venue.name if session.venue else None,
        venue_address=session.venue.address if session.venue else None,
        speakers=tuple(FeedSpeaker(sp.name, _speaker_title(sp)) for sp in session.speakers),
        description=session.description,
        what_to_bring=session.what_to_bring,
        meeting_point=session.meeting_point,
        departure_at=session.departs_at,
        transport=label(session.transport) or None,
        return_at=session.returns_at,
        stops=tuple(
            FeedStop(
                name=stop.name,
                address=stop.address,
                host=stop.host,
                phone=stop.host_phone,
                arrives_at=stop.arrives_at,
                notes=stop.description,
            )
            for stop in session.stops
        ),
    )


def _domain() -> str:
    return current_app.config.get("CALENDAR_UID_DOMAIN") or "cadre"


def cohort_calendar(cohort: Cohort, *, reminders: bool = True, now: datetime | None = None) -> bytes:
    sessions = queries.cohort_sessions(cohort.id)
    return write_calendar(
        [feed_event(s) for s in sessions],
        name=cohort.name,
        now=now,
        reminders=reminders,
        labels=feed_labels(),
        domain=_domain(),
    )


def trainee_calendar(trainee_id: int, *, reminders: bool = True, now: datetime | None = None) -> bytes:
    sessions = queries.trainee_sessions(trainee_id)
    several = len({s.cohort_id for s in sessions}) > 1
    events = [feed_event(s, s.cohort.name if several else None) for s in sessions]
    name = sessions[0].cohort.name if sessions and not several else _("我的课表")
    return write_calendar(
        events, name=name, now=now, reminders=reminders, labels=feed_labels(), domain=_domain()
    )


def feed_calendar(feed: CalendarFeed) -> bytes:
    """The iCalendar text a live feed serves."""
    if feed.trainee_id is not None:
        return trainee_calendar(feed.trainee_id, reminders=feed.reminders)
    return cohort_calendar(db.session.get(Cohort, feed.cohort_id), reminders=feed.reminders)
