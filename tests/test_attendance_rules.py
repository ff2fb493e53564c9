"""Attendance rules over plain values: the sign-in window, late, sign-out, final status, hours, completion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from cadre.enums import LeaveStatus, SignInMethod
from cadre.rules.attendance import (
    CANCELLED,
    PENDING,
    AttendanceRuleError,
    Phase,
    RecordValue,
    SessionRules,
    check_sign_in,
    check_sign_out,
    earned_hours,
    final_status,
    is_expected,
    outcome,
    pro_rata_hours,
    sign_in_phase,
    sign_in_status,
)
from cadre.rules.completion import CompletionRule, percent, summarize
from tests.attendance_support import A, E, L, P, X, at


def session(start="2025-05-09 09:00", end="2025-05-09 12:00", **kwargs) -> SessionRules:
    """A 3-hour morning lecture worth 3 学时; sign-in opens 30 min before, late after 10 min."""
    kwargs.setdefault("credit_hours", Decimal("3.0"))
    return SessionRules(kwargs.pop("id", 1), at(start), at(end), **kwargs)


def record(status=P, signed_in=None, signed_out=None, **kwargs) -> RecordValue:
    return RecordValue(
        status,
        at(signed_in) if signed_in else None,
        at(signed_out) if signed_out else None,
        **kwargs,
    )


# --------------------------------------------------------------------------- window


@pytest.mark.parametrize(
    ("moment", "phase"),
    [
        ("2025-05-09 08:29:59", Phase.NOT_OPEN_YET),
        ("2025-05-09 08:30:00", Phase.OPEN),  # exactly N minutes before the start
        ("2025-05-09 09:00:00", Phase.OPEN),
        ("2025-05-09 11:59:59", Phase.OPEN),
        ("2025-05-09 12:00:00", Phase.CLOSED),  # exactly at the end
        ("2025-05-10 09:00:00", Phase.CLOSED),
    ],
)
def test_sign_in_opens_n_minutes_before_and_closes_at_the_end(moment, phase):
    assert sign_in_phase(session(), at(moment)) == phase


def test_a_cancelled_session_is_cancelled_at_every_moment():
    cancelled = session(cancelled=True)
    for moment in ("2025-05-09 08:00", "2025-05-09 09:05", "2025-05-09 13:00"):
        assert sign_in_phase(cancelled, at(moment)) == Phase.CANCELLED
    with pytest.raises(AttendanceRuleError) as refused:
        check_sign_in(cancelled, at("2025-05-09 09:05"))
    assert refused.value.code == "session_cancelled"


def test_opening_zero_minutes_before_means_from_the_start():
    s = session(sign_in_opens_minutes=0)
    assert sign_in_phase(s, at("2025-05-09 08:59:59")) == Phase.NOT_OPEN_YET
    assert sign_in_phase(s, at("2025-05-09 09:00")) == Phase.OPEN


@pytest.mark.parametrize(
    ("moment", "status"),
    [
        ("2025-05-09 08:30:00", P),
        ("2025-05-09 09:00:00", P),
        ("2025-05-09 09:09:59", P),
        ("2025-05-09 09:10:00", P),  # exactly M minutes: on time
        ("2025-05-09 09:10:59", P),  # still minute 09:10, as the phone shows it
        ("2025-05-09 09:11:00", L),
        ("2025-05-09 11:59:59", L),
    ],
)
def test_sign_in_is_late_from_minute_m_plus_one(moment, status):
    assert check_sign_in(session(), at(moment)) == status


def test_late_after_zero_minutes_is_late_from_the_first_minute_after_the_start():
    s = session(late_after_minutes=0)
    assert sign_in_status(s, at("2025-05-09 09:00:59")) == P
    assert sign_in_status(s, at("2025-05-09 09:01:00")) == L


def test_refused_sign_ins_carry_the_times_the_message_shows():
    with pytest.raises(AttendanceRuleError) as early:
        check_sign_in(session(), at("2025-05-09 08:00"))
    assert early.value.code == "sign_in_not_open"
    assert early.value.params == {"opens_at": at("2025-05-09 08:30")}
    with pytest.raises(AttendanceRuleError) as late:
        check_sign_in(session(), at("2025-05-09 12:00"))
    assert late.value.code == "sign_in_closed"
    assert late.value.params == {"closed_at": at("2025-05-09 12:00")}


def test_an_evening_session_across_midnight_stays_open_after_midnight():
    evening = session("2025-05-09 23:30", "2025-05-10 00:30")
    assert sign_in_phase(evening, at("2025-05-09 22:59:59")) == Phase.NOT_OPEN_YET
    assert check_sign_in(evening, at("2025-05-09 23:40")) == P
    assert check_sign_in(evening, at("2025-05-10 00:05")) == L
    assert sign_in_phase(evening, at("2025-05-10 00:30")) == Phase.CLOSED


def test_times_in_utc_and_in_shanghai_are_the_same_instants():
    utc_session = SessionRules(
        1, at("2025-05-09 09:00").astimezone(UTC), at("2025-05-09 12:00").astimezone(UTC)
    )
    assert check_sign_in(utc_session, at("2025-05-09 09:10:30")) == P
    assert check_sign_in(utc_session, datetime(2025, 5, 9, 1, 11, tzinfo=UTC)) == L


def test_naive_datetimes_and_impossible_settings_are_refused():
    with pytest.raises(ValueError):
        SessionRules(1, datetime(2025, 5, 9, 9), at("2025-05-09 12:00"))
    with pytest.raises(ValueError):
        sign_in_phase(session(), datetime(2025, 5, 9, 9))
    with pytest.raises(ValueError):
        session(end="2025-05-09 09:00")
    with pytest.raises(ValueError):
        session(late_after_minutes=-1)
    with pytest.raises(ValueError):
        session(sign_in_opens_minutes=1441)


# --------------------------------------------------------------------------- sign-out


def required_out(**kwargs):
    return session(sign_out_required=True, **kwargs)


@pytest.mark.parametrize(
    ("signed_in_as", "moment", "status"),
    [
        (P, "2025-05-09 09:00:00", E),  # signing out at the start is leaving early
        (P, "2025-05-09 11:44:59", E),
        (P, "2025-05-09 11:45:00", P),  # 15 minutes before the end: on time
        (L, "2025-05-09 11:50:00", L),  # a late arrival stays late
        (L, "2025-05-09 10:00:00", E),
        (P, "2025-05-09 12:29:59", P),  # up to 30 minutes after the end
    ],
)
def test_sign_out_before_the_last_quarter_hour_is_leaving_early(signed_in_as, moment, status):
    result = check_sign_out(required_out(), record(signed_in_as, "2025-05-09 08:55"), at(moment))
    assert result.status == status
    assert result.signed_out_at == at(moment)
    assert result.left_early == (status == E)


@pytest.mark.parametrize(
    ("s", "rec", "moment", "code"),
    [
        (session(), record(P, "2025-05-09 08:55"), "2025-05-09 11:50", "sign_out_not_required"),
        (
            required_out(cancelled=True),
            record(P, "2025-05-09 08:55"),
            "2025-05-09 11:50",
            "session_cancelled",
        ),
        (required_out(), None, "2025-05-09 11:50", "not_signed_in"),
        (required_out(), record(A), "2025-05-09 11:50", "not_signed_in"),
        (required_out(), record(X), "2025-05-09 11:50", "not_signed_in"),
        (required_out(), record(P, "2025-05-09 08:40"), "2025-05-09 08:59:59", "sign_out_not_open"),
        (required_out(), record(P, "2025-05-09 08:55"), "2025-05-09 12:30", "sign_out_closed"),
        (
            required_out(),
            record(P, "2025-05-09 08:55", "2025-05-09 11:50"),
            "2025-05-09 11:55",
            "already_signed_out",
        ),
    ],
)
def test_sign_out_refusals(s, rec, moment, code):
    with pytest.raises(AttendanceRuleError) as refused:
        check_sign_out(s, rec, at(moment))
    assert refused.value.code == code


def test_a_second_sign_out_names_the_first_time():
    first = record(P, "2025-05-09 08:55", "2025-05-09 11:50")
    with pytest.raises(AttendanceRuleError) as refused:
        check_sign_out(required_out(), first, at("2025-05-09 11:58"))
    assert refused.value.params == {"signed_out_at": at("2025-05-09 11:50")}


def test_a_session_shorter_than_a_quarter_hour_can_be_signed_out_on_time_from_its_start():
    short = required_out(end="2025-05-09 09:10")
    assert check_sign_out(short, record(P, "2025-05-09 08:55"), at("2025-05-09 09:00")).status == P


# --------------------------------------------------------------------------- final status


ENDED = at("2025-05-09 12:00")
DURING = at("2025-05-09 10:00")
BEFORE = at("2025-05-08 18:00")


@pytest.mark.parametrize(
    ("rec", "leave", "now", "expected"),
    [
        (None, None, BEFORE, PENDING),
        (None, None, DURING, PENDING),
        (None, None, at("2025-05-09 11:59:59"), PENDING),
        (None, None, ENDED, A),  # ended with no record and no leave: absent
        (None, LeaveStatus.APPROVED, BEFORE, X),  # approved leave counts before the session too
        (None, LeaveStatus.APPROVED, ENDED, X),
        (None, LeaveStatus.PENDING, ENDED, A),  # a leave nobody decided does not excuse
        (None, LeaveStatus.REJECTED, ENDED, A),
        (None, LeaveStatus.WITHDRAWN, ENDED, A),
        (record(P, "2025-05-09 08:55"), None, DURING, P),
        (record(L, "2025-05-09 09:20"), None, ENDED, L),
        (record(A, method=SignInMethod.ROLL_CALL), LeaveStatus.APPROVED, ENDED, X),  # leave after roll call
        (record(P, "2025-05-09 08:55"), LeaveStatus.APPROVED, ENDED, P),  # was there after all
        (record(E, "2025-05-09 08:55", "2025-05-09 10:00"), LeaveStatus.APPROVED, ENDED, E),
        (record(X, method=SignInMethod.ROLL_CALL), None, ENDED, X),
    ],
)
def test_final_status(rec, leave, now, expected):
    assert final_status(session(), rec, leave, now) == expected


def test_a_cancelled_session_counts_for_nobody_whatever_was_recorded():
    cancelled = session(cancelled=True)
    assert final_status(cancelled, record(P, "2025-05-09 08:55"), None, ENDED) == CANCELLED
    assert final_status(cancelled, None, None, ENDED) == CANCELLED
    assert final_status(cancelled, None, LeaveStatus.APPROVED, ENDED) == CANCELLED
    assert not is_expected(cancelled)
    assert earned_hours(cancelled, CANCELLED) == Decimal("0.0")


def test_a_missing_required_sign_out_counts_as_left_early_once_sign_out_has_closed():
    s = required_out()
    signed_in = record(P, "2025-05-09 08:55")
    assert final_status(s, signed_in, None, at("2025-05-09 12:29:59")) == P
    assert final_status(s, signed_in, None, at("2025-05-09 12:30")) == E
    assert final_status(s, record(L, "2025-05-09 09:20"), None, at("2025-05-09 13:00")) == E
    assert earned_hours(s, E, signed_in) == Decimal("0.0")
    # Signed out on time, or not required: no change.
    assert final_status(s, record(P, "2025-05-09 08:55", "2025-05-09 11:50"), None, ENDED + timedelta(1)) == P
    assert final_status(session(), signed_in, None, ENDED + timedelta(1)) == P


@pytest.mark.parametrize("method", [SignInMethod.ROLL_CALL, SignInMethod.MANUAL, SignInMethod.PAPER])
def test_a_status_the_organizer_set_stands_without_a_sign_out(method):
    marked = record(P, "2025-05-09 09:00", method=method)
    assert final_status(required_out(), marked, None, at("2025-05-10 09:00")) == P


# --------------------------------------------------------------------------- credit hours


@pytest.mark.parametrize(
    ("status", "rec", "hours"),
    [
        (P, record(P, "2025-05-09 08:55"), "3.0"),
        (L, record(L, "2025-05-09 09:40"), "3.0"),
        (X, None, "0.0"),
        (A, None, "0.0"),
        (PENDING, None, "0.0"),
        # Left early: minutes attended / 180 × 3, rounded down to half hours.
        (E, record(E, "2025-05-09 08:50", "2025-05-09 10:30"), "1.5"),  # 90 min: exactly 1.5
        (E, record(E, "2025-05-09 08:50", "2025-05-09 10:29"), "1.0"),  # 89 min: 1.48 → 1.0
        (E, record(E, "2025-05-09 08:50", "2025-05-09 11:59"), "2.5"),  # 179 min: 2.98 → 2.5
        (E, record(E, "2025-05-09 09:30", "2025-05-09 11:30"), "2.0"),  # late and early: 120 min
        (E, record(E, "2025-05-09 08:50", "2025-05-09 09:05"), "0.0"),
        (E, record(E, None, "2025-05-09 10:30"), "1.5"),  # marked by hand: from the start
        (E, record(E, "2025-05-09 08:50"), "0.0"),  # no sign-out time: nobody knows
        (E, record(E, "2025-05-09 08:50", "2025-05-09 12:10"), "3.0"),  # never more than the session
    ],
)
def test_credit_hours_earned_per_status(status, rec, hours):
    earned = earned_hours(session(), status, rec)
    assert earned == Decimal(hours)
    assert str(earned) == hours


@pytest.mark.parametrize(
    ("signed_in", "hours"),
    [
        ("2025-05-09 09:11", "2.5"),  # 169 of 180 min: 2.82 → 2.5
        ("2025-05-09 09:30", "2.5"),  # 150 min: exactly 2.5
        ("2025-05-09 09:40", "2.0"),  # 140 min: 2.33 → 2.0
        ("2025-05-09 11:50", "0.0"),
    ],
)
def test_late_earns_pro_rata_when_the_cohort_says_so(signed_in, hours):
    late = record(L, signed_in)
    assert earned_hours(session(), L, late, late_pro_rata=True) == Decimal(hours)
    assert earned_hours(session(), L, late, late_pro_rata=False) == Decimal("3.0")


def test_pro_rata_hours_are_exact_on_fractions_and_never_negative():
    # 4 学时 × 45/180 = exactly 1.0; a float would be fine here but 3 × 100/300 not always.
    assert pro_rata_hours(Decimal("4"), timedelta(minutes=45), timedelta(minutes=180)) == Decimal("1.0")
    assert pro_rata_hours(Decimal("3"), timedelta(minutes=100), timedelta(minutes=300)) == Decimal("1.0")
    assert pro_rata_hours(Decimal("3"), timedelta(minutes=-5), timedelta(minutes=180)) == Decimal("0.0")
    assert pro_rata_hours(Decimal("2.5"), timedelta(hours=5), timedelta(hours=2)) == Decimal("2.5")


def test_outcome_marks_an_approved_correction_only_when_it_counts():
    corrected = record(P, "2025-05-09 09:00", method=SignInMethod.MANUAL, corrected=True)
    result = outcome(session(), corrected, None, ENDED)
    assert (result.status, result.hours, result.corrected, result.attended) == (P, Decimal("3.0"), True, True)
    assert not outcome(session(cancelled=True), corrected, None, ENDED).corrected


# --------------------------------------------------------------------------- completion


def course(n=10, *, hours="2.0", required=(), cancelled=()):
    """n morning sessions on consecutive days from 2025-05-09, 09:00–11:00."""
    first = at("2025-05-09 09:00")
    return [
        SessionRules(
            i,
            first + timedelta(days=i - 1),
            first + timedelta(days=i - 1, hours=2),
            credit_hours=Decimal(hours),
            is_required=i in required,
            cancelled=i in cancelled,
        )
        for i in range(1, n + 1)
    ]


def day(i, clock="08:55"):
    return (at("2025-05-09 " + clock) + timedelta(days=i - 1)).strftime("%Y-%m-%d %H:%M")


AFTER_ALL = at("2025-06-30 00:00")


def test_summary_counts_held_sessions_hours_and_rate_with_excused_in_the_denominator():
    sessions = course(10, required=(1, 5))
    records = {i: record(P, day(i)) for i in range(1, 7)}
    records[7] = record(L, day(7, "09:20"))
    records[8] = record(E, day(8), day(8, "10:00"))  # one hour of two: 1.0
    leaves = {9: LeaveStatus.APPROVED, 10: LeaveStatus.REJECTED}
    summary = summarize(sessions, records, leaves, CompletionRule(), AFTER_ALL)
    assert (summary.sessions_held, summary.sessions_total) == (10, 10)
    assert summary.hours_total == summary.hours_held == Decimal("20.0")
    assert summary.hours_earned == Decimal("15.0")  # 7 × 2 + 1
    assert summary.counts == {P: 6, L: 1, E: 1, X: 1, A: 1}
    assert summary.attended == 8
    assert summary.attendance_rate == Fraction(8, 10)
    assert summary.attendance_percent == Decimal("80.0")
    assert summary.unexcused_absences == 1
    assert summary.excused_hours == Decimal("2.0")
    assert summary.required_missed == ()
    # The minimum counts credit hours: 15 of 20 earned (left early pro rata) is 75 %, below 80.
    assert summary.hours_percent == Decimal("75.0")
    assert [s.code for s in summary.shortfalls] == ["attendance_below_minimum"]
    assert summary.course_finished and not summary.completed
    lenient = CompletionRule(min_attendance_percent=75)
    assert summarize(sessions, records, leaves, lenient, AFTER_ALL).completed


def test_summary_so_far_counts_only_sessions_that_have_ended():
    sessions = course(10)
    now = at("2025-05-11 10:00")  # sessions 1 and 2 ended, 3 is under way
    records = {1: record(P, day(1)), 3: record(P, day(3))}
    summary = summarize(sessions, records, {}, CompletionRule(), now)
    assert (summary.sessions_held, summary.sessions_total) == (2, 10)
    assert (summary.hours_held, summary.hours_earned, summary.hours_total) == (
        Decimal("4.0"),
        Decimal("2.0"),
        Decimal("20.0"),
    )
    assert summary.counts[A] == 1
    assert not summary.course_finished and not summary.completed
    assert [s.code for s in summary.shortfalls] == ["attendance_below_minimum"]
    assert summary.shortfalls[0].params == {
        "earned": Decimal("2.0"),
        "hours": Decimal("4.0"),
        "percent": Decimal("50.0"),
        "minimum": 80,
    }


def test_nothing_held_yet_has_no_rate_and_no_shortfall():
    summary = summarize(course(3), {}, {}, CompletionRule(), at("2025-05-01 09:00"))
    assert summary.attendance_rate is None and summary.attendance_percent is None
    assert summary.rule_met and not summary.completed


def test_a_cohort_without_sessions_completes_nobody():
    summary = summarize([], {}, {}, CompletionRule(), AFTER_ALL)
    assert not summary.course_finished and not summary.completed


@pytest.mark.parametrize(("attended", "met"), [(8, True), (7, False)])
def test_minimum_attendance_is_inclusive(attended, met):
    records = {i: record(P, day(i)) for i in range(1, attended + 1)}
    summary = summarize(course(10), records, {}, CompletionRule(max_leave_fraction=None), AFTER_ALL)
    assert summary.rule_met is met


def test_minimum_attendance_compares_exact_fractions_not_rounded_percentages():
    # 71 of 106 is 66.98 %: shown as 67.0, yet below a minimum of 67.
    records = {i: record(P, day(i)) for i in range(1, 72)}
    later = at("2026-01-01 00:00")
    summary = summarize(course(106), records, {}, CompletionRule(min_attendance_percent=67), later)
    assert summary.attendance_percent == Decimal("67.0")
    assert [s.code for s in summary.shortfalls] == ["attendance_below_minimum"]
    summary = summarize(course(106), records, {}, CompletionRule(min_attendance_percent=66), later)
    assert summary.rule_met


def test_cancelled_sessions_count_for_nobody_in_the_summary():
    sessions = course(5, cancelled=(2, 3))
    records = {1: record(P, day(1)), 4: record(P, day(4)), 5: record(P, day(5))}
    summary = summarize(sessions, records, {}, CompletionRule(), AFTER_ALL)
    assert (summary.sessions_held, summary.sessions_total, summary.hours_total) == (3, 3, Decimal("6.0"))
    assert summary.attendance_rate == 1 and summary.completed


def test_required_sessions_missed_by_absence_or_leave_but_not_by_leaving_early():
    sessions = course(6, required=(1, 2, 3))
    records = {i: record(P, day(i)) for i in (4, 5, 6)}
    records[3] = record(E, day(3), day(3, "10:00"))
    leaves = {2: LeaveStatus.APPROVED}
    rule = CompletionRule(min_attendance_percent=0, max_leave_fraction=None)
    summary = summarize(sessions, records, leaves, rule, AFTER_ALL)
    assert summary.required_missed == (1, 2)
    assert [(s.code, s.params) for s in summary.shortfalls] == [
        ("required_sessions_missed", {"count": 2, "titles": ()})
    ]
    lenient = CompletionRule(
        min_attendance_percent=0, require_required_sessions=False, max_leave_fraction=None
    )
    assert summarize(sessions, records, leaves, lenient, AFTER_ALL).rule_met


@pytest.mark.parametrize(("absences", "met"), [(2, True), (3, False)])
def test_unexcused_absences_above_the_maximum_fail(absences, met):
    records = {i: record(P, day(i)) for i in range(absences + 1, 21)}
    rule = CompletionRule(min_attendance_percent=0, max_unexcused_absences=2)
    summary = summarize(course(20), records, {}, rule, AFTER_ALL)
    assert summary.unexcused_absences == absences
    assert summary.rule_met is met
    if not met:
        assert summary.shortfalls[0].params == {"count": 3, "maximum": 2}


def test_no_maximum_of_unexcused_absences_means_no_such_check():
    summary = summarize(course(5), {}, {}, CompletionRule(min_attendance_percent=0), AFTER_ALL)
    assert summary.unexcused_absences == 5 and summary.rule_met


@pytest.mark.parametrize(("excused", "met"), [(2, True), (3, False)])
def test_leave_above_one_seventh_of_the_course_hours_cannot_complete(excused, met):
    # 14 sessions × 2 学时 = 28; a seventh is 4 学时: two sessions of leave pass, three fail.
    leaves = {i: LeaveStatus.APPROVED for i in range(1, excused + 1)}
    records = {i: record(P, day(i)) for i in range(excused + 1, 15)}
    rule = CompletionRule(min_attendance_percent=0)
    summary = summarize(course(14), records, leaves, rule, AFTER_ALL)
    assert summary.excused_hours == Decimal(2 * excused)
    assert summary.rule_met is met
    if not met:
        assert summary.shortfalls[0].code == "too_much_leave"
        assert summary.shortfalls[0].params == {"hours": Decimal("6.0"), "limit": Decimal("4.0")}


def test_a_withdrawn_trainee_is_not_expected_after_withdrawing():
    sessions = course(4)
    withdrawn = at("2025-05-10 18:00")  # after sessions 1 and 2
    records = {1: record(P, day(1)), 2: record(P, day(2))}
    summary = summarize(sessions, records, {}, CompletionRule(), AFTER_ALL, withdrawn_at=withdrawn)
    assert (summary.sessions_held, summary.sessions_total, summary.attendance_rate) == (2, 2, 1)
    # A record after the withdrawal still counts.
    records[3] = record(P, day(3))
    summary = summarize(sessions, records, {}, CompletionRule(), AFTER_ALL, withdrawn_at=withdrawn)
    assert summary.sessions_held == 3


def test_late_pro_rata_rule_reaches_the_summary_hours():
    records = {1: record(L, day(1, "10:00"))}  # one hour of two
    assert summarize(course(1), records, {}, CompletionRule(), AFTER_ALL).hours_earned == Decimal("2.0")
    pro_rata = CompletionRule(late_pro_rata=True)
    assert summarize(course(1), records, {}, pro_rata, AFTER_ALL).hours_earned == Decimal("1.0")


def test_percent_rounds_half_up_to_one_decimal():
    assert percent(Fraction(7, 8)) == Decimal("87.5")
    assert percent(Fraction(1, 3)) == Decimal("33.3")
    assert percent(Fraction(2, 3)) == Decimal("66.7")
    assert percent(None) is None


def test_the_rules_import_neither_flask_nor_sqlalchemy():
    import subprocess
    import sys

    code = (
        "import sys, cadre.rules.attendance, cadre.rules.attendance_stats, cadre.rules.signin_tokens;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'flask_babel', 'sqlalchemy')];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
