"""Timetable rules: conflicts, time validation, credit hours, series, shifts, copies, grids.

Pure functions over frozen dataclasses; no Flask, no database. Datetimes are
timezone-aware (stored in UTC); dates that people see — weekdays, holidays,
"the evening before", a cohort's first and last day — are taken in the
cohort's local zone, Asia/Shanghai (``LOCAL_TZ``). Naive datetimes are refused
(``ValueError``): they are a programming error, never user input.

Problems and errors carry a **code** and **params**; the web layer turns codes
into translated messages (``cadre.schedule_messages``), so these rules never
import flask_babel.

Conflict codes (``Problem.code``), with their severity and params:

============================  ========  ==============================================
code                          severity  params
============================  ========  ==============================================
``venue_clash``               block     ``venue_id``
``speaker_clash``             block     ``speaker_id`` (one problem per shared speaker)
``cohort_overlap``            warn      —
``outside_cohort``            warn      ``day``, ``first_day``, ``last_day`` (dates; None
                                        where the cohort has no such date)
``weekend``                   warn      ``day``
``holiday``                   warn      ``day``, ``holiday_key``, ``holiday_name``
``unknown_calendar_year``     warn      ``day``, ``year``, ``first_year``, ``last_year``
============================  ========  ==============================================

``session_id`` is the session the problem is about; ``other_id`` the other
session of a clash (None for the one-session checks). Venue and speaker clashes
are across all cohorts; ``cohort_overlap`` only within one cohort (two sessions
of one class at once is sometimes intended: parallel groups). Cancelled
sessions never clash and get no date warnings. Two sessions overlap when one
starts before the other ends: one ending at 10:00 and the next starting at 10:00
do not. A date the holiday calendar does not know (see ``cadre.rules.holidays``)
gives ``unknown_calendar_year`` once per session, and a Saturday or Sunday in
such a year still gives ``weekend``.

Time errors (``FieldError.code`` from ``validate_times``): ``required``,
``out_of_range`` (``min_year``, ``max_year``), ``end_not_after_start``,
``too_long`` (``max_hours``). Rule errors raised as ``ScheduleRuleError``:
``series_no_end``, ``series_end_before_start``, ``series_too_long``
(``count``, ``max``), ``shift_zero``, ``shift_unknown_session`` (``session_id``),
``bad_minutes_per_credit_hour``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from cadre.enums import SessionKind
from cadre.rules.holidays import DayKind, day_status, known_years

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
MIN_YEAR = 2000
MAX_YEAR = 2100
MAX_SESSION_LENGTH = timedelta(hours=24)
MAX_SERIES = 60

Severity = Literal["block", "warn"]
BLOCK: Severity = "block"
WARN: Severity = "warn"

__all__ = [
    "LOCAL_TZ",
    "MAX_SERIES",
    "CohortDates",
    "CopyPlan",
    "Day",
    "FieldError",
    "Move",
    "Problem",
    "ScheduleRuleError",
    "ShiftPlan",
    "SlotValue",
    "Week",
    "blocking",
    "check_candidate",
    "check_cohort",
    "copy_plan",
    "credit_hours",
    "group_by_local_date",
    "local_date",
    "next_session",
    "overlaps",
    "shift_plan",
    "validate_times",
    "week_grid",
    "weekly_series",
]


class ScheduleRuleError(ValueError):
    """A value the schedule rules refuse. `code` names the rule, `params` fill the message."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class SlotValue:
    """One session as the rules see it. Datetimes are aware (any zone; compared as instants)."""

    id: int | None
    cohort_id: int | None
    title: str
    kind: SessionKind
    starts_at: datetime
    ends_at: datetime
    venue_id: int | None = None
    speaker_ids: tuple[int, ...] = ()
    cancelled: bool = False
    series_id: int | None = None

    def __post_init__(self):
        _aware(self.starts_at)
        _aware(self.ends_at)


