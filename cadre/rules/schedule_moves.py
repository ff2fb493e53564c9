"""Moving sessions in time: weekly series, shifts, and copying a programme to the next 期次.

Pure functions over the values of ``cadre.rules.schedule`` (its docstring has the
error codes: ``series_*``, ``shift_*``), in the cohort's local zone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from cadre.rules.schedule import (
    LOCAL_TZ,
    MAX_SERIES,
    CohortDates,
    FieldError,
    ScheduleRuleError,
    SlotValue,
    _aware,
    _local_days,
    _order,
    local_date,
    validate_times,
)


def _local_shift(value: datetime, delta: timedelta) -> datetime:
    """`value` moved by `delta` in local wall time (so +7 days keeps the hour), returned in UTC."""
    local = value.astimezone(LOCAL_TZ)
    return (local.replace(tzinfo=None) + delta).replace(tzinfo=LOCAL_TZ).astimezone(UTC)


def weekly_series(
    starts_at: datetime, ends_at: datetime, until: date | None, max_occurrences: int = MAX_SERIES
) -> list[tuple[datetime, datetime]]:
    """(start, end) of every weekly occurrence from the first one up to `until` (a local date, inclusive).

    Same weekday and local time each week, the first occurrence included.
    Refused: no end date, an end date before the first occurrence, and more
    than `max_occurrences` (60) occurrences.
    """
    _aware(starts_at)
    _aware(ends_at)
    if until is None:
        raise ScheduleRuleError("series_no_end")
    first = local_date(starts_at)
    if until < first:
        raise ScheduleRuleError("series_end_before_start", first_day=first, until=until)
    count = (until - first).days // 7 + 1
    if count > max_occurrences:
        raise ScheduleRuleError("series_too_long", count=count, max=max_occurrences)
    return [
        (_local_shift(starts_at, timedelta(weeks=n)), _local_shift(ends_at, timedelta(weeks=n)))
        for n in range(count)
    ]


@dataclass(frozen=True)
class Move:
    """One session's times before and after a shift or a copy."""

    session_id: int | None
    starts_at: datetime
    ends_at: datetime
    new_starts_at: datetime
    new_ends_at: datetime


@dataclass(frozen=True)
class ShiftPlan:
    moves: tuple[Move, ...]
    leaving: tuple[int | None, ...]  # ids of moved sessions that would fall outside the cohort's dates
    errors: tuple[tuple[int | None, FieldError], ...] = ()  # moved times out of range

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.leaving)


def shift_plan(
    sessions: Sequence[SlotValue],
    session_id: int,
    delta: timedelta,
    *,
    with_rest_of_series: bool = False,
    cohort: CohortDates | None = None,
) -> ShiftPlan:
    """Which sessions move where when one session (or it and the later ones of its series) shifts by `delta`.

    The shift is in local wall time. "The rest of the series" is every session
    with the same ``series_id`` starting at or after the chosen one, cancelled
    ones included (they stay cancelled, at their shifted place in the series).
    `leaving` lists the moved sessions that would lie outside the cohort's
    dates, so the view can ask the organizer to confirm; `errors` the moves
    whose new times are refused by ``validate_times``.
    """
    if not delta:
        raise ScheduleRuleError("shift_zero")
    chosen = next((s for s in sessions if s.id == session_id), None)
    if chosen is None:
        raise ScheduleRuleError("shift_unknown_session", session_id=session_id)
    if with_rest_of_series and chosen.series_id is not None:
        moving = [s for s in sessions if s.series_id == chosen.series_id and s.starts_at >= chosen.starts_at]
    else:
        moving = [chosen]
    moves, leaving, errors = [], [], []
    for slot in sorted(moving, key=_order):
        new = replace(
            slot, starts_at=_local_shift(slot.starts_at, delta), ends_at=_local_shift(slot.ends_at, delta)
        )
        moves.append(Move(slot.id, slot.starts_at, slot.ends_at, new.starts_at, new.ends_at))
        errors.extend((slot.id, e) for e in validate_times(new.starts_at, new.ends_at))
        if cohort is not None and not all(cohort.contains(d) for d in _local_days(new)):
            leaving.append(slot.id)
    return ShiftPlan(tuple(moves), tuple(leaving), tuple(errors))


@dataclass(frozen=True)
class CopyPlan:
    """A programme moved to a new 期次: the offset, the new cohort's dates, every session's new times."""

    offset: timedelta
    first_day: date  # the old first day moved: same weekday, on or after the requested start
    end_date: date | None
    moves: tuple[Move, ...]


def copy_offset(old_start: date, new_start: date) -> timedelta:
    """Whole weeks that move `old_start` to the first day with its weekday on or after `new_start`.

    offset = 7 × ceil((new_start − old_start) / 7) days. With the same weekday
    that is exactly new_start − old_start (青蓝接力: Fri 2025-05-09 → Fri
    2026-05-08 is 52 weeks); with another weekday the programme starts on the
    next day of the old weekday, so no session lands before the new start and
    every session keeps its weekday and time of day.
    """
    days = (new_start - old_start).days
    return timedelta(days=7 * math.ceil(days / 7))


def copy_plan(sessions: Iterable[SlotValue], old: CohortDates, new_start: date) -> CopyPlan:
    """Map a cohort's sessions onto a new start date, keeping weekdays and local times (see ``copy_offset``).

    The old cohort's start date anchors the offset; without one, its first
    session's local date does.
    """
    ordered = sorted(sessions, key=_order)
    anchor = old.start_date or (local_date(ordered[0].starts_at) if ordered else new_start)
    offset = copy_offset(anchor, new_start)
    moves = tuple(
        Move(s.id, s.starts_at, s.ends_at, _local_shift(s.starts_at, offset), _local_shift(s.ends_at, offset))
        for s in ordered
    )
    end_date = old.end_date + offset if old.end_date is not None else None
    return CopyPlan(offset, anchor + offset, end_date, moves)
