"""The completion engine (cadre.rules.completion): the rule in credit hours, required sessions by
title, unexcused absences, the leave limit, and the outlook during the course
(已达到 / 可达到 / 有风险 / 无法结业)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from cadre.enums import LeaveStatus
from cadre.rules.attendance import RecordValue, SessionRules
from cadre.rules.completion import (
    CompletionRule,
    Outlook,
    OutlookStatus,
    format_share,
    parse_share,
    summarize,
)
from tests.attendance_support import E, L, P, at

FIRST = at("2025-05-09 09:00")
AFTER_ALL = at("2026-01-01 00:00")
MET, ON_TRACK, AT_RISK, CANNOT = (
    OutlookStatus.MET,
    OutlookStatus.ON_TRACK,
    OutlookStatus.AT_RISK,
    OutlookStatus.CANNOT,
)


def course(hours=("2",) * 10, *, required=(), cancelled=()):
    """One morning session a day from 2025-05-09 09:00, two hours long, worth `hours` 学时 each."""
    return [
        SessionRules(
            i,
            FIRST + timedelta(days=i - 1),
            FIRST + timedelta(days=i - 1, hours=2),
            credit_hours=Decimal(h),
            is_required=i in required,
            cancelled=i in cancelled,
            title=f"第{i}课",
        )
        for i, h in enumerate(hours, start=1)
    ]


def after(i):
    """Just after session i has ended (sessions 1..i held)."""
    return FIRST + timedelta(days=i - 1, hours=2, minutes=1)


def present(*ids):
    return {i: RecordValue(P, FIRST + timedelta(days=i - 1, minutes=-5)) for i in ids}


def leave(*ids):
    return {i: LeaveStatus.APPROVED for i in ids}


RULE = CompletionRule()


# --------------------------------------------------------------------------- the rule over credit hours


def test_the_minimum_counts_credit_hours_not_sessions():
    # Two long sessions (4 学时) missed of ten: 8 sessions of 10 (80 %) but 12 of 20 学时 (60 %).
    sessions = course(("4", "4", "1.5", "1.5", "1.5", "1.5", "1.5", "1.5", "1.5", "1.5"))
    summary = summarize(sessions, present(*range(3, 11)), {}, RULE, AFTER_ALL)
    assert summary.attendance_percent == Decimal("80.0")  # sessions, as the statistics show
    assert summary.hours_percent == Decimal("60.0")
    assert [s.code for s in summary.shortfalls] == ["attendance_below_minimum"]
    assert summary.shortfalls[0].params == {
        "earned": Decimal("12.0"),
        "hours": Decimal("20.0"),
        "percent": Decimal("60.0"),
        "minimum": 80,
    }
    assert summary.outlook == Outlook(CANNOT, reasons=summary.shortfalls)


@pytest.mark.parametrize(("earned_sessions", "met"), [(8, True), (7, False)])
def test_the_minimum_is_inclusive(earned_sessions, met):
    summary = summarize(course(), present(*range(1, earned_sessions + 1)), {}, RULE, AFTER_ALL)
    assert summary.completed is met
    assert summary.outlook.status == (MET if met else CANNOT)


def test_half_hours_compare_exactly():
    # 7.5 of 9.5 学时 = 78.9 %: below 79; 8 of 9.5 would be 84.2 %.
    sessions = course(("0.5", "1.5", "2", "2", "2", "1.5"))
    summary = summarize(sessions, present(2, 3, 4, 5), {}, CompletionRule(79), AFTER_ALL)
    assert summary.hours_earned == Decimal("7.5") and summary.hours_total == Decimal("9.5")
    assert summary.shortfalls[0].params["percent"] == Decimal("78.9")
    assert summarize(sessions, present(2, 3, 4, 5), {}, CompletionRule(78), AFTER_ALL).completed


def test_left_early_earns_pro_rata_and_late_in_full_unless_the_cohort_says_pro_rata():
    sessions = course(("2", "2", "2", "2"))
    records = present(1, 2)
    records[3] = RecordValue(L, at("2025-05-11 10:00"))  # an hour late of two
    records[4] = RecordValue(E, at("2025-05-12 08:55"), at("2025-05-12 10:00"))  # left after one hour
    summary = summarize(sessions, records, {}, CompletionRule(75), AFTER_ALL)
    assert summary.hours_earned == Decimal("7.0") and summary.completed  # 2 + 2 + 2 + 1
    strict = CompletionRule(75, late_pro_rata=True)
    summary = summarize(sessions, records, {}, strict, AFTER_ALL)
    assert summary.hours_earned == Decimal("6.0") and summary.completed  # 6 of 8 = 75 %
    summary = summarize(sessions, records, {}, CompletionRule(76, late_pro_rata=True), AFTER_ALL)
    assert not summary.completed


def test_cancelled_sessions_count_for_nobody():
    sessions = course(("2", "4", "2", "2"), cancelled=(2,))
    summary = summarize(sessions, present(1, 3, 4), {}, RULE, AFTER_ALL)
    assert summary.hours_total == Decimal("6.0") and summary.completed


def test_no_sessions_and_all_cancelled_complete_nobody_and_are_on_track():
    for sessions in ([], course(("2", "2"), cancelled=(1, 2))):
        summary = summarize(sessions, {}, {}, RULE, AFTER_ALL)
        assert not summary.completed and summary.rule_met
        assert summary.outlook == Outlook(ON_TRACK)


def test_sessions_of_no_credit_hours_have_no_share_and_no_hours_shortfall():
    summary = summarize(course(("0", "0")), {}, {}, CompletionRule(max_unexcused_absences=None), AFTER_ALL)
    assert summary.hours_share is None and summary.completed


def test_required_sessions_missed_are_named_by_title():
    sessions = course(("2",) * 5, required=(1, 4))
    rule = CompletionRule(0, max_leave_fraction=None)
    summary = summarize(sessions, present(2, 3, 5), leave(4), rule, AFTER_ALL)
    assert [(s.code, s.params) for s in summary.shortfalls] == [
        ("required_sessions_missed", {"count": 2, "titles": ("第1课", "第4课")})
    ]
    assert summary.outlook.status == CANNOT


def test_left_early_from_a_required_session_is_not_missing_it():
    sessions = course(("2", "2"), required=(1,))
    records = {1: RecordValue(E, at("2025-05-09 08:55"), at("2025-05-09 10:30")), **present(2)}
    assert summarize(sessions, records, {}, CompletionRule(50), AFTER_ALL).completed


@pytest.mark.parametrize(("absent", "met"), [(1, True), (2, False)])
def test_unexcused_absences_at_most_the_maximum(absent, met):
    rule = CompletionRule(0, max_unexcused_absences=1)
    summary = summarize(course(), present(*range(absent + 1, 11)), {}, rule, AFTER_ALL)
    assert summary.completed is met


# --------------------------------------------------------------------------- the leave limit


@pytest.mark.parametrize(
    ("leave_hours", "met"), [(("1", "1", "1", "1"), True), (("1", "1", "1", "1.5"), False)]
)
def test_leave_exactly_one_seventh_completes_and_above_it_does_not(leave_hours, met):
    # 28 学时 in all; a seventh is 4 学时.
    rest = 28 - sum(Decimal(h) for h in leave_hours)
    sessions = course((*leave_hours, str(rest)))
    summary = summarize(sessions, present(5), leave(1, 2, 3, 4), CompletionRule(0), AFTER_ALL)
    assert summary.hours_total == Decimal("28.0")
    assert summary.completed is met
    if not met:
        assert summary.shortfalls[0].code == "too_much_leave"
        assert summary.shortfalls[0].params == {"hours": Decimal("4.5"), "limit": Decimal("4.0")}


def test_the_leave_limit_is_a_cohort_setting_and_may_be_off():
    sessions = course(("2",) * 10)
    records, leaves = present(*range(4, 11)), leave(1, 2, 3)  # 6 of 20 学时 = 30 %
    assert not summarize(sessions, records, leaves, CompletionRule(0), AFTER_ALL).completed
    wide = CompletionRule(0, max_leave_fraction=Fraction(3, 10))
    assert summarize(sessions, records, leaves, wide, AFTER_ALL).completed
    off = CompletionRule(0, max_leave_fraction=None)
    assert summarize(sessions, records, leaves, off, AFTER_ALL).completed


@pytest.mark.parametrize(
    ("text", "share"),
    [
        ("1/7", Fraction(1, 7)),
        (" 15% ", Fraction(3, 20)),
        ("15％", Fraction(3, 20)),
        ("0.1", Fraction(1, 10)),
        ("1／7", Fraction(1, 7)),
        ("", None),
        (None, None),
        ("0", Fraction(0)),
        ("1", Fraction(1)),
    ],
)
def test_a_leave_share_is_read_as_typed(text, share):
    assert parse_share(text) == share


@pytest.mark.parametrize("text", ["abc", "1/0", "8/7", "-1/7", "120%", "1/7%x"])
def test_a_leave_share_outside_0_to_1_or_unreadable_is_refused(text):
    with pytest.raises(ValueError):
        parse_share(text)


def test_a_share_is_stored_as_a_fraction():
    assert format_share(Fraction(1, 7)) == "1/7"
    assert format_share(parse_share("15%")) == "3/20"
    assert format_share(Fraction(1)) == "1" and format_share(None) == ""


# --------------------------------------------------------------------------- the outlook during the course


def test_on_track_says_how_many_of_the_sessions_to_come_are_needed():
    # 10 × 2 学时, 80 % = 16 学时; 3 attended (6), 7 to come: 5 more needed.
    summary = summarize(course(), present(1, 2, 3), {}, RULE, after(3))
    assert summary.outlook == Outlook(ON_TRACK, remaining=7, needed=5)


def test_at_risk_when_missing_two_more_would_rule_completion_out():
    # 2 missed, 8 to come, 8 needed... after one more miss: 7 to come, all 7 needed.
    summary = summarize(course(), present(2), {}, RULE, after(2))
    assert summary.outlook == Outlook(AT_RISK, remaining=8, needed=7)
    summary = summarize(course(), present(1, 2, 3), {}, RULE, after(4))
    assert summary.outlook == Outlook(AT_RISK, remaining=6, needed=5)


def test_cannot_when_even_every_session_to_come_is_not_enough():
    summary = summarize(course(), present(1), {}, RULE, after(3))  # 2 + 14 = 16 of 20: still possible
    assert summary.outlook.status == AT_RISK and summary.outlook.needed == 7
    summary = summarize(course(), present(1), {}, RULE, after(4))  # 2 + 12 = 14 of 20 = 70 %
    assert summary.outlook.status == CANNOT
    assert [(r.code, r.params) for r in summary.outlook.reasons] == [
        (
            "cannot_reach_minimum",
            {"earned": Decimal("14.0"), "hours": Decimal("20.0"), "percent": Decimal("70.0"), "minimum": 80},
        )
    ]


def test_the_fewest_needed_assume_the_shortest_sessions_to_come():
    # 8 学时 needed (80 % of 10) from sessions to come of 4, 1, 1, 1, 1, 1, 1: the six short ones
    # give only 6, so 7 are needed whichever they pick... but the long one alone gives 4.
    sessions = course(("4", "1", "1", "1", "1", "1", "1"))
    summary = summarize(sessions, {}, {}, CompletionRule(80), FIRST - timedelta(days=1))
    assert summary.outlook.remaining == 7 and summary.outlook.needed == 7
    summary = summarize(sessions, {}, {}, CompletionRule(50), FIRST - timedelta(days=1))
    assert summary.outlook.needed == 5  # 5 学时 from the shortest: five sessions
    assert summary.outlook.status == ON_TRACK


def test_required_sessions_to_come_must_all_be_attended():
    sessions = course(("2",) * 10, required=(9, 10))
    summary = summarize(sessions, present(1, 2, 3, 4, 5), {}, CompletionRule(50), after(5))
    # 10 学时 needed, 10 earned: no hours needed, but the two required sessions are.
    assert summary.outlook == Outlook(ON_TRACK, remaining=5, needed=2, required_remaining=2)


def test_a_required_session_already_missed_rules_completion_out_during_the_course():
    sessions = course(("2",) * 10, required=(1,))
    summary = summarize(sessions, present(2), {}, CompletionRule(0), after(2))
    assert summary.outlook.status == CANNOT
    assert summary.outlook.reasons[0].code == "required_sessions_missed"
    assert summary.outlook.reasons[0].params["titles"] == ("第1课",)


def test_being_below_the_minimum_so_far_is_not_final():
    summary = summarize(course(), {}, {}, CompletionRule(50), after(2))
    assert [s.code for s in summary.shortfalls] == ["attendance_below_minimum"]
    assert summary.outlook == Outlook(ON_TRACK, remaining=8, needed=5)


def test_unexcused_absences_left_limit_the_sessions_one_may_skip():
    rule = CompletionRule(0, max_unexcused_absences=3)
    summary = summarize(course(), present(1, 2, 3), {}, rule, after(4))  # one of three used
    assert summary.outlook == Outlook(ON_TRACK, remaining=6, needed=4)
    summary = summarize(course(), present(1, 2), {}, rule, after(4))  # one more may be skipped
    assert summary.outlook == Outlook(AT_RISK, remaining=6, needed=5)
    summary = summarize(course(), present(1), {}, rule, after(4))  # none
    assert summary.outlook == Outlook(AT_RISK, remaining=6, needed=6)
    summary = summarize(course(), {}, {}, rule, after(4))
    assert summary.outlook.status == CANNOT
    assert summary.outlook.reasons[0].code == "too_many_unexcused_absences"


def test_approved_leave_to_come_is_counted_as_missed():
    # 10 × 2 学时, limit 20/7 ≈ 2.9 学时: one session of leave fits, two do not.
    summary = summarize(course(), present(1, 2), leave(5), CompletionRule(0), after(2))
    assert summary.outlook == Outlook(ON_TRACK, remaining=7, needed=0)
    summary = summarize(course(), present(1, 2), leave(5, 6), CompletionRule(0), after(2))
    assert summary.outlook.status == AT_RISK
    assert [(r.code, r.params) for r in summary.outlook.reasons] == [
        ("leave_planned_over_limit", {"hours": Decimal("4.0"), "limit": Decimal("2.9")})
    ]
    # Leave already taken above the limit is final.
    summary = summarize(course(), present(3), leave(1, 2), CompletionRule(0), after(3))
    assert summary.outlook.status == CANNOT and summary.outlook.reasons[0].code == "too_much_leave"


def test_leave_for_a_required_session_to_come_puts_completion_at_risk():
    sessions = course(("2",) * 10, required=(8,))
    summary = summarize(sessions, present(1, 2), leave(8), CompletionRule(0), after(2))
    assert summary.outlook.status == AT_RISK
    assert summary.outlook.reasons[0].code == "required_on_leave"
    assert summary.outlook.reasons[0].params == {"count": 1, "titles": ("第8课",)}


def test_a_session_under_way_is_still_to_come():
    summary = summarize(course(), present(1, 2, 3), {}, RULE, after(2) + timedelta(hours=23))
    assert summary.sessions_held == 2 and summary.outlook.remaining == 8


def test_once_over_the_outlook_is_the_result():
    summary = summarize(course(), present(*range(1, 11)), {}, RULE, AFTER_ALL)
    assert summary.completed and summary.outlook == Outlook(MET)
    assert not summary.outlook.needs_attention


def test_a_withdrawn_trainee_is_judged_on_the_sessions_before_withdrawing():
    withdrawn = at("2025-05-11 00:00")
    summary = summarize(course(), present(1, 2), {}, RULE, AFTER_ALL, withdrawn_at=withdrawn)
    assert summary.sessions_total == 2 and summary.completed


def test_required_sessions_to_come_are_no_risk_by_themselves():
    # Everything attended, 6 required and 1 optional session to come: the optional one may be skipped.
    sessions = course(("2",) * 10, required=(4, 5, 6, 7, 8, 9))
    summary = summarize(sessions, present(1, 2, 3), {}, RULE, after(3))
    assert summary.outlook == Outlook(ON_TRACK, remaining=7, needed=6, required_remaining=6)
    # Short of hours: the optional session is needed as well, and nothing may be skipped.
    summary = summarize(sessions, present(1), {}, RULE, after(3))
    assert summary.outlook == Outlook(AT_RISK, remaining=7, needed=7, required_remaining=6)


# ----------------------------------------------------------------------- the outlook by brute force


def _random_case(rng):
    n = rng.randint(1, 9)
    hours = [str(rng.choice(["0.5", "1", "1.5", "2", "3"])) for _ in range(n)]
    required = tuple(i for i in range(1, n + 1) if rng.random() < 0.3)
    sessions = course(hours, required=required)
    held = rng.randint(0, n - 1)  # at least one session to come
    records, leaves = {}, {}
    for i in range(1, held + 1):
        pick = rng.random()
        if pick < 0.6:
            records.update(present(i))
        elif pick < 0.75:
            leaves[i] = LeaveStatus.APPROVED
        elif pick < 0.85:
            start = FIRST + timedelta(days=i - 1)
            records[i] = RecordValue(E, start, start + timedelta(minutes=rng.choice([30, 60, 90])))
    to_come = list(range(held + 1, n + 1))
    for i in to_come:
        if rng.random() < 0.15:
            leaves[i] = LeaveStatus.APPROVED
    rule = CompletionRule(
        min_attendance_percent=rng.choice([50, 70, 80, 90]),
        require_required_sessions=rng.random() < 0.8,
        max_unexcused_absences=rng.choice([None, 0, 1, 2, 3]),
        max_leave_fraction=rng.choice([Fraction(1, 7), Fraction(1, 4), None]),
    )
    now = after(held) if held else FIRST - timedelta(days=1)
    return sessions, records, leaves, rule, now, [i for i in to_come if i not in leaves]


def _completes(sessions, records, leaves, rule, attend):
    final = {**records, **present(*attend)}
    return summarize(sessions, final, leaves, rule, AFTER_ALL).completed


def test_the_outlook_agrees_with_every_way_the_course_can_end():
    import itertools
    import random

    rng = random.Random(20251203)
    for _case in range(400):
        sessions, records, leaves, rule, now, open_ = _random_case(rng)
        outlook = summarize(sessions, records, leaves, rule, now).outlook
        assert outlook.remaining == len(open_)
        endings = {
            subset: _completes(sessions, records, leaves, rule, subset)
            for k in range(len(open_) + 1)
            for subset in itertools.combinations(open_, k)
        }
        if outlook.status == CANNOT:
            assert not any(endings.values()), (outlook, rule)
            continue
        assert outlook.status in (ON_TRACK, AT_RISK)
        if outlook.reasons:  # approved leave to come is the risk: cancelling it is the way out
            assert outlook.status == AT_RISK
            continue
        required = {s.id for s in sessions if s.is_required} if rule.require_required_sessions else set()
        # Any `needed` of the sessions to come, the required ones among them, is enough...
        for subset, done in endings.items():
            if len(subset) >= outlook.needed and required & set(open_) <= set(subset):
                assert done, (outlook, subset, rule)
        # ...and fewer is not always enough.
        if outlook.needed:
            assert not all(done for subset, done in endings.items() if len(subset) == outlook.needed - 1)
        # At risk: two more misses of the sessions that may be skipped can rule completion out.
        skippable = [i for i in open_ if i not in required]
        worst_two_misses = [
            done
            for subset, done in endings.items()
            if required & set(open_) <= set(subset) and len(subset) >= len(open_) - 2
        ]
        if outlook.status == AT_RISK:
            assert not all(worst_two_misses), (outlook, rule)
        elif len(skippable) >= 2:
            assert all(worst_two_misses), (outlook, rule)