@dataclass(frozen=True)
class CohortDates:
    """A cohort's first and last day (local dates; either may be unset) and its minutes per 学时."""

    id: int | None
    start_date: date | None
    end_date: date | None
    minutes_per_credit_hour: int = 45

    def contains(self, day: date) -> bool:
        if self.start_date is not None and day < self.start_date:
            return False
        return not (self.end_date is not None and day > self.end_date)


@dataclass(frozen=True)
class Problem:
    """One finding of the conflict checks (see the module docstring for codes and params)."""

    code: str
    severity: Severity
    session_id: int | None
    other_id: int | None = None
    params: dict[str, Any] = field(default_factory=dict, hash=False)

    @property
    def blocks(self) -> bool:
        return self.severity == BLOCK


@dataclass(frozen=True)
class FieldError:
    """A refused value of one form field (``starts_at`` or ``ends_at``)."""

    field: str
    code: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime: schedule rules take timezone-aware datetimes")
    return value


def local_date(value: datetime) -> date:
    """The date in Asia/Shanghai of an aware datetime."""
    return _aware(value).astimezone(LOCAL_TZ).date()


def _local_days(slot: SlotValue) -> list[date]:
    """The local dates a session touches; an end at exactly midnight does not touch the next day."""
    first = local_date(slot.starts_at)
    last = local_date(max(slot.starts_at, slot.ends_at - timedelta(microseconds=1)))
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# --------------------------------------------------------------------------- conflicts


def overlaps(a: SlotValue, b: SlotValue) -> bool:
    """Whether two sessions share some instant; touching ends (10:00–10:00) do not overlap."""
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def _pair_problems(a: SlotValue, b: SlotValue) -> list[Problem]:
    """What is wrong with `a` because of `b` (both active and overlapping)."""
    found: list[Problem] = []
    if a.venue_id is not None and a.venue_id == b.venue_id:
        found.append(Problem("venue_clash", BLOCK, a.id, b.id, {"venue_id": a.venue_id}))
    for speaker_id in sorted(set(a.speaker_ids) & set(b.speaker_ids)):
        found.append(Problem("speaker_clash", BLOCK, a.id, b.id, {"speaker_id": speaker_id}))
    if a.cohort_id is not None and a.cohort_id == b.cohort_id:
        found.append(Problem("cohort_overlap", WARN, a.id, b.id))
    return found


def _same(a: SlotValue, b: SlotValue) -> bool:
    return a is b or (a.id is not None and a.id == b.id)


def _date_problems(slot: SlotValue, cohort: CohortDates | None) -> list[Problem]:
    found: list[Problem] = []
    days = _local_days(slot)
    if cohort is not None:
        for day in days:
            if not cohort.contains(day):
                found.append(
                    Problem(
                        "outside_cohort",
                        WARN,
                        slot.id,
                        params={"day": day, "first_day": cohort.start_date, "last_day": cohort.end_date},
                    )
                )
                break
    unknown_reported = False
    for day in days:
        status = day_status(day)
        if status.kind is DayKind.HOLIDAY:
            found.append(
                Problem(
                    "holiday",
                    WARN,
                    slot.id,
                    params={"day": day, "holiday_key": status.holiday_key, "holiday_name": status.holiday_name},
                )
            )
        elif status.kind is DayKind.WEEKEND or (status.kind is DayKind.UNKNOWN and day.weekday() >= 5):
            found.append(Problem("weekend", WARN, slot.id, params={"day": day}))
        if status.kind is DayKind.UNKNOWN and not unknown_reported:
            years = known_years()
            found.append(
                Problem(
                    "unknown_calendar_year",
                    WARN,
                    slot.id,
                    params={"day": day, "year": day.year, "first_year": years.start, "last_year": years.stop - 1},
                )
            )
            unknown_reported = True
    return found


