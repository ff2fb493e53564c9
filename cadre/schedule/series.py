"""Weekly series and shifts of sessions (service contract of cadre.services)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cadre import audit
from cadre.dates import day_label
from cadre.extensions import db
from cadre.models import Cohort, TrainingSession
from cadre.rules import schedule as rules
from cadre.rules import schedule_moves as moves
from cadre.schedule import conflicts, services
from cadre.schedule_messages import field_error_message, rule_error_message, shift_leaving_message
from cadre.services import ServiceError, lock_cohort


def occurrences(data: services.SessionData, until: date | None) -> list[tuple]:
    """(start, end) of every week of a series; a refused series is a ServiceError on its end date."""
    services.check_times(data.starts_at, data.ends_at)
    try:
        return moves.weekly_series(data.starts_at, data.ends_at, until)
    except rules.ScheduleRuleError as err:
        raise ServiceError(rule_error_message(err), "repeat_until") from err


def create_series(
    cohort: Cohort, data: services.SessionData, until: date | None, *, confirm_clash: bool = False
) -> tuple[list[TrainingSession], list[str]]:
    """The same session every week up to `until` (≤ 60), sharing a series id; all or nothing."""
    lock_cohort(cohort.id)
    times = occurrences(data, until)
    venue_id, speakers, goals = services.prepare(cohort, data)
    conflicts._lock_resources(venue_id, speakers)
    weeks = [_week(data, start, end) for start, end in times]
    slots = [services.candidate(cohort, week, None, speakers, venue_id) for week in weeks]
    conflicts.refuse_duplicates(cohort, slots)
    warnings = conflicts.check_slots(cohort, slots, confirm_clash=confirm_clash, label_days=True)
    series_id = secrets.token_hex(8)
    created = []
    venue_id = services._venue_for_write(data, venue_id)
    for week in weeks:
        s = TrainingSession(series_id=series_id)
        db.session.add(s)
        s.cohort = cohort
        services._apply(s, cohort, week, venue_id, speakers, goals)
        created.append(s)
    db.session.flush()
    for s in created:
        audit.record(
            "session.created", s, cohort_id=cohort.id, after=services.snapshot(s) | {"series_id": series_id}
        )
    return created, warnings


def _week(data: services.SessionData, start, end) -> services.SessionData:
    delta = start - data.starts_at
    return replace(
        data,
        starts_at=start,
        ends_at=end,
        departs_at=services.moved(data.departs_at, delta),
        returns_at=services.moved(data.returns_at, delta),
        stops=[replace(st, arrives_at=services.moved(st.arrives_at, delta)) for st in data.stops],
    )


# ---------------------------------------------------------------- shifts


@dataclass
class ShiftResult:
    sessions: list[TrainingSession]
    warnings: list[str]


class LeavingCohort(ServiceError):
    """A shift would move sessions outside the cohort's dates and the organizer has not confirmed."""

    def __init__(self, count: int, lines: list[str]):
        super().__init__(shift_leaving_message(count), "confirm_outside")
        self.lines = lines


def _series_sessions(s: TrainingSession) -> list[TrainingSession]:
    if s.series_id is None:
        return [s]
    return db.session.scalars(
        select(TrainingSession)
        .where(TrainingSession.series_id == s.series_id, TrainingSession.cohort_id == s.cohort_id)
        .options(selectinload(TrainingSession.speaker_links), selectinload(TrainingSession.stops))
    ).all()


def plan(s: TrainingSession, delta: timedelta, with_rest_of_series: bool) -> moves.ShiftPlan:
    sessions = _series_sessions(s) if with_rest_of_series else [s]
    try:
        return moves.shift_plan(
            [conflicts.slot_of(x) for x in sessions],
            s.id,
            delta,
            with_rest_of_series=with_rest_of_series,
            cohort=conflicts.cohort_dates(s.cohort),
        )
    except rules.ScheduleRuleError as err:
        raise ServiceError(rule_error_message(err), "days") from err


def shift_session(
    s: TrainingSession,
    delta: timedelta,
    *,
    with_rest_of_series: bool = False,
    confirm_outside: bool = False,
    confirm_clash: bool = False,
) -> ShiftResult:
    """Move a session (or it and the later ones of its series) by `delta` in local time."""
    cohort = s.cohort
    lock_cohort(cohort.id)
    services._refuse_archived(cohort)
    shift = plan(s, delta, with_rest_of_series)
    for _id, error in shift.errors:
        raise ServiceError(field_error_message(error), "days")
    by_id = {x.id: x for x in _series_sessions(s)} | {s.id: s}
    if shift.needs_confirmation and not confirm_outside:
        lines = [
            _("%(title)s：%(day)s", title=by_id[i].title, day=day_label(rules.local_date(m.new_starts_at)))
            for i in shift.leaving
            for m in shift.moves
            if m.session_id == i
        ]
        raise LeavingCohort(len(shift.leaving), lines)
    moving_ids = {m.session_id for m in shift.moves}
    slots = [
        replace(conflicts.slot_of(by_id[m.session_id]), starts_at=m.new_starts_at, ends_at=m.new_ends_at)
        for m in shift.moves
        if not by_id[m.session_id].is_cancelled
    ]
    # Another organizer booking one of their venues or speakers meanwhile waits for this move.
    conflicts.lock_slot_resources(slots)
    # The moving sessions must not clash with their own old places.
    warnings = _check_moving(cohort, slots, moving_ids, confirm_clash)
    moved = []
    for m in shift.moves:
        x = by_id[m.session_id]
        offset = m.new_starts_at - m.starts_at
        before = {"starts_at": x.starts_at, "ends_at": x.ends_at}
        x.starts_at, x.ends_at = m.new_starts_at, m.new_ends_at
        x.departs_at = services.moved(x.departs_at, offset)
        x.returns_at = services.moved(x.returns_at, offset)
        for stop in x.stops:
            stop.arrives_at = services.moved(stop.arrives_at, offset)
        x.sequence += 1
        db.session.flush()
        audit.record(
            "session.shifted",
            x,
            cohort_id=cohort.id,
            before=before,
            after={
                "starts_at": x.starts_at,
                "ends_at": x.ends_at,
                "offset_minutes": int(offset.total_seconds() // 60),
            },
        )
        moved.append(x)
    return ShiftResult(moved, warnings)


def _check_moving(
    cohort: Cohort, slots: list[rules.SlotValue], moving_ids: set, confirm_clash: bool
) -> list[str]:
    problems: list[rules.Problem] = []
    prefix: dict[int, str] = {}
    dates = conflicts.cohort_dates(cohort)
    known = []
    for slot in slots:
        rows = [o for o in conflicts.overlapping(slot.starts_at, slot.ends_at) if o.id not in moving_ids]
        known.extend(rows)
        for p in rules.check_candidate(slot, [conflicts.slot_of(o) for o in rows], dates):
            prefix[id(p)] = f"{slot.title}（{day_label(rules.local_date(slot.starts_at))}）："
            problems.append(p)
    lines = conflicts.describe(problems, prefix, known, cohort.id)
    if rules.blocking(problems) and not confirm_clash:
        raise conflicts.ClashError(problems, lines)
    return lines
