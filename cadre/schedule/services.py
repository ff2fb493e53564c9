"""Sessions of a cohort: create, edit, cancel, restore; conflict checks (service contract of cadre.services).

Views pass a ``SessionData`` of plain values (aware datetimes, ids, names).
Everything refused raises ``ServiceError`` before a row changes; a venue or
speaker clash raises ``ClashError`` (a ServiceError carrying the problems)
unless the organizer confirmed. Warnings come back to the view to show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cadre import audit
from cadre.enums import Transport
from cadre.extensions import db
from cadre.models import (
    Cohort,
    CohortGoal,
    SessionKind,
    SessionSpeaker,
    Speaker,
    TrainingSession,
    VisitStop,
)
from cadre.models.types import utcnow
from cadre.rules import schedule as rules
from cadre.schedule import resources
from cadre.schedule.conflicts import (
    _lock_resources,
    check_slots,
    lock_slot_resources,
    refuse_duplicates,
    slot_of,
)
from cadre.schedule_messages import field_error_message
from cadre.services import NotFound, ServiceError, lock_cohort

__all__ = [
    "SessionData",
    "StopData",
    "cancel_session",
    "create_session",
    "restore_session",
    "session_for",
    "update_session",
]

# Form field each refused value belongs to (the rules name start and end by their columns).
FIELD_OF = {"starts_at": "start_time", "ends_at": "end_time"}


@dataclass
class StopData:
    name: str
    address: str | None = None
    host: str | None = None
    host_phone: str | None = None
    arrives_at: datetime | None = None
    description: str | None = None


@dataclass
class SessionData:
    """Validated values of the session form; datetimes are timezone-aware."""

    title: str
    kind: SessionKind
    starts_at: datetime | None
    ends_at: datetime | None
    venue_id: int | None = None
    venue_name: str | None = None  # typed name, used when no id was picked (works without script)
    create_venue: bool = False  # make a new venue of that name
    speaker_ids: list[int] = field(default_factory=list)
    credit_hours: Decimal | None = None  # None: computed from the length
    is_required: bool = True
    goal_ids: list[int] = field(default_factory=list)
    description: str | None = None
    what_to_bring: str | None = None
    sign_in_opens_minutes: int = 30
    late_after_minutes: int = 10
    sign_out_required: bool = False
    meeting_point: str | None = None
    departs_at: datetime | None = None
    transport: Transport | None = None
    returns_at: datetime | None = None
    stops: list[StopData] = field(default_factory=list)


AUDITED = (
    "title",
    "kind",
    "starts_at",
    "ends_at",
    "venue_id",
    "credit_hours",
    "credit_hours_manual",
    "is_required",
    "description",
    "what_to_bring",
    "sign_in_opens_minutes",
    "late_after_minutes",
    "sign_out_required",
    "meeting_point",
    "departs_at",
    "transport",
    "returns_at",
    "cancelled_at",
    "cancel_reason",
)


def snapshot(s: TrainingSession) -> dict:
    data = audit.snapshot(s, AUDITED)
    data["speaker_ids"] = [link.speaker_id for link in s.speaker_links]
    data["goal_ids"] = [g.id for g in s.goals]
    data["stops"] = [
        [stop.name, stop.address, stop.host, stop.host_phone, stop.arrives_at] for stop in s.stops
    ]
    return data


# ---------------------------------------------------------------- reading


def session_for(session_id: int) -> TrainingSession:
    """A session with what its form shows; NotFound when there is none."""
    s = db.session.scalar(
        select(TrainingSession)
        .where(TrainingSession.id == session_id)
        .options(
            selectinload(TrainingSession.speaker_links).selectinload(SessionSpeaker.speaker),
            selectinload(TrainingSession.stops),
            selectinload(TrainingSession.goals),
            selectinload(TrainingSession.venue),
        )
    )
    if s is None:
        raise NotFound()
    return s


# ---------------------------------------------------------------- checking a candidate


_refuse_archived = resources.refuse_archived


def check_times(starts_at: datetime | None, ends_at: datetime | None) -> None:
    for error in rules.validate_times(starts_at, ends_at):
        raise ServiceError(field_error_message(error), FIELD_OF.get(error.field, error.field))


def _check_goals(cohort: Cohort, goal_ids: list[int]) -> list[CohortGoal]:
    goals = [g for g in cohort.goals if g.id in set(goal_ids)]
    if len(goals) != len(set(goal_ids)):
        raise ServiceError(_("所选培训目标不属于本班，请刷新页面后重试。"), "goal_ids")
    return goals


def _check_stops(data: SessionData) -> None:
    for stop in data.stops:
        if not (stop.name or "").strip():
            raise ServiceError(_("每个教学点都要填写名称。"), "stops")
    if data.departs_at and data.returns_at and data.returns_at <= data.departs_at:
        raise ServiceError(_("返回时间须晚于出发时间。"), "returns_time")


def candidate(cohort: Cohort, data: SessionData, session_id: int | None, speakers: list[Speaker], venue_id):
    return rules.SlotValue(
        id=session_id,
        cohort_id=cohort.id,
        title=data.title,
        kind=data.kind,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        venue_id=venue_id,
        speaker_ids=tuple(sp.id for sp in speakers),
    )


# ---------------------------------------------------------------- writing


def _hours(cohort: Cohort, data: SessionData) -> tuple[Decimal, bool]:
    computed = rules.credit_hours(data.starts_at, data.ends_at, cohort.minutes_per_credit_hour)
    if data.credit_hours is None or data.credit_hours == computed:
        return computed, False
    return data.credit_hours, True


def prepare(cohort: Cohort, data: SessionData) -> tuple[int | None, list[Speaker], list[CohortGoal]]:
    """Everything that may refuse the data, before anything is written."""
    _refuse_archived(cohort)
    if not (data.title or "").strip():
        raise ServiceError(_("请填写课程名称。"), "title")
    check_times(data.starts_at, data.ends_at)
    _check_stops(data)
    speakers = resources.speakers_in_order(data.speaker_ids)
    goals = _check_goals(cohort, data.goal_ids)
    venue_id = resources.resolve_venue(data.venue_id, data.venue_name, allow_new=data.create_venue)
    return venue_id, speakers, goals


def _apply(s: TrainingSession, cohort: Cohort, data: SessionData, venue_id, speakers, goals) -> None:
    s.title = data.title.strip()
    s.kind = data.kind
    s.starts_at = data.starts_at
    s.ends_at = data.ends_at
    s.venue_id = venue_id
    s.credit_hours, s.credit_hours_manual = _hours(cohort, data)
    s.is_required = data.is_required
    s.goals = goals
    s.description = data.description or None
    s.what_to_bring = data.what_to_bring or None
    s.sign_in_opens_minutes = data.sign_in_opens_minutes
    s.late_after_minutes = data.late_after_minutes
    s.sign_out_required = data.sign_out_required
    s.meeting_point = data.meeting_point or None
    s.departs_at = data.departs_at
    s.transport = data.transport
    s.returns_at = data.returns_at
    existing = {link.speaker_id: link for link in s.speaker_links}
    s.speaker_links = [_link(existing.get(sp.id), sp, position) for position, sp in enumerate(speakers)]
    _apply_stops(s, data.stops)


def _link(link: SessionSpeaker | None, speaker: Speaker, position: int) -> SessionSpeaker:
    link = link or SessionSpeaker(speaker=speaker)
    link.position = position
    return link


def _apply_stops(s: TrainingSession, stops: list[StopData]) -> None:
    if [_stop_tuple(st) for st in s.stops] == [_stop_tuple(st) for st in stops]:
        return
    # Positions are unique per session: remove the old stops before the new ones are inserted.
    s.stops = []
    db.session.flush()
    s.stops = [
        VisitStop(
            position=n,
            name=st.name.strip(),
            address=st.address or None,
            host=st.host or None,
            host_phone=st.host_phone or None,
            arrives_at=st.arrives_at,
            description=st.description or None,
        )
        for n, st in enumerate(stops, start=1)
    ]


def _stop_tuple(st) -> tuple:
    return (
        st.name,
        st.address or None,
        st.host or None,
        st.host_phone or None,
        st.arrives_at,
        st.description or None,
    )


def _venue_for_write(data: SessionData, venue_id: int | None) -> int | None:
    """The venue id to store: a new venue is made only now, after every check passed."""
    if venue_id is None and data.create_venue and (data.venue_name or "").strip():
        return resources.create_venue(resources.VenueData(name=data.venue_name)).id
    return venue_id


def create_session(
    cohort: Cohort, data: SessionData, *, confirm_clash: bool = False, series_id: str | None = None
) -> tuple[TrainingSession, list[str]]:
    """A new session; returns it and the warnings of the conflict checks."""
    lock_cohort(cohort.id)
    venue_id, speakers, goals = prepare(cohort, data)
    _lock_resources(venue_id, speakers)
    slot = candidate(cohort, data, None, speakers, venue_id)
    refuse_duplicates(cohort, [slot])
    warnings = check_slots(cohort, [slot], confirm_clash=confirm_clash)
    venue_id = _venue_for_write(data, venue_id)
    s = TrainingSession(series_id=series_id)
    db.session.add(s)
    s.cohort = cohort
    _apply(s, cohort, data, venue_id, speakers, goals)
    db.session.flush()
    audit.record("session.created", s, cohort_id=cohort.id, after=snapshot(s))
    return s, warnings


def update_session(
    s: TrainingSession, data: SessionData, *, confirm_clash: bool = False
) -> tuple[bool, list[str]]:
    """Save an edited session; returns whether anything changed and the warnings."""
    cohort = s.cohort
    lock_cohort(cohort.id)
    venue_id, speakers, goals = prepare(cohort, data)
    _lock_resources(venue_id, speakers)
    slot = candidate(cohort, data, s.id, speakers, venue_id)
    warnings = [] if s.is_cancelled else check_slots(cohort, [slot], confirm_clash=confirm_clash)
    before = snapshot(s)
    _apply(s, cohort, data, _venue_for_write(data, venue_id), speakers, goals)
    db.session.flush()
    after = snapshot(s)
    if after == before:
        return False, warnings
    s.sequence += 1
    changed = [k for k in after if after[k] != before[k]]
    audit.record(
        "session.updated",
        s,
        cohort_id=cohort.id,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return True, warnings


def cancel_session(s: TrainingSession, reason: str) -> None:
    """Cancel: the session stays on the timetable with its reason; it earns no hours."""
    _refuse_archived(s.cohort)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写取消原因。"), "reason")
    if s.is_cancelled:
        raise ServiceError(_("这次课程已经取消了。"))
    s.cancelled_at = utcnow()
    s.cancel_reason = reason
    s.sequence += 1
    db.session.flush()
    audit.record("session.cancelled", s, cohort_id=s.cohort_id, after={"cancel_reason": reason})


def restore_session(s: TrainingSession, *, confirm_clash: bool = False) -> list[str]:
    """Undo a cancellation (checked for clashes again: the slot may have been taken meanwhile)."""
    lock_cohort(s.cohort_id)
    _refuse_archived(s.cohort)
    if not s.is_cancelled:
        raise ServiceError(_("这次课程没有取消。"))
    slot = replace_cancelled(slot_of(s))
    lock_slot_resources([slot])
    warnings = check_slots(s.cohort, [slot], confirm_clash=confirm_clash)
    before = {"cancelled_at": s.cancelled_at, "cancel_reason": s.cancel_reason}
    s.cancelled_at = None
    s.cancel_reason = None
    s.sequence += 1
    db.session.flush()
    audit.record("session.restored", s, cohort_id=s.cohort_id, before=before)
    return warnings


def replace_cancelled(slot: rules.SlotValue) -> rules.SlotValue:
    from dataclasses import replace

    return replace(slot, cancelled=False)


def moved(value: datetime | None, delta: timedelta) -> datetime | None:
    return value + delta if value is not None else None
