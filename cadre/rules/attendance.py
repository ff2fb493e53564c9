"""Attendance rules: the sign-in window, present or late, sign-out, final status, credit hours, completion.

Pure functions over frozen dataclasses; no Flask, no database. Datetimes are
timezone-aware and compared as instants; naive ones are refused
(``ValueError``, a programming error). Refusals are ``AttendanceRuleError``
with a **code** and **params**; ``cadre.attendance_messages`` turns them into
sentences.

The decisions, in one place (an organizer can always overrule them by roll call):

Sign-in
    Opens ``sign_in_opens_minutes`` (N) before the start and closes at the end:
    open on ``[starts_at - N, ends_at)``; exactly at the end it is closed.
    A sign-in counts as **present** up to and including minute M after the
    start (``late_after_minutes``) and **late** from minute M+1: times are
    taken to the whole minute, as the phone and the projector show them, so
    with a 09:00 start and M = 10 a sign-in at 09:10:59 is on time (the page
    says 09:10) and 09:11:00 is late. Refusal codes: ``session_cancelled``,
    ``sign_in_not_open`` (``opens_at``), ``sign_in_closed`` (``closed_at``).

Sign-out (only when the session asks for it)
    Accepted from the start of the session until ``SIGN_OUT_GRACE`` (30 min)
    after its end, only after a sign-in, once. From ``SIGN_OUT_OPENS_BEFORE_END``
    (15 min) before the end it is on time and keeps present/late; earlier it
    makes the status **left early** (早退), so a lecture that ends ten minutes
    early costs nobody anything. Refusal codes: ``session_cancelled``,
    ``sign_out_not_required``, ``not_signed_in``, ``sign_out_not_open``
    (``opens_at`` = the start), ``sign_out_closed`` (``closed_at``),
    ``already_signed_out`` (``signed_out_at``).
    **No sign-out when one is required** counts as left early once the sign-out
    window has closed (未签退视为早退, the usual rule of training schools), and
    earns nothing, as nobody knows when the trainee left; a roll call or a
    correction by the organizer puts it right. This applies to QR sign-ins only:
    a status an organizer set (roll call, manual entry, paper sheet) stands as set.

Final status (``final_status``)
    A cancelled session counts for nobody (``CANCELLED``, never expected).
    With a record: its status, except that an approved leave turns a recorded
    *absent* into *excused* (leave approved after the roll call); a trainee who
    was there (present, late, left early) stays so even if leave is approved
    later. Without a record: approved leave → excused (also before the
    session), else absent once the session has ended, else ``PENDING``.

Credit hours (``earned_hours``)
    Present earns the session's hours; late too, unless ``late_pro_rata``
    (a cohort setting) asks for hours pro rata from the sign-in to the end.
    Left early earns pro rata by the minutes attended, from the later of the
    start and the sign-in to the earlier of the end and the sign-out, rounded
    **down** to half hours (nobody is credited for time not sat); without a
    sign-out time it earns none. Excused, absent, pending and cancelled earn none.

Completion (``cadre.rules.completion``: its docstring is the reference)
    Over the sessions expected of the trainee: the minimum share counts **credit
    hours** earned (as decided above) against the hours of the sessions held; the
    attendance *rate* the statistics show stays (present + late + left early) /
    sessions held, excused ones in the denominator. A required session is *missed*
    when absent or excused (left early attended part of it). Leave above
    ``max_leave_fraction`` (default 1/7) of the course's hours cannot complete.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from cadre.enums import AttendanceStatus, LeaveStatus, SignInMethod

SIGN_OUT_OPENS_BEFORE_END = timedelta(minutes=15)
SIGN_OUT_GRACE = timedelta(minutes=30)
DEFAULT_OPENS_MINUTES = 30
DEFAULT_LATE_AFTER_MINUTES = 10
MAX_SETTING_MINUTES = 1440

# Outcomes that are not attendance statuses (never stored; shown in lists and the matrix).
PENDING = "pending"  # not decided yet: the session has not ended and there is no record
CANCELLED = "cancelled"  # the session was cancelled: counts for nobody

ATTENDED = frozenset({AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY})
ORGANIZER_METHODS = frozenset({SignInMethod.ROLL_CALL, SignInMethod.MANUAL, SignInMethod.PAPER})

_TENTH = Decimal("0.1")
_ZERO = Decimal("0.0")

__all__ = [
    "ATTENDED",
    "CANCELLED",
    "PENDING",
    "SIGN_OUT_GRACE",
    "SIGN_OUT_OPENS_BEFORE_END",
    "AttendanceRuleError",
    "Phase",
    "RecordValue",
    "SessionOutcome",
    "SessionRules",
    "SignOutResult",
    "check_sign_in",
    "check_sign_out",
    "earned_hours",
    "final_status",
    "is_expected",
    "is_held",
    "late_from",
    "outcome",
    "pro_rata_hours",
    "sign_in_closes_at",
    "sign_in_opens_at",
    "sign_in_phase",
    "sign_in_status",
    "sign_out_closes_at",
    "sign_out_on_time_from",
]


class AttendanceRuleError(ValueError):
    """A sign-in or sign-out the rules refuse. `code` names the rule, `params` fill the message."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


