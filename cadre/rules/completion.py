"""Completion (结业): what a trainee's attendance adds up to, and whether the cohort's rule is met.

Pure functions over the values of ``cadre.rules.attendance`` (whose docstring states
how statuses and hours are decided); the certificates use ``summarize``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from cadre.enums import AttendanceStatus, LeaveStatus
from cadre.rules.attendance import (
    _TENTH,
    _ZERO,
    ATTENDED,
    CANCELLED,
    RecordValue,
    SessionOutcome,
    SessionRules,
    _aware,
    _hours,
    is_expected,
    is_held,
    outcome,
)


@dataclass(frozen=True)
class CompletionRule:
    """A cohort's completion rule (结业条件)."""

    min_attendance_percent: int = 80
    require_required_sessions: bool = True
    max_unexcused_absences: int | None = None
    # Leave above this share of the course's credit hours cannot complete (domain: one seventh).
    max_leave_fraction: Fraction | None = Fraction(1, 7)
    late_pro_rata: bool = False


@dataclass(frozen=True)
class Shortfall:
    """One way a trainee falls short of the completion rule (codes in the module docstring)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)


def percent(share: Fraction | None) -> Decimal | None:
    """A share as a percentage with one decimal (87.5); None stays None."""
    if share is None:
        return None
    value = Decimal(share.numerator) * 100 / Decimal(share.denominator)
    return value.quantize(_TENTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CompletionSummary:
    """One trainee's attendance over a cohort's sessions, and whether the completion rule is met."""

    sessions_held: int  # expected of the trainee and ended
    sessions_total: int  # expected of the trainee, held or not (cancelled ones never count)
    hours_held: Decimal  # credit hours of the sessions held
    hours_total: Decimal  # credit hours of the whole programme (of the sessions expected)
    hours_earned: Decimal  # earned in the sessions held
    counts: Mapping[str, int]  # final status → sessions held with it
    attended: int  # present + late + left early, of those held
    unexcused_absences: int
    excused_hours: Decimal  # credit hours of the excused sessions held
    required_missed: tuple[int | None, ...]  # ids of required sessions held and missed
    shortfalls: tuple[Shortfall, ...]
    course_finished: bool  # every expected session has been held

    @property
    def attendance_rate(self) -> Fraction | None:
        """Attended / held; None before anything is held."""
        return Fraction(self.attended, self.sessions_held) if self.sessions_held else None

    @property
    def attendance_percent(self) -> Decimal | None:
        return percent(self.attendance_rate)

    @property
    def rule_met(self) -> bool:
        """The completion rule holds over the sessions held so far."""
        return not self.shortfalls

    @property
    def completed(self) -> bool:
        """The course is over and the rule is met: a certificate may be issued."""
        return self.course_finished and self.rule_met


def summarize_outcomes(
    sessions: Sequence[SessionRules],
    outcomes: Mapping[int | None, SessionOutcome],
    rule: CompletionRule,
    now: datetime,
) -> CompletionSummary:
    """The completion summary from outcomes already computed (by session id; missing = not expected)."""
    _aware(now)
    counts = dict.fromkeys(AttendanceStatus, 0)
    held = total = attended = 0
    hours_held = hours_total = hours_earned = excused_hours = _ZERO
    required_missed: list[int | None] = []
    for session in sessions:
        result = outcomes.get(session.id)
        if result is None or result.status == CANCELLED or session.cancelled:
            continue
        total += 1
        hours_total += _hours(session)
        if not is_held(session, now):
            continue
        held += 1
        hours_held += _hours(session)
        status = AttendanceStatus(result.status)
        counts[status] += 1
        hours_earned += result.hours
        if status in ATTENDED:
            attended += 1
        elif session.is_required:
            required_missed.append(session.id)
        if status == AttendanceStatus.EXCUSED:
            excused_hours += _hours(session)
    unexcused = counts[AttendanceStatus.ABSENT]

    shortfalls: list[Shortfall] = []
    if held and attended * 100 < rule.min_attendance_percent * held:
        shortfalls.append(
            Shortfall(
                "attendance_below_minimum",
                {"percent": percent(Fraction(attended, held)), "minimum": rule.min_attendance_percent},
            )
        )
    if rule.require_required_sessions and required_missed:
        shortfalls.append(Shortfall("required_sessions_missed", {"count": len(required_missed)}))
    if rule.max_unexcused_absences is not None and unexcused > rule.max_unexcused_absences:
        shortfalls.append(
            Shortfall(
                "too_many_unexcused_absences",
                {"count": unexcused, "maximum": rule.max_unexcused_absences},
            )
        )
    if rule.max_leave_fraction is not None and excused_hours > 0:
        limit = Fraction(hours_total) * Fraction(rule.max_leave_fraction)
        if Fraction(excused_hours) > limit:
            shown = (Decimal(limit.numerator) / Decimal(limit.denominator)).quantize(_TENTH)
            shortfalls.append(Shortfall("too_much_leave", {"hours": excused_hours, "limit": shown}))

    return CompletionSummary(
        sessions_held=held,
        sessions_total=total,
        hours_held=hours_held,
        hours_total=hours_total,
        hours_earned=hours_earned,
        counts=counts,
        attended=attended,
        unexcused_absences=unexcused,
        excused_hours=excused_hours,
        required_missed=tuple(required_missed),
        shortfalls=tuple(shortfalls),
        course_finished=total > 0 and held == total,
    )


def summarize(
    sessions: Iterable[SessionRules],
    records: Mapping[int | None, RecordValue],
    leaves: Mapping[int | None, LeaveStatus],
    rule: CompletionRule,
    now: datetime,
    *,
    withdrawn_at: datetime | None = None,
) -> CompletionSummary:
    """One trainee's completion summary; `records` and `leaves` map session id → record / leave status."""
    sessions = list(sessions)
    outcomes: dict[int | None, SessionOutcome] = {}
    for session in sessions:
        record = records.get(session.id)
        if not is_expected(session, withdrawn_at=withdrawn_at, has_record=record is not None):
            continue
        outcomes[session.id] = outcome(
            session, record, leaves.get(session.id), now, late_pro_rata=rule.late_pro_rata
        )
    return summarize_outcomes(sessions, outcomes, rule, now)
