"""The next 期次: a cohort's programme copied into a new cohort, and the conflict check of a cohort.

What is copied: the cohort's name/code (given), settings and completion rule, its goals, and
every session that is not cancelled, with its speakers, venue, goals, site-visit details and
stops, moved to the new start date keeping weekdays and local times (``copy_plan``). Never
copied: trainees, enrollments, attendance, leave, certificates, calendar feeds.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from cadre import audit
from cadre.extensions import db
from cadre.models import (
    Cohort,
    CohortGoal,
    Role,
    SessionSpeaker,
    TrainingSession,
    User,
    VisitStop,
)
from cadre.rules import schedule as rules
from cadre.rules import schedule_moves
from cadre.schedule.conflicts import cohort_dates, overlapping, slot_of
from cadre.services import NotFound, ServiceError
from cadre.timetable import queries

COPIED_COHORT_FIELDS = (
    "organizing_unit",
    "description",
    "default_venue_id",
    "minutes_per_credit_hour",
    "min_attendance_percent",
    "require_required_sessions",
    "max_unexcused_absences",
    "max_leave_fraction",
    "contact_name",
    "contact_phone",
)
COPIED_SESSION_FIELDS = (
    "kind",
    "title",
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
    "transport",
)


@dataclass
class CopyData:
    """Validated values of the copy form."""

    name: str
    code: str  # normalized (upper case)
    start_date: date


@dataclass
class CopyResult:
    cohort: Cohort
    session_count: int
    problems: list[rules.Problem]


def _shift(value: datetime | None, offset: timedelta) -> datetime | None:
    """A time moved by whole days in local wall time (the same as copy_plan moves the sessions)."""
    if value is None:
        return None
    local = value.astimezone(rules.LOCAL_TZ)
    return (local.replace(tzinfo=None) + offset).replace(tzinfo=rules.LOCAL_TZ)


def check_cohort(cohort: Cohort, sessions: list[TrainingSession] | None = None) -> list[rules.Problem]:
    """Every conflict and date problem of a cohort's sessions (against all cohorts)."""
    if sessions is None:
        sessions = queries.cohort_sessions(cohort.id)
    live = [s for s in sessions if not s.is_cancelled]
    if not live:
        return []
    first = min(s.starts_at for s in live)
    last = max(s.ends_at for s in live)
    others = overlapping(first, last, exclude_cohort=cohort.id)
    return rules.check_cohort(
        [slot_of(s) for s in sessions], cohort_dates(cohort), [slot_of(o) for o in others]
    )


def _code_taken(code: str) -> Cohort | None:
    return db.session.scalar(select(Cohort).where(func.upper(Cohort.code) == code.upper()))


def copy_cohort(source_id: int, data: CopyData, actor: User) -> CopyResult:
    """Create the next 期次 of a cohort (see the module docstring); audited, flushed, not committed."""
    source = db.session.get(Cohort, source_id)
    if source is None:
        raise NotFound()
    owner = _code_taken(data.code)
    if owner is not None:
        raise ServiceError(
            _("班级代码“%(code)s”已被培训班“%(name)s”使用。", code=data.code, name=owner.name), "code"
        )
    if not rules.MIN_YEAR <= data.start_date.year <= rules.MAX_YEAR:
        raise ServiceError(
            _("时间须在 %(min)s 年至 %(max)s 年之间。", min=rules.MIN_YEAR, max=rules.MAX_YEAR), "start_date"
        )
    sessions = [s for s in queries.cohort_sessions(source.id) if not s.is_cancelled]
    plan = schedule_moves.copy_plan([slot_of(s) for s in sessions], cohort_dates(source), data.start_date)
    if plan.end_date is not None and plan.end_date.year > rules.MAX_YEAR:
        raise ServiceError(
            _("时间须在 %(min)s 年至 %(max)s 年之间。", min=rules.MIN_YEAR, max=rules.MAX_YEAR), "start_date"
        )
    moves = {m.session_id: m for m in plan.moves}

    cohort = Cohort(name=data.name.strip(), code=data.code, copied_from_id=source.id)
    db.session.add(cohort)
    for name in COPIED_COHORT_FIELDS:
        setattr(cohort, name, getattr(source, name))
    # The old first day on its weekday at or after the requested start; the last day moves as far.
    cohort.start_date = plan.first_day
    cohort.end_date = plan.end_date
    if actor.role == Role.ORGANIZER:
        cohort.organizers = [actor]
    else:
        cohort.organizers = list(source.organizers)
    goals = {g.id: CohortGoal(name=g.name, position=g.position) for g in source.goals}
    cohort.goals = list(goals.values())
    db.session.flush()

    series = {}
    copies: list[tuple[TrainingSession, TrainingSession]] = []
    for old in sessions:
        move = moves[old.id]
        new = TrainingSession(cohort=cohort, starts_at=move.new_starts_at, ends_at=move.new_ends_at)
        for name in COPIED_SESSION_FIELDS:
            setattr(new, name, getattr(old, name))
        new.departs_at = _shift(old.departs_at, plan.offset)
        new.returns_at = _shift(old.returns_at, plan.offset)
        if old.series_id:
            new.series_id = series.setdefault(old.series_id, secrets.token_hex(8))
        new.speaker_links = [
            SessionSpeaker(speaker_id=link.speaker_id, position=link.position) for link in old.speaker_links
        ]
        new.goals = [goals[g.id] for g in old.goals if g.id in goals]
        new.stops = [
            VisitStop(
                position=stop.position,
                name=stop.name,
                address=stop.address,
                host=stop.host,
                host_phone=stop.host_phone,
                arrives_at=_shift(stop.arrives_at, plan.offset),
                description=stop.description,
            )
            for stop in old.stops
        ]
        db.session.add(new)
        copies.append((old, new))
    db.session.flush()

    audit.record(
        "cohort.copied",
        cohort,
        cohort_id=cohort.id,
        after={
            "copied_from_id": source.id,
            "copied_from_code": source.code,
            "code": cohort.code,
            "name": cohort.name,
            "start_date": cohort.start_date,
            "end_date": cohort.end_date,
            "offset_days": plan.offset.days,
            "sessions": len(copies),
            "organizers": [u.username for u in cohort.organizers],
        },
    )
    for old, new in copies:
        audit.record(
            "session.copied",
            new,
            cohort_id=cohort.id,
            after={
                "copied_from_session_id": old.id,
                "title": new.title,
                "starts_at": new.starts_at,
                "ends_at": new.ends_at,
            },
        )
    new_sessions = [new for _old, new in copies]
    problems = check_cohort(cohort, new_sessions)
    return CopyResult(cohort, len(copies), problems)
