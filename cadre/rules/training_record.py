"""Credit hours and attendance of one trainee in one cohort, for the training record (培训档案).

Pure functions over plain values: no Flask, no database. Attendance statuses
are compared as strings (AttendanceStatus is a StrEnum, so its members match).

Rules, until a later issue refines them:
- present (出勤), late (迟到) and left early (早退) earn the session's credit hours;
  excused (请假) and absent (缺勤) earn none;
- a session is *due* once it has started (or as soon as the trainee has a record
  for it); after a withdrawal, later sessions without a record are no longer due;
- attendance share = credit hours earned / credit hours due (None when nothing is due).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

STATUSES = ("present", "late", "left_early", "excused", "absent")
EARNING_STATUSES = frozenset({"present", "late", "left_early"})
UNRECORDED = "unrecorded"  # a due session with no attendance record

_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class SessionFacts:
    """What the record needs of a training session."""

    id: int
    starts_at: datetime
    ends_at: datetime
    credit_hours: Decimal | None
    day: date  # the local (Shanghai) date of the session, for the withdrawal cut-off
    is_required: bool = True


@dataclass(frozen=True)
class CohortTally:
    """One trainee's numbers in one cohort."""

    earned: Decimal  # credit hours earned
    due: Decimal  # credit hours of the sessions held so far (while enrolled)
    planned: Decimal  # credit hours of every session of the cohort
    sessions_due: int
    sessions_planned: int
    counts: Mapping[str, int] = field(default_factory=dict)  # by status, plus UNRECORDED

    @property
    def share(self) -> Decimal | None:
        """Earned / due, between 0 and 1; None when nothing is due yet."""
        if self.due <= 0:
            return None
        return self.earned / self.due

    @property
    def percent(self) -> Decimal | None:
        """The share as a percentage with one decimal (87.5)."""
        share = self.share
        if share is None:
            return None
        return (share * 100).quantize(_TENTH, rounding=ROUND_HALF_UP)


def session_credit_hours(
    credit_hours: Decimal | int | float | None,
    starts_at: datetime,
    ends_at: datetime,
    minutes_per_credit_hour: int,
) -> Decimal:
    """A session's credit hours: as scheduled, or from its length when none were set.

    A value set on the session wins, 0 included (a ceremony may carry none);
    otherwise the duration divided by the cohort's minutes per 学时, rounded
    down to half hours so that nobody is credited for time not sat.
    """
    if credit_hours is not None:
        return Decimal(str(credit_hours))
    if minutes_per_credit_hour <= 0:
        raise ValueError("minutes_per_credit_hour must be positive")
    minutes = Decimal(int((ends_at - starts_at).total_seconds() // 60))
    halves = (minutes * 2 / minutes_per_credit_hour).to_integral_value(rounding=ROUND_FLOOR)
    return max(halves / 2, Decimal(0))


def tally_cohort(
    sessions: Iterable[SessionFacts],
    statuses: Mapping[int, str],
    *,
    now: datetime,
    minutes_per_credit_hour: int = 45,
    withdrawn_on: date | None = None,
) -> CohortTally:
    """Credit hours earned, due and planned, and attendance counts by status.

    `statuses` maps session id → attendance status of this trainee; records
    for sessions not in `sessions` are ignored.
    """
    earned = due = planned = Decimal(0)
    sessions_due = sessions_planned = 0
    counts = dict.fromkeys((*STATUSES, UNRECORDED), 0)
    for s in sessions:
        hours = session_credit_hours(s.credit_hours, s.starts_at, s.ends_at, minutes_per_credit_hour)
        planned += hours
        sessions_planned += 1
        status = statuses.get(s.id)
        if status is None:
            if s.starts_at > now:
                continue  # not held yet
            if withdrawn_on is not None and s.day > withdrawn_on:
                continue  # held after the trainee left the cohort
            counts[UNRECORDED] += 1
        else:
            status = str(status)
            counts[status] = counts.get(status, 0) + 1
            if status in EARNING_STATUSES:
                earned += hours
        due += hours
        sessions_due += 1
    return CohortTally(
        earned=earned,
        due=due,
        planned=planned,
        sessions_due=sessions_due,
        sessions_planned=sessions_planned,
        counts=counts,
    )


def format_hours(value: Decimal | None) -> str:
    """8, 7.5: credit hours without a useless trailing .0."""
    if value is None:
        return ""
    value = Decimal(value).quantize(_TENTH, rounding=ROUND_HALF_UP)
    return str(value.to_integral_value()) if value == value.to_integral_value() else str(value)
