"""Completion (结业): what a trainee's attendance adds up to, whether the cohort's rule is met,
and, during the course, whether it still can be.

Pure functions over the values of ``cadre.rules.attendance`` (whose docstring states
how statuses and hours are decided); the certificates use ``summarize``.

The rule (``CompletionRule``), over the sessions expected of the trainee (cancelled
sessions count for nobody; a withdrawn trainee is not expected after withdrawing):

- **Attendance in credit hours**: the hours earned (late and left early as the
  attendance rules credit them, pro rata where they say so) over the hours of the
  sessions held must reach ``min_attendance_percent``; at the end of the course that
  is the hours of the whole course. Compared as exact fractions (79.96 % is below 80).
  A course of sessions worth 0 学时 has no share and no such shortfall.
- **Required sessions** (``is_required``): each held one must be attended (present,
  late or left early); absent or excused is *missed*.
- **Unexcused absences** (absent, 缺勤) at most ``max_unexcused_absences`` (None: no limit).
- **Leave**: the hours of the excused sessions held may not exceed
  ``max_leave_fraction`` (default 1/7) of the hours of the whole course; exactly
  the limit still completes.

Shortfall codes (params): ``attendance_below_minimum`` (earned, hours, percent,
minimum), ``required_sessions_missed`` (count, titles), ``too_many_unexcused_absences``
(count, maximum), ``too_much_leave`` (hours, limit); and in an outlook only:
``cannot_reach_minimum`` (earned, hours, percent, minimum: the best still reachable),
``leave_planned_over_limit`` (hours, limit: held and approved leave to come),
``required_on_leave`` (count, titles: required sessions to come with approved leave).

Outlook (``Outlook``: 已达到 / 可达到 / 有风险 / 无法结业). The sessions *to come* are
those expected and not yet ended; those with approved leave are taken as missed
(excused), the others as ones the trainee can still attend and earn in full.

- ``met`` 已达到: the course is over and the rule is met (``completed``).
- ``cannot`` 无法结业: the course is over and the rule is not met; or, during it,
  something already past rules it out: a required session missed, too many
  unexcused absences, leave already above the limit, or the hours share stays below
  the minimum even if the trainee attends every session to come.
- ``at_risk`` 有风险: still possible, but missing two more of the sessions to come that
  are not required (without leave) would rule it out — the hours or the unexcused-absence
  limit leave a margin of at most one such session (required sessions must be attended
  by everyone, so they are no sign of risk by themselves); or approved leave to come
  would take the trainee above the leave limit or make them miss a required session.
- ``on_track`` 可达到: still possible with a margin (also: nothing scheduled yet).

``needed`` = the fewest of the ``remaining`` sessions the trainee must attend for
the rule to hold *whichever ones they are*: every required one, enough others to
reach the hours even if they pick the shortest, and all but as many as the
unexcused-absence limit still allows ("还需参加 N 次课程中的至少 M 次").
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
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

DEFAULT_MAX_LEAVE = Fraction(1, 7)


@dataclass(frozen=True)
class CompletionRule:
    """A cohort's completion rule (结业条件)."""

    min_attendance_percent: int = 80
    require_required_sessions: bool = True
    max_unexcused_absences: int | None = None
    # Leave above this share of the course's credit hours cannot complete (domain: one seventh).
    max_leave_fraction: Fraction | None = DEFAULT_MAX_LEAVE
    late_pro_rata: bool = False


@dataclass(frozen=True)
class Shortfall:
    """One way a trainee falls short of the completion rule (codes in the module docstring)."""

    code: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)


class OutlookStatus(enum.StrEnum):
    """已达到 / 可达到 / 有风险 / 无法结业 (definitions in the module docstring)."""

    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    CANNOT = "cannot"


# At-risk first, then those who cannot complete, then on track, then done.
OUTLOOK_ORDER = (OutlookStatus.AT_RISK, OutlookStatus.CANNOT, OutlookStatus.ON_TRACK, OutlookStatus.MET)


@dataclass(frozen=True)
class Outlook:
    """Where a trainee stands for completion, and what it would take (module docstring)."""

    status: OutlookStatus
    remaining: int = 0  # sessions to come the trainee can attend (no approved leave)
    needed: int = 0  # of those, the fewest they must attend (0: none; meaningless when CANNOT)
    required_remaining: int = 0  # required sessions among `remaining`
    reasons: tuple[Shortfall, ...] = ()  # why CANNOT / AT_RISK (or the shortfalls once over)

    @property
    def needs_attention(self) -> bool:
        return self.status in (OutlookStatus.AT_RISK, OutlookStatus.CANNOT)


