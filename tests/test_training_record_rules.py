"""The pure rules of the training record: credit hours earned, due and planned; attendance share."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from cadre.rules.training_record import (
    UNRECORDED,
    SessionFacts,
    format_hours,
    session_credit_hours,
    tally_cohort,
)

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def facts(sid: int, days_ago: float, hours="2", **kw) -> SessionFacts:
    starts = NOW - timedelta(days=days_ago)
    return SessionFacts(
        id=sid,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        credit_hours=None if hours is None else Decimal(hours),
        day=starts.date(),
        **kw,
    )


@pytest.mark.parametrize(
    ("status", "earns"),
    [("present", True), ("late", True), ("left_early", True), ("excused", False), ("absent", False)],
)
def test_which_statuses_earn_the_sessions_credit_hours(status, earns):
    tally = tally_cohort([facts(1, 3, "3")], {1: status}, now=NOW)
    assert tally.earned == (Decimal(3) if earns else Decimal(0))
    assert tally.due == Decimal(3)
    assert tally.counts[status] == 1


def test_share_is_earned_over_credit_hours_held_so_far():
    sessions = [facts(1, 10, "2"), facts(2, 5, "3"), facts(3, 1, "1"), facts(4, -3, "4")]
    tally = tally_cohort(sessions, {1: "present", 2: "absent", 3: "late"}, now=NOW)
    assert tally.earned == Decimal(3)
    assert tally.due == Decimal(6)  # the future session is not due yet
    assert tally.planned == Decimal(10)
    assert (tally.sessions_due, tally.sessions_planned) == (3, 4)
    assert tally.share == Decimal("0.5")
    assert tally.percent == Decimal("50.0")


def test_held_session_without_a_record_counts_as_due_and_unrecorded():
    tally = tally_cohort([facts(1, 2), facts(2, 1)], {1: "present"}, now=NOW)
    assert tally.counts[UNRECORDED] == 1
    assert tally.due == Decimal(4)
    assert tally.percent == Decimal("50.0")


def test_a_record_makes_a_session_due_even_before_it_starts():
    # Signed in a few minutes early: the hours must not exceed what is due.
    tally = tally_cohort([facts(1, -0.01)], {1: "present"}, now=NOW)
    assert tally.earned == tally.due == Decimal(2)


def test_nothing_due_gives_no_share():
    tally = tally_cohort([facts(1, -2)], {}, now=NOW)
    assert tally.share is None and tally.percent is None
    assert tally.planned == Decimal(2)


def test_sessions_after_withdrawal_are_not_due():
    sessions = [facts(1, 10), facts(2, 5), facts(3, 1)]
    withdrawn = (NOW - timedelta(days=7)).date()
    tally = tally_cohort(sessions, {1: "present"}, now=NOW, withdrawn_on=withdrawn)
    assert tally.due == Decimal(2)
    assert tally.percent == Decimal("100.0")
    assert tally.counts[UNRECORDED] == 0


def test_records_of_other_cohorts_are_ignored():
    tally = tally_cohort([facts(1, 1)], {1: "present", 99: "present"}, now=NOW)
    assert tally.earned == Decimal(2)
    assert sum(tally.counts.values()) == 1


def test_percent_rounds_half_up_to_one_decimal():
    sessions = [facts(1, 3, "1"), facts(2, 2, "1"), facts(3, 1, "1")]
    tally = tally_cohort(sessions, {1: "present", 2: "present", 3: "absent"}, now=NOW)
    assert tally.percent == Decimal("66.7")


def test_scheduled_credit_hours_win_even_when_zero():
    start = datetime(2025, 5, 9, 1, tzinfo=UTC)
    assert session_credit_hours(Decimal("0"), start, start + timedelta(hours=3), 45) == Decimal(0)
    assert session_credit_hours(Decimal("2.5"), start, start + timedelta(hours=1), 45) == Decimal("2.5")


@pytest.mark.parametrize(
    ("minutes", "per", "expected"),
    [(90, 45, "2"), (100, 45, "2"), (120, 45, "2.5"), (45, 45, "1"), (20, 45, "0"), (120, 40, "3")],
)
def test_missing_credit_hours_come_from_length_in_half_hours_rounded_down(minutes, per, expected):
    start = datetime(2025, 5, 9, 1, tzinfo=UTC)
    assert session_credit_hours(None, start, start + timedelta(minutes=minutes), per) == Decimal(expected)


def test_cohort_minutes_per_credit_hour_apply_to_sessions_without_hours():
    tally = tally_cohort([facts(1, 1, None)], {1: "present"}, now=NOW, minutes_per_credit_hour=40)
    assert tally.earned == Decimal(3)


@pytest.mark.parametrize(
    ("value", "text"), [(Decimal("8"), "8"), (Decimal("7.50"), "7.5"), (Decimal("0"), "0")]
)
def test_hours_are_shown_without_useless_decimals(value, text):
    assert format_hours(value) == text


def test_withdrawal_day_itself_is_still_due():
    s = facts(1, 2)
    tally = tally_cohort([s], {}, now=NOW, withdrawn_on=s.day)
    assert tally.due == Decimal(2)
