"""Attendance statistics: the trainees × sessions matrix; tallies per session, trainee, group, community."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from cadre.enums import LeaveStatus, SignInMethod
from cadre.rules.attendance import (
    PENDING,
    RecordValue,
    SessionOutcome,
    SessionRules,
)
from cadre.rules.attendance_stats import (
    NOT_EXPECTED,
    Tally,
    TraineeRef,
    build_matrix,
    by_community,
    by_group,
    session_stats,
    trainee_summaries,
)
from cadre.rules.completion import CompletionRule, summarize
from tests.attendance_support import A, E, L, P, X, at


def lecture(id, day, start, end, hours, **kwargs):
    return SessionRules(id, at(f"{day} {start}"), at(f"{day} {end}"), Decimal(hours), **kwargs)


SESSIONS = (
    lecture(1, "2025-05-09", "09:00", "12:00", "3"),
    lecture(2, "2025-05-10", "09:00", "11:00", "2", is_required=True),
    lecture(3, "2025-05-11", "09:00", "11:00", "2", cancelled=True),
    lecture(4, "2025-05-12", "09:00", "11:00", "2"),  # under way at NOW
    lecture(5, "2025-05-13", "09:00", "11:00", "2"),  # to come
)
NOW = at("2025-05-12 10:00")

TRAINEES = (
    TraineeRef(1, "一组", "曹家渡居民区"),
    TraineeRef(2, "一组", "西康居民区"),
    TraineeRef(3, "二组", "曹家渡居民区"),
    TraineeRef(4, "  ", None, withdrawn_at=at("2025-05-11 00:00")),
)


def rec(status, signed_in=None, signed_out=None, **kwargs):
    return RecordValue(
        status, at(signed_in) if signed_in else None, at(signed_out) if signed_out else None, **kwargs
    )


RECORDS = {
    (1, 1): rec(P, "2025-05-09 08:55"),
    (1, 2): rec(L, "2025-05-10 09:20"),
    (1, 4): rec(P, "2025-05-12 08:55"),
    (2, 1): rec(E, "2025-05-09 08:55", "2025-05-09 10:30"),  # 90 of 180 min: 1.5
    (3, 1): rec(A, method=SignInMethod.ROLL_CALL),
    (3, 2): rec(P, "2025-05-10 09:00", method=SignInMethod.MANUAL, corrected=True),
    (3, 3): rec(P, "2025-05-11 08:55"),  # signed in before the session was cancelled
    (3, 4): rec(L, "2025-05-12 09:30"),
    (4, 1): rec(P, "2025-05-09 08:58"),
}
LEAVES = {(2, 2): LeaveStatus.APPROVED, (1, 5): LeaveStatus.PENDING}


@pytest.fixture
def matrix():
    return build_matrix(SESSIONS, TRAINEES, RECORDS, LEAVES, NOW)


def status(cell):
    return cell.status if isinstance(cell, SessionOutcome) else cell


def test_the_matrix_has_a_cell_per_trainee_and_session_in_the_given_order(matrix):
    assert [[status(c) for c in matrix.row(t.id)] for t in TRAINEES] == [
        [P, L, NOT_EXPECTED, P, PENDING],
        [E, X, NOT_EXPECTED, PENDING, PENDING],
        [A, P, NOT_EXPECTED, L, PENDING],
        [P, A, NOT_EXPECTED, NOT_EXPECTED, NOT_EXPECTED],  # withdrew before session 3
    ]
    assert [status(c) for c in matrix.column(2)] == [L, X, P, A]


def test_cells_carry_hours_and_the_correction_mark(matrix):
    assert matrix.cell(2, 1).hours == Decimal("1.5")
    assert matrix.cell(1, 2).hours == Decimal("2.0")
    assert matrix.cell(3, 2).corrected and not matrix.cell(1, 2).corrected
    assert matrix.cell(3, 1).hours == Decimal("0.0")


def test_per_session_expected_counts_and_rate(matrix):
    stats = {s.session_id: s for s in session_stats(matrix)}
    one = stats[1].tally
    assert (one.expected, one.present, one.left_early, one.absent, one.attended) == (4, 2, 1, 1, 3)
    assert one.rate == Fraction(3, 4) and one.rate_percent == Decimal("75.0")
    assert stats[1].hours_earned == Decimal("7.5")
    two = stats[2].tally
    assert (two.expected, two.present, two.late, two.excused, two.absent) == (4, 1, 1, 1, 1)
    assert two.rate == Fraction(1, 2)
    assert stats[1].held and stats[2].held and not stats[4].held


def test_a_cancelled_session_has_nobody_expected(matrix):
    cancelled = session_stats(matrix)[2]
    assert cancelled.cancelled and not cancelled.held
    assert cancelled.tally.expected == 0 and cancelled.tally.rate is None


def test_a_session_under_way_shows_the_live_share_signed_in(matrix):
    live = session_stats(matrix)[3].tally
    assert (live.expected, live.attended, live.pending) == (3, 2, 1)
    assert live.rate == Fraction(2, 3)


def test_per_group_counts_only_sessions_held(matrix):
    groups = by_group(matrix)
    assert list(groups) == ["一组", "二组", None]
    first = groups["一组"]
    assert first.trainee_ids == [1, 2] and first.trainees == 2
    assert (first.tally.expected, first.tally.attended, first.tally.excused, first.tally.pending) == (
        4,
        3,
        1,
        0,
    )
    assert first.hours_earned == Decimal("6.5")
    assert groups["二组"].tally.rate == Fraction(1, 2)
    assert groups[None].trainee_ids == [4]  # a blank group is no group
    assert groups[None].hours_earned == Decimal("3.0")


def test_per_community(matrix):
    communities = by_community(matrix)
    assert {k: v.trainee_ids for k, v in communities.items()} == {
        "曹家渡居民区": [1, 3],
        "西康居民区": [2],
        None: [4],
    }
    caojiadu = communities["曹家渡居民区"].tally
    assert (caojiadu.expected, caojiadu.attended, caojiadu.absent) == (4, 3, 1)
    assert communities["曹家渡居民区"].hours_earned == Decimal("7.0")


def test_per_trainee_summaries_agree_with_the_one_trainee_summary(matrix):
    rule = CompletionRule()
    summaries = trainee_summaries(matrix, rule)
    assert list(summaries) == [1, 2, 3, 4]
    first = summaries[1]
    assert (first.sessions_held, first.sessions_total) == (2, 4)
    assert (first.hours_earned, first.hours_held, first.hours_total) == (
        Decimal("5.0"),
        Decimal("5.0"),
        Decimal("9.0"),
    )
    assert first.attendance_rate == 1
    withdrawn = summaries[4]
    assert (withdrawn.sessions_total, withdrawn.course_finished, withdrawn.attendance_rate) == (
        2,
        True,
        Fraction(1, 2),
    )
    for trainee in TRAINEES:
        own = {s: r for (t, s), r in RECORDS.items() if t == trainee.id}
        leaves = {s: v for (t, s), v in LEAVES.items() if t == trainee.id}
        alone = summarize(SESSIONS, own, leaves, rule, NOW, withdrawn_at=trainee.withdrawn_at)
        assert summaries[trainee.id] == alone


def test_after_the_course_nothing_is_pending_and_everyone_is_counted():
    later = build_matrix(SESSIONS, TRAINEES, RECORDS, LEAVES, at("2025-06-01 00:00"))
    assert not any(status(c) == PENDING for c in later.cells.values())
    assert [status(c) for c in later.row(2)] == [E, X, NOT_EXPECTED, A, A]


def test_tally_refuses_unknown_statuses():
    tally = Tally()
    tally.add(P)
    tally.add("late")
    assert (tally.present, tally.late, tally.expected) == (1, 1, 2)
    with pytest.raises(ValueError):
        tally.add("holiday")