def percent(share: Fraction | None) -> Decimal | None:
    """A share as a percentage with one decimal (87.5); None stays None."""
    if share is None:
        return None
    value = Decimal(share.numerator) * 100 / Decimal(share.denominator)
    return value.quantize(_TENTH, rounding=ROUND_HALF_UP)


_MAX_SHARE_TEXT = 12
_SHARE_SHAPE = re.compile(r"\d+(\.\d+)?\s*(/\s*\d+|%)?")


def parse_share(text: str | None) -> Fraction | None:
    """A leave limit as typed: "1/7", "15%", "0.15"; blank → None (no limit); ValueError outside [0, 1]."""
    text = (text or "").strip().replace("％", "%").replace("／", "/")
    if not text:
        return None
    # Short plain numbers only: Fraction() would take "1e-10000000" and spend minutes on it.
    if len(text) > _MAX_SHARE_TEXT or not _SHARE_SHAPE.fullmatch(text):
        raise ValueError(text)
    try:
        value = Fraction(text[:-1].strip()) / 100 if text.endswith("%") else Fraction(text)
    except (ValueError, ZeroDivisionError) as err:
        raise ValueError(text) from err
    if not 0 <= value <= 1:
        raise ValueError(text)
    # "0.142857142" is meant as 1/7; a denominator up to 1000 keeps the stored form short.
    return value.limit_denominator(1000)