class Phase(enum.StrEnum):
    """Where a session stands for sign-in at a given moment."""

    NOT_OPEN_YET = "not_open_yet"
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


# --------------------------------------------------------------------------- values


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError("naive datetime: attendance rules take timezone-aware datetimes")
    return value


@dataclass(frozen=True)
class SessionRules:
    """One session as the attendance rules see it (the sign-in settings of TrainingSession)."""

    id: int | None
    starts_at: datetime
    ends_at: datetime
    credit_hours: Decimal = _ZERO
    sign_in_opens_minutes: int = DEFAULT_OPENS_MINUTES
    late_after_minutes: int = DEFAULT_LATE_AFTER_MINUTES
    sign_out_required: bool = False
    cancelled: bool = False
    is_required: bool = True
    title: str = ""  # for reasons in words (缺席必修课《…》)

    def __post_init__(self):
        _aware(self.starts_at)
        _aware(self.ends_at)
        if self.ends_at <= self.starts_at:
            raise ValueError("a session must end after it starts")
        for name in ("sign_in_opens_minutes", "late_after_minutes"):
            minutes = getattr(self, name)
            if not isinstance(minutes, int) or not 0 <= minutes <= MAX_SETTING_MINUTES:
                raise ValueError(f"{name} must be an integer between 0 and {MAX_SETTING_MINUTES}")
        if Decimal(self.credit_hours) < 0:
            raise ValueError("credit hours cannot be negative")

    @property
    def length(self) -> timedelta:
        return self.ends_at - self.starts_at


@dataclass(frozen=True)
class RecordValue:
    """A trainee's attendance record for one session (AttendanceRecord as plain values)."""

    status: AttendanceStatus
    signed_in_at: datetime | None = None
    signed_out_at: datetime | None = None
    method: SignInMethod = SignInMethod.QR
    corrected: bool = False  # an approved correction (补签): lists show 补

    def __post_init__(self):
        _aware(self.signed_in_at)
        _aware(self.signed_out_at)


@dataclass(frozen=True)
class SignOutResult:
    """What a sign-out does to the record: the time, and the status it leaves."""

    signed_out_at: datetime
    status: AttendanceStatus

    @property
    def left_early(self) -> bool:
        return self.status == AttendanceStatus.LEFT_EARLY


# --------------------------------------------------------------------------- the window


def sign_in_opens_at(session: SessionRules) -> datetime:
    return session.starts_at - timedelta(minutes=session.sign_in_opens_minutes)


def sign_in_closes_at(session: SessionRules) -> datetime:
    """The first instant sign-in is closed: the end of the session."""
    return session.ends_at


def late_from(session: SessionRules) -> datetime:
    """The first instant a sign-in counts as late: the start of minute M+1 after the start."""
    return _minute(session.starts_at) + timedelta(minutes=session.late_after_minutes + 1)


def sign_out_on_time_from(session: SessionRules) -> datetime:
    """From this instant a sign-out is on time (15 min before the end, never before the start)."""
    return max(session.starts_at, session.ends_at - SIGN_OUT_OPENS_BEFORE_END)


def sign_out_closes_at(session: SessionRules) -> datetime:
    """The first instant sign-out is refused (30 min after the end)."""
    return session.ends_at + SIGN_OUT_GRACE


def _minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


def sign_in_phase(session: SessionRules, now: datetime) -> Phase:
    """not_open_yet / open / closed / cancelled at `now`."""
    _aware(now)
    if session.cancelled:
        return Phase.CANCELLED
    if now < sign_in_opens_at(session):
        return Phase.NOT_OPEN_YET
    if now < sign_in_closes_at(session):
        return Phase.OPEN
    return Phase.CLOSED


def sign_in_status(session: SessionRules, at: datetime) -> AttendanceStatus:
    """Present or late for a sign-in at `at` (the window is not checked here)."""
    _aware(at)
    return AttendanceStatus.LATE if at >= late_from(session) else AttendanceStatus.PRESENT


def check_sign_in(session: SessionRules, at: datetime) -> AttendanceStatus:
    """The status of a sign-in at `at`, or AttendanceRuleError when the window refuses it."""
    phase = sign_in_phase(session, at)
    if phase == Phase.CANCELLED:
        raise AttendanceRuleError("session_cancelled")
    if phase == Phase.NOT_OPEN_YET:
        raise AttendanceRuleError("sign_in_not_open", opens_at=sign_in_opens_at(session))
    if phase == Phase.CLOSED:
        raise AttendanceRuleError("sign_in_closed", closed_at=sign_in_closes_at(session))
    return sign_in_status(session, at)


