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
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Literal
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
    "FieldError",
    "Problem",
    "ScheduleRuleError",
    "SlotValue",
    "blocking",
    "check_candidate",
    "check_cohort",
    "credit_hours",
    "local_date",
    "overlaps",
    "validate_times",
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
                    params={
                        "day": day,
                        "holiday_key": status.holiday_key,
                        "holiday_name": status.holiday_name,
                    },
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
                    params={
                        "day": day,
                        "year": day.year,
                        "first_year": years.start,
                        "last_year": years.stop - 1,
                    },
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
                found.extend(
                    (_order(slot), p) for p in _pair_problems(slot, other) if p.code != "cohort_overlap"
                )
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