def check_candidate(
    candidate: SlotValue, existing: Iterable[SlotValue], cohort: CohortDates | None = None
) -> list[Problem]:
    """Problems of one session about to be saved, against sessions already saved (any cohort).

    `existing` may contain the candidate itself (same id, when editing): it is skipped.
    Every problem has ``session_id == candidate.id``.
    """
    if candidate.cancelled:
        return []
    found = _date_problems(candidate, cohort)
    for other in sorted(existing, key=_order):
        if other.cancelled or _same(candidate, other) or not overlaps(candidate, other):
            continue
        found.extend(_pair_problems(candidate, other))
    return found


def check_cohort(
    sessions: Iterable[SlotValue],
    cohort: CohortDates | None = None,
    others: Iterable[SlotValue] = (),
) -> list[Problem]:
    """Every problem of a cohort's sessions, each once ("检查冲突").

    `sessions` are the cohort's; `others` are sessions of other cohorts that may
    share a venue or speaker. A clash between two of the cohort's own sessions is
    reported once, on the earlier one (``session_id``) with the later as
    ``other_id``; a clash with another cohort's session is reported on the
    cohort's session. The result is in timetable order.
    """
    own = sorted((s for s in sessions if not s.cancelled), key=_order)
    own_ids = {s.id for s in own if s.id is not None}
    outside = sorted(
        (s for s in others if not s.cancelled and (s.id is None or s.id not in own_ids)),
        key=_order,
    )
    found: list[tuple[tuple, Problem]] = []
    for index, slot in enumerate(own):
        for problem in _date_problems(slot, cohort):
            found.append((_order(slot), problem))
        for later in own[index + 1 :]:
            if later.starts_at >= slot.ends_at:
                break  # sorted by start: nothing later can overlap `slot`
            if overlaps(slot, later):
                found.extend((_order(slot), p) for p in _pair_problems(slot, later))
        for other in outside:
            if other.starts_at >= slot.ends_at:
                break
            if overlaps(slot, other):
                found.extend((_order(slot), p) for p in _pair_problems(slot, other) if p.code != "cohort_overlap")
    found.sort(key=lambda item: item[0])  # stable: within a session, the order found
    return [problem for _, problem in found]


def blocking(problems: Iterable[Problem]) -> list[Problem]:
    """The problems that stop a save until the organizer confirms (venue and speaker clashes)."""
    return [p for p in problems if p.blocks]


def _order(slot: SlotValue) -> tuple:
    return (slot.starts_at, slot.ends_at, slot.id if slot.id is not None else -1)


# --------------------------------------------------------------------------- times


def validate_times(starts_at: datetime | None, ends_at: datetime | None) -> list[FieldError]:
    """Refusals of a session's start and end, at most one per field (empty list: fine).

    Start and end are required, each within the years 2000–2100 (local date);
    the end must come after the start and at most 24 hours later.
    """
    errors: list[FieldError] = []
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value is None:
            errors.append(FieldError(name, "required"))
        elif not MIN_YEAR <= local_date(value).year <= MAX_YEAR:
            errors.append(FieldError(name, "out_of_range", {"min_year": MIN_YEAR, "max_year": MAX_YEAR}))
    if errors:
        return errors
    assert starts_at is not None and ends_at is not None
    if ends_at <= starts_at:
        errors.append(FieldError("ends_at", "end_not_after_start"))
    elif ends_at - starts_at > MAX_SESSION_LENGTH:
        errors.append(FieldError("ends_at", "too_long", {"max_hours": 24}))
    return errors