def format_share(value: Fraction | None) -> str:
    """The stored form of a share: "1/7"; "" for no limit."""
    if value is None:
        return ""
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def _decimal(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(_TENTH, rounding=ROUND_HALF_UP)


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
    outlook: Outlook = Outlook(OutlookStatus.ON_TRACK)

    @property
    def attendance_rate(self) -> Fraction | None:
        """Attended / held sessions; None before anything is held."""
        return Fraction(self.attended, self.sessions_held) if self.sessions_held else None

    @property
    def attendance_percent(self) -> Decimal | None:
        return percent(self.attendance_rate)

    @property
    def hours_share(self) -> Fraction | None:
        """Credit hours earned / credit hours held (what the rule compares); None before any are held."""
        return Fraction(self.hours_earned) / Fraction(self.hours_held) if self.hours_held else None

    @property
    def hours_percent(self) -> Decimal | None:
        return percent(self.hours_share)

    @property
    def rule_met(self) -> bool:
        """The completion rule holds over the sessions held so far."""
        return not self.shortfalls

    @property
    def completed(self) -> bool:
        """The course is over and the rule is met: a certificate may be issued."""
        return self.course_finished and self.rule_met


def _below(earned: Fraction, hours: Fraction, minimum: int) -> bool:
    return hours > 0 and earned * 100 < minimum * hours


def _hours_params(earned, hours, minimum: int) -> dict[str, Any]:
    return {
        "earned": _decimal(Fraction(earned)),
        "hours": _decimal(Fraction(hours)),
        "percent": percent(Fraction(earned) / Fraction(hours)),
        "minimum": minimum,
    }


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
    required_missed: list[SessionRules] = []
    to_come: list[tuple[SessionRules, SessionOutcome]] = []
    for session in sessions:
        result = outcomes.get(session.id)
        if result is None or result.status == CANCELLED or session.cancelled:
            continue
        total += 1
        hours_total += _hours(session)
        if not is_held(session, now):
            to_come.append((session, result))
            continue
        held += 1
        hours_held += _hours(session)
        status = AttendanceStatus(result.status)
        counts[status] += 1
        hours_earned += result.hours
        if status in ATTENDED:
            attended += 1
        elif session.is_required:
            required_missed.append(session)
        if status == AttendanceStatus.EXCUSED:
            excused_hours += _hours(session)
    unexcused = counts[AttendanceStatus.ABSENT]

    shortfalls: list[Shortfall] = []
    if _below(Fraction(hours_earned), Fraction(hours_held), rule.min_attendance_percent):
        params = _hours_params(hours_earned, hours_held, rule.min_attendance_percent)
        shortfalls.append(Shortfall("attendance_below_minimum", params))
    if rule.require_required_sessions and required_missed:
        shortfalls.append(Shortfall("required_sessions_missed", _titled(required_missed)))
    if rule.max_unexcused_absences is not None and unexcused > rule.max_unexcused_absences:
        shortfalls.append(
            Shortfall(
                "too_many_unexcused_absences",
                {"count": unexcused, "maximum": rule.max_unexcused_absences},
            )
        )
    leave_limit = _leave_limit(rule, hours_total)
    if leave_limit is not None and Fraction(excused_hours) > leave_limit:
        params = {"hours": excused_hours, "limit": _decimal(leave_limit)}
        shortfalls.append(Shortfall("too_much_leave", params))

    finished = total > 0 and held == total
    summary = CompletionSummary(
        sessions_held=held,
        sessions_total=total,
        hours_held=hours_held,
        hours_total=hours_total,
        hours_earned=hours_earned,
        counts=counts,
        attended=attended,
        unexcused_absences=unexcused,
        excused_hours=excused_hours,
        required_missed=tuple(s.id for s in required_missed),
        shortfalls=tuple(shortfalls),
        course_finished=finished,
    )
    return replace(summary, outlook=_outlook(summary, to_come, rule, leave_limit))


def _titled(sessions: Sequence[SessionRules]) -> dict[str, Any]:
    return {"count": len(sessions), "titles": tuple(s.title for s in sessions if s.title)}


def _leave_limit(rule: CompletionRule, hours_total: Decimal) -> Fraction | None:
    if rule.max_leave_fraction is None:
        return None
    return Fraction(hours_total) * Fraction(rule.max_leave_fraction)


def _outlook(
    summary: CompletionSummary,
    to_come: Sequence[tuple[SessionRules, SessionOutcome]],
    rule: CompletionRule,
    leave_limit: Fraction | None,
) -> Outlook:
    if summary.course_finished:
        status = OutlookStatus.MET if summary.rule_met else OutlookStatus.CANNOT
        return Outlook(status, reasons=summary.shortfalls)
    on_leave = [s for s, o in to_come if o.status == AttendanceStatus.EXCUSED]
    open_ = [s for s, o in to_come if o.status != AttendanceStatus.EXCUSED]
    required = [s for s in open_ if s.is_required] if rule.require_required_sessions else []
    others = sorted(_hours(s) for s in open_ if not (rule.require_required_sessions and s.is_required))
    earned, total = Fraction(summary.hours_earned), Fraction(summary.hours_total)

    cannot: list[Shortfall] = []
    best = earned + sum((Fraction(_hours(s)) for s in open_), Fraction(0))
    if _below(best, total, rule.min_attendance_percent):
        params = _hours_params(best, total, rule.min_attendance_percent)
        cannot.append(Shortfall("cannot_reach_minimum", params))
    cannot += [s for s in summary.shortfalls if s.code != "attendance_below_minimum"]
    if cannot:
        return Outlook(OutlookStatus.CANNOT, len(open_), len(open_), len(required), tuple(cannot))

    # The fewest sessions to attend, whichever they are: all required ones, then the shortest others.
    still = Fraction(rule.min_attendance_percent, 100) * total - earned
    still -= sum((Fraction(_hours(s)) for s in required), Fraction(0))
    needed = len(required)
    for hours in others:
        if still <= 0:
            break
        still -= Fraction(hours)
        needed += 1
    if rule.max_unexcused_absences is not None:
        may_miss = rule.max_unexcused_absences - summary.unexcused_absences
        needed = max(needed, len(open_) - may_miss)

    risks: list[Shortfall] = []
    planned_leave = summary.excused_hours + sum((_hours(s) for s in on_leave), _ZERO)
    if leave_limit is not None and Fraction(planned_leave) > leave_limit:
        params = {"hours": planned_leave, "limit": _decimal(leave_limit)}
        risks.append(Shortfall("leave_planned_over_limit", params))
    required_off = [s for s in on_leave if s.is_required]
    if rule.require_required_sessions and required_off:
        risks.append(Shortfall("required_on_leave", _titled(required_off)))
    status = OutlookStatus.ON_TRACK
    # The margin: how many of the sessions one may skip at all (not required ones) can still be skipped.
    optional_needed = needed - len(required)
    if risks or (optional_needed > 0 and optional_needed >= len(open_) - len(required) - 1):
        status = OutlookStatus.AT_RISK
    return Outlook(status, len(open_), needed, len(required), tuple(risks))


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