def check_sign_out(session: SessionRules, record: RecordValue | None, at: datetime) -> SignOutResult:
    """The time and status a sign-out at `at` leaves, or AttendanceRuleError."""
    _aware(at)
    if session.cancelled:
        raise AttendanceRuleError("session_cancelled")
    if not session.sign_out_required:
        raise AttendanceRuleError("sign_out_not_required")
    if record is None or record.signed_in_at is None or record.status not in ATTENDED:
        raise AttendanceRuleError("not_signed_in")
    if record.signed_out_at is not None:
        raise AttendanceRuleError("already_signed_out", signed_out_at=record.signed_out_at)
    if at < session.starts_at:
        raise AttendanceRuleError("sign_out_not_open", opens_at=session.starts_at)
    if at >= sign_out_closes_at(session):
        raise AttendanceRuleError("sign_out_closed", closed_at=sign_out_closes_at(session))
    if at < sign_out_on_time_from(session):
        return SignOutResult(at, AttendanceStatus.LEFT_EARLY)
    return SignOutResult(at, AttendanceStatus(record.status))


# --------------------------------------------------------------------------- final status and hours


def final_status(
    session: SessionRules,
    record: RecordValue | None,
    leave: LeaveStatus | None,
    now: datetime,
) -> str:
    """An AttendanceStatus, or PENDING / CANCELLED (see the module docstring)."""
    _aware(now)
    if session.cancelled:
        return CANCELLED
    approved = leave == LeaveStatus.APPROVED
    if record is not None:
        status = AttendanceStatus(record.status)
        if status == AttendanceStatus.ABSENT and approved:
            return AttendanceStatus.EXCUSED
        if (
            status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
            and session.sign_out_required
            and record.signed_out_at is None
            and record.method not in ORGANIZER_METHODS
            and now >= sign_out_closes_at(session)
        ):
            return AttendanceStatus.LEFT_EARLY
        return status
    if approved:
        return AttendanceStatus.EXCUSED
    if now >= session.ends_at:
        return AttendanceStatus.ABSENT
    return PENDING


def is_held(session: SessionRules, now: datetime) -> bool:
    """Held so far: not cancelled and ended."""
    return not session.cancelled and now >= session.ends_at


def is_expected(session: SessionRules, *, withdrawn_at: datetime | None = None, has_record=False) -> bool:
    """Whether a trainee is expected at the session: never when cancelled; not after withdrawing.

    A session that starts at or after the trainee's withdrawal is not expected
    of them, unless they have a record for it anyway.
    """
    if session.cancelled:
        return False
    if has_record or withdrawn_at is None:
        return True
    return session.starts_at < withdrawn_at


def pro_rata_hours(hours: Decimal, attended: timedelta, length: timedelta) -> Decimal:
    """hours × attended / length, rounded down to half hours, one decimal place (1.5, 0.0)."""
    if length <= timedelta(0) or attended <= timedelta(0):
        return _ZERO
    micro = timedelta(microseconds=1)
    share = min(Fraction(attended // micro, length // micro), 1)
    halves = math.floor(Fraction(Decimal(hours)) * 2 * share)
    return (Decimal(halves) / 2).quantize(_TENTH)


def _hours(session: SessionRules) -> Decimal:
    return Decimal(session.credit_hours).quantize(_TENTH, rounding=ROUND_HALF_UP)


def earned_hours(
    session: SessionRules,
    status: str,
    record: RecordValue | None = None,
    *,
    late_pro_rata: bool = False,
) -> Decimal:
    """Credit hours a final `status` earns (see the module docstring); Decimal with one decimal."""
    hours = _hours(session)
    if status == AttendanceStatus.PRESENT:
        return hours
    if status == AttendanceStatus.LATE:
        if not late_pro_rata:
            return hours
        if record is None or record.signed_in_at is None:
            return hours  # a late set by hand without a time: nobody knows how late
        began = max(session.starts_at, record.signed_in_at)
        return pro_rata_hours(hours, session.ends_at - began, session.length)
    if status == AttendanceStatus.LEFT_EARLY:
        if record is None or record.signed_out_at is None:
            return _ZERO
        began = session.starts_at
        if record.signed_in_at is not None:
            began = max(began, record.signed_in_at)
        left = min(session.ends_at, record.signed_out_at)
        return pro_rata_hours(hours, left - began, session.length)
    return _ZERO


@dataclass(frozen=True)
class SessionOutcome:
    """One trainee at one session: the final status, the hours it earns, and the 补 mark."""

    session_id: int | None
    status: str
    hours: Decimal
    corrected: bool = False

    @property
    def attended(self) -> bool:
        return self.status in ATTENDED


def outcome(
    session: SessionRules,
    record: RecordValue | None,
    leave: LeaveStatus | None,
    now: datetime,
    *,
    late_pro_rata: bool = False,
) -> SessionOutcome:
    """final_status and earned_hours together."""
    status = final_status(session, record, leave, now)
    hours = earned_hours(session, status, record, late_pro_rata=late_pro_rata)
    corrected = bool(record is not None and record.corrected and status in ATTENDED)
    return SessionOutcome(session.id, status, hours, corrected)