def credit_hours(starts_at: datetime, ends_at: datetime, minutes_per_credit_hour: int) -> Decimal:
    """学时 of a session: its length in minutes / minutes per 学时, rounded to the nearest half.

    Exactly half-way between two halves (a quarter: 1.25, 2.75) rounds up
    (ROUND_HALF_UP), computed on exact fractions so 120 min / 45 = 2.67 → 2.5
    and 75 min / 60 = 1.25 → 1.5. A zero or negative length earns 0. The result
    has one decimal place (Decimal("2.5"), Decimal("3.0")), like the column.
    """
    if not isinstance(minutes_per_credit_hour, int) or minutes_per_credit_hour <= 0:
        raise ScheduleRuleError("bad_minutes_per_credit_hour")
    seconds = (ends_at - starts_at).total_seconds()
    if seconds <= 0:
        return Decimal("0.0")
    halves = Fraction(int(round(seconds)), 60 * minutes_per_credit_hour) * 2
    rounded = math.floor(halves + Fraction(1, 2))
    return (Decimal(rounded) / 2).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------- series, shifts, copies


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
    return [(_local_shift(starts_at, timedelta(weeks=n)), _local_shift(ends_at, timedelta(weeks=n))) for n in range(count)]


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
        new = replace(slot, starts_at=_local_shift(slot.starts_at, delta), ends_at=_local_shift(slot.ends_at, delta))
        moves.append(Move(slot.id, slot.starts_at, slot.ends_at, new.starts_at, new.ends_at))
        errors.extend((slot.id, e) for e in validate_times(new.starts_at, new.ends_at))
        if cohort is not None and not all(cohort.contains(d) for d in _local_days(new)):
            leaving.append(slot.id)
    return ShiftPlan(tuple(moves), tuple(leaving), tuple(errors))


@dataclass(frozen=True)
class CopyPlan:
    """A programme moved to a new 期次: the day offset, the new cohort's dates and every session's new times."""

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


# --------------------------------------------------------------------------- timetable pages

T = TypeVar("T")


def _starts(item: Any) -> datetime:
    return item.starts_at


def group_by_local_date(items: Iterable[T], key: Callable[[T], datetime] = _starts) -> list[tuple[date, list[T]]]:
    """Items (anything with ``starts_at``, or a `key`) grouped by local date, days and items in time order."""
    days: dict[date, list[T]] = {}
    for item in sorted(items, key=key):
        days.setdefault(local_date(key(item)), []).append(item)
    return sorted(days.items())


@dataclass(frozen=True)
class Day:
    day: date
    in_cohort: bool  # within the cohort's first and last day
    items: tuple

    @property
    def is_weekend(self) -> bool:
        return self.day.weekday() >= 5


@dataclass(frozen=True)
class Week:
    monday: date
    days: tuple[Day, ...]  # Monday … Sunday


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_grid(
    start_date: date | None,
    end_date: date | None,
    items: Iterable[T] = (),
    key: Callable[[T], datetime] = _starts,
) -> list[Week]:
    """Monday-based weeks × 7 days covering the cohort's dates, with each day's items in time order.

    The grid also stretches to cover any item outside the cohort's dates (so an
    organizer sees a stray session, not loses it); with neither dates nor
    items it is empty. A missing start or end is taken from the items.
    """
    by_day = dict(group_by_local_date(items, key))
    bounds = [d for d in (start_date, end_date) if d is not None] + list(by_day)
    if not bounds:
        return []
    first, last = _monday(min(bounds)), max(bounds)
    cohort = CohortDates(None, start_date, end_date)
    weeks = []
    monday = first
    while monday <= last:
        days = tuple(
            Day(d, cohort.contains(d), tuple(by_day.get(d, ())))
            for d in (monday + timedelta(days=n) for n in range(7))
        )
        weeks.append(Week(monday, days))
        monday += timedelta(days=7)
    return weeks


def next_session(items: Iterable[T], now: datetime, key: Callable[[T], datetime] = _starts) -> T | None:
    """The session a trainee should look at now: the one under way, else the next to start.

    Items need ``starts_at``, ``ends_at`` and (optionally) ``cancelled``;
    cancelled ones are skipped. None when nothing is left.
    """
    _aware(now)
    upcoming = [i for i in items if not getattr(i, "cancelled", False) and i.ends_at > now]
    return min(upcoming, key=key, default=None)
