"""Schedule rules over plain values: clashes, holidays, time checks, 学时, series, shifts, copies, grids."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from cadre.demo_data import COHORT, SESSIONS
from cadre.enums import SessionKind
from cadre.rules.holidays import known_years
from cadre.rules.schedule import (
    LOCAL_TZ,
    CohortDates,
    ScheduleRuleError,
    SlotValue,
    blocking,
    check_candidate,
    check_cohort,
    credit_hours,
    local_date,
    overlaps,
    validate_times,
)
from cadre.rules.schedule_moves import copy_offset, copy_plan, shift_plan, weekly_series
from cadre.rules.timetable_grid import group_by_local_date, next_session, week_grid

QLJL = CohortDates(1, date(2025, 5, 9), date(2025, 6, 27), 45)


def at(text: str) -> datetime:
    """A Shanghai wall-clock time, e.g. at("2025-05-09 09:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)


def slot(id, start, end, *, cohort_id=1, kind=SessionKind.LECTURE, **kwargs) -> SlotValue:
    return SlotValue(id, cohort_id, f"课程{id}", kind, at(start), at(end), **kwargs)


def codes(problems) -> list[tuple]:
    return [(p.code, p.session_id, p.other_id) for p in problems]


# --------------------------------------------------------------------------- overlaps and clashes


def test_adjacent_sessions_do_not_overlap():
    a = slot(1, "2025-05-09 09:00", "2025-05-09 10:00", venue_id=7)
    b = slot(2, "2025-05-09 10:00", "2025-05-09 11:00", venue_id=7)
    assert not overlaps(a, b)
    assert check_candidate(b, [a], QLJL) == []


def test_one_minute_of_overlap_counts():
    a = slot(1, "2025-05-09 09:00", "2025-05-09 10:01")
    b = slot(2, "2025-05-09 10:00", "2025-05-09 11:00")
    assert overlaps(a, b) and overlaps(b, a)


def test_same_venue_in_another_cohort_blocks():
    booked = slot(10, "2025-05-09 09:30", "2025-05-09 11:00", cohort_id=2, venue_id=7)
    candidate = slot(1, "2025-05-09 09:00", "2025-05-09 10:00", venue_id=7)
    problems = check_candidate(candidate, [booked], QLJL)
    assert codes(problems) == [("venue_clash", 1, 10)]
    assert problems[0].severity == "block"
    assert problems[0].params == {"venue_id": 7}
    assert blocking(problems) == problems


def test_same_speaker_in_another_cohort_blocks_once_per_shared_speaker():
    booked = slot(10, "2025-05-09 09:30", "2025-05-09 11:00", cohort_id=2, speaker_ids=(3, 4, 5))
    candidate = slot(1, "2025-05-09 09:00", "2025-05-09 10:00", speaker_ids=(5, 3))
    problems = check_candidate(candidate, [booked], QLJL)
    assert [(p.code, p.params["speaker_id"], p.severity) for p in problems] == [
        ("speaker_clash", 3, "block"),
        ("speaker_clash", 5, "block"),
    ]


def test_two_sessions_of_one_cohort_overlapping_only_warn():
    a = slot(1, "2025-05-09 09:00", "2025-05-09 10:00", venue_id=7)
    b = slot(2, "2025-05-09 09:30", "2025-05-09 11:00", venue_id=8)
    problems = check_candidate(b, [a], QLJL)
    assert codes(problems) == [("cohort_overlap", 2, 1)]
    assert problems[0].severity == "warn"
    assert blocking(problems) == []


def test_different_cohorts_different_venues_and_speakers_do_not_clash():
    a = slot(1, "2025-05-09 09:00", "2025-05-09 10:00", venue_id=7, speaker_ids=(1,))
    b = slot(2, "2025-05-09 09:00", "2025-05-09 10:00", cohort_id=2, venue_id=8, speaker_ids=(2,))
    assert check_candidate(b, [a]) == []


def test_sessions_without_a_venue_never_clash_on_venue():
    a = slot(1, "2025-05-09 13:30", "2025-05-09 16:30", cohort_id=2, kind=SessionKind.SITE_VISIT)
    b = slot(2, "2025-05-09 13:30", "2025-05-09 16:30", kind=SessionKind.SITE_VISIT)
    assert check_candidate(b, [a]) == []


def test_cancelled_sessions_never_clash():
    booked = slot(10, "2025-05-09 09:00", "2025-05-09 10:00", cohort_id=2, venue_id=7, cancelled=True)
    candidate = slot(1, "2025-05-09 09:00", "2025-05-09 10:00", venue_id=7)
    assert check_candidate(candidate, [booked], QLJL) == []
    cancelled_candidate = slot(1, "2025-05-10 09:00", "2025-05-10 10:00", venue_id=7, cancelled=True)
    live = slot(10, "2025-05-10 09:00", "2025-05-10 10:00", cohort_id=2, venue_id=7)
    # A cancelled session gets no clash and no weekend warning either.
    assert check_candidate(cancelled_candidate, [live], QLJL) == []


def test_an_edited_session_does_not_clash_with_its_saved_self():
    saved = slot(1, "2025-05-09 09:00", "2025-05-09 10:00", venue_id=7, speaker_ids=(3,))
    edited = slot(1, "2025-05-09 09:15", "2025-05-09 10:15", venue_id=7, speaker_ids=(3,))
    assert check_candidate(edited, [saved], QLJL) == []


def test_a_new_session_without_id_is_checked_against_all():
    saved = slot(1, "2025-05-09 09:00", "2025-05-09 10:00", venue_id=7)
    new = slot(None, "2025-05-09 09:15", "2025-05-09 10:15", venue_id=7)
    assert [p.code for p in check_candidate(new, [saved], QLJL)] == ["venue_clash", "cohort_overlap"]


# --------------------------------------------------------------------------- dates, weekends, holidays


def test_outside_the_cohorts_dates_warns_with_the_dates():
    before = slot(1, "2025-05-08 09:00", "2025-05-08 10:00")
    after = slot(2, "2025-06-30 09:00", "2025-06-30 10:00")
    inside = slot(3, "2025-06-27 09:00", "2025-06-27 10:00")
    (problem,) = check_candidate(before, [], QLJL)
    assert problem.code == "outside_cohort" and problem.severity == "warn"
    assert problem.params == {
        "day": date(2025, 5, 8),
        "first_day": date(2025, 5, 9),
        "last_day": date(2025, 6, 27),
    }
    assert [p.code for p in check_candidate(after, [], QLJL)] == ["outside_cohort"]
    assert check_candidate(inside, [], QLJL) == []


def test_a_cohort_without_an_end_date_has_no_upper_bound():
    open_ended = CohortDates(1, date(2025, 5, 9), None)
    assert check_candidate(slot(1, "2025-12-02 09:00", "2025-12-02 10:00"), [], open_ended) == []
    (problem,) = check_candidate(slot(1, "2025-05-08 09:00", "2025-05-08 10:00"), [], open_ended)
    assert problem.params["last_day"] is None


def test_the_cohort_dates_are_local_dates():
    # 2025-05-09 07:30 in Shanghai is still 8 May in UTC: inside the cohort.
    early = slot(1, "2025-05-09 07:30", "2025-05-09 08:30")
    assert early.starts_at.astimezone(UTC).date() == date(2025, 5, 8)
    assert check_candidate(early, [], QLJL) == []


def test_a_plain_saturday_warns_weekend():
    (problem,) = check_candidate(slot(1, "2025-05-10 09:00", "2025-05-10 10:00"), [], QLJL)
    assert (problem.code, problem.severity, problem.params) == ("weekend", "warn", {"day": date(2025, 5, 10)})


@pytest.mark.parametrize("day", ["2025-04-27", "2025-09-28", "2025-10-11", "2026-05-09"])
def test_adjusted_working_weekend_days_give_no_warning(day):
    assert check_candidate(slot(1, f"{day} 09:00", f"{day} 10:00"), []) == []


@pytest.mark.parametrize(
    ("day", "key", "name"),
    [
        ("2025-05-01", "labour_day", "劳动节"),  # Thursday
        ("2025-05-03", "labour_day", "劳动节"),  # Saturday: a holiday, not also a weekend
        ("2025-05-05", "labour_day", "劳动节"),  # Monday
        ("2025-10-01", "national_day", "国庆节"),
        ("2025-10-08", "national_day", "国庆节"),  # Wednesday
        ("2026-10-05", "national_day", "国庆节"),
    ],
)
def test_public_holidays_warn_with_their_name(day, key, name):
    (problem,) = check_candidate(slot(1, f"{day} 09:00", f"{day} 10:00"), [])
    assert problem.code == "holiday" and problem.severity == "warn"
    assert problem.params == {"day": date.fromisoformat(day), "holiday_key": key, "holiday_name": name}


def test_a_session_over_midnight_is_checked_on_both_days():
    problems = check_candidate(slot(1, "2025-04-30 22:00", "2025-05-01 02:00"), [])
    assert [(p.code, p.params["day"]) for p in problems] == [("holiday", date(2025, 5, 1))]


def test_ending_at_midnight_does_not_touch_the_next_day():
    assert check_candidate(slot(1, "2025-05-09 20:00", "2025-05-10 00:00"), []) == []


def test_a_year_the_calendar_does_not_know_gives_its_own_problem():
    year = known_years().stop  # the first year the package has no notice for
    tuesday = next(date(year, 3, n) for n in range(1, 8) if date(year, 3, n).weekday() == 1)
    saturday = tuesday + timedelta(days=4)
    (problem,) = check_candidate(slot(1, f"{tuesday} 09:00", f"{tuesday} 10:00"), [])
    assert problem.code == "unknown_calendar_year" and problem.severity == "warn"
    assert problem.params == {
        "day": tuesday,
        "year": year,
        "first_year": known_years().start,
        "last_year": year - 1,
    }
    # A Saturday in such a year is still a weekend (it may be a 调休 day: the UI says the year is unknown).
    assert [p.code for p in check_candidate(slot(1, f"{saturday} 09:00", f"{saturday} 10:00"), [])] == [
        "weekend",
        "unknown_calendar_year",
    ]


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        SlotValue(1, 1, "x", SessionKind.LECTURE, datetime(2025, 5, 9, 9), datetime(2025, 5, 9, 10))


# --------------------------------------------------------------------------- the whole cohort ("检查冲突")


def test_whole_cohort_lists_each_problem_once_not_per_pair_direction():
    a = slot(1, "2025-05-09 09:00", "2025-05-09 10:00", venue_id=7, speaker_ids=(3,))
    b = slot(2, "2025-05-09 09:30", "2025-05-09 11:00", venue_id=7, speaker_ids=(3,))
    c = slot(3, "2025-05-09 10:30", "2025-05-09 11:30", venue_id=8)
    problems = check_cohort([c, b, a], QLJL)
    assert codes(problems) == [
        ("venue_clash", 1, 2),
        ("speaker_clash", 1, 2),
        ("cohort_overlap", 1, 2),
        ("cohort_overlap", 2, 3),
    ]


def test_whole_cohort_against_other_cohorts_and_dates():
    own = [
        slot(1, "2025-05-09 09:00", "2025-05-09 10:00", venue_id=7),
        slot(2, "2025-05-10 09:00", "2025-05-10 10:00"),  # Saturday
        slot(3, "2025-07-04 09:00", "2025-07-04 10:00"),  # after the end
        slot(4, "2025-05-16 09:00", "2025-05-16 10:00", venue_id=7, cancelled=True),
    ]
    others = [
        slot(20, "2025-05-09 09:30", "2025-05-09 12:00", cohort_id=2, venue_id=7),
        slot(
            21, "2025-05-16 09:00", "2025-05-16 10:00", cohort_id=2, venue_id=7
        ),  # clashes only a cancelled one
        own[0],  # the caller's query may return the cohort's own sessions too: not doubled
    ]
    problems = check_cohort(own, QLJL, others)
    assert codes(problems) == [
        ("venue_clash", 1, 20),
        ("weekend", 2, None),
        ("outside_cohort", 3, None),
    ]
    assert [p.code for p in blocking(problems)] == ["venue_clash"]


def test_whole_cohort_finds_clashes_between_long_and_later_sessions():
    # A long session overlaps one that starts after a short one in between: the sweep must not stop early.
    long = slot(1, "2025-05-09 09:00", "2025-05-09 17:00", venue_id=7)
    short = slot(2, "2025-05-09 09:30", "2025-05-09 10:00", venue_id=8)
    late = slot(3, "2025-05-09 15:00", "2025-05-09 16:00", venue_id=7)
    assert ("venue_clash", 1, 3) in codes(check_cohort([long, short, late], QLJL))


def test_the_demo_programme_of_qinglan_jieli_is_clean():
    sessions = [
        SlotValue(n, 1, p.title, p.kind, p.starts_at, p.ends_at, venue_id=1 if p.venue else None)
        for n, p in enumerate(SESSIONS, 1)
    ]
    cohort = CohortDates(1, COHORT["start_date"], COHORT["end_date"], COHORT["minutes_per_credit_hour"])
    assert check_cohort(sessions, cohort) == []


# --------------------------------------------------------------------------- times


def test_valid_times_give_no_errors():
    assert validate_times(at("2025-05-09 09:00"), at("2025-05-09 11:30")) == []


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (None, "2025-05-09 10:00", [("starts_at", "required")]),
        ("2025-05-09 10:00", None, [("ends_at", "required")]),
        (None, None, [("starts_at", "required"), ("ends_at", "required")]),
        ("2025-05-09 10:00", "2025-05-09 10:00", [("ends_at", "end_not_after_start")]),
        ("2025-05-09 10:00", "2025-05-09 09:00", [("ends_at", "end_not_after_start")]),
        ("2025-05-09 10:00", "2025-05-10 10:01", [("ends_at", "too_long")]),
        (
            "1999-12-31 09:00",
            "1999-12-31 10:00",
            [("starts_at", "out_of_range"), ("ends_at", "out_of_range")],
        ),
        ("2100-12-31 22:00", "2101-01-01 01:00", [("ends_at", "out_of_range")]),
        ("0025-05-09 09:00", "2025-05-09 10:00", [("starts_at", "out_of_range")]),
    ],
)
def test_refused_times(start, end, expected):
    errors = validate_times(at(start) if start else None, at(end) if end else None)
    assert [(e.field, e.code) for e in errors] == expected


def test_exactly_24_hours_is_allowed_and_messages_get_their_numbers():
    assert validate_times(at("2025-05-09 08:00"), at("2025-05-10 08:00")) == []
    (error,) = validate_times(at("2025-05-09 08:00"), at("2025-05-10 09:00"))
    assert error.params == {"max_hours": 24}
    (error,) = validate_times(at("2101-01-01 08:00"), at("2025-05-10 09:00"))
    assert error.params == {"min_year": 2000, "max_year": 2100}


# --------------------------------------------------------------------------- credit hours


@pytest.mark.parametrize(
    ("minutes", "per", "expected"),
    [
        (120, 45, "2.5"),  # 2.67 → 2.5
        (45, 45, "1.0"),
        (90, 45, "2.0"),
        (135, 45, "3.0"),
        (180, 45, "4.0"),
        (100, 45, "2.0"),  # 2.22 → 2.0
        (110, 45, "2.5"),  # 2.44 → 2.5
        (120, 40, "3.0"),
        (50, 40, "1.5"),  # 1.25: a quarter rounds up
        (75, 60, "1.5"),  # 1.25 → 1.5
        (105, 60, "2.0"),  # 1.75 → 2.0
        (44, 60, "0.5"),  # 0.73 → 0.5
        (10, 45, "0.0"),
        (24 * 60, 45, "32.0"),
    ],
)
def test_credit_hours_round_to_the_nearest_half(minutes, per, expected):
    start = at("2025-05-09 09:00")
    result = credit_hours(start, start + timedelta(minutes=minutes), per)
    assert isinstance(result, Decimal)
    assert str(result) == expected


def test_credit_hours_of_nothing_and_bad_settings():
    start = at("2025-05-09 09:00")
    assert credit_hours(start, start, 45) == Decimal("0")
    assert credit_hours(start, start - timedelta(hours=1), 45) == Decimal("0")
    for bad in (0, -45):
        with pytest.raises(ScheduleRuleError) as err:
            credit_hours(start, start + timedelta(hours=1), bad)
        assert err.value.code == "bad_minutes_per_credit_hour"


def test_credit_hours_match_the_demo_programme():
    for plan in SESSIONS:
        assert credit_hours(plan.starts_at, plan.ends_at, 45) == plan.credit_hours, plan.title


# --------------------------------------------------------------------------- series


def test_weekly_series_until_a_date_inclusive_keeps_weekday_and_local_time():
    occurrences = weekly_series(at("2025-05-09 09:00"), at("2025-05-09 11:15"), date(2025, 6, 20))
    assert len(occurrences) == 7
    for n, (start, end) in enumerate(occurrences):
        local = start.astimezone(LOCAL_TZ)
        assert local.date() == date(2025, 5, 9) + timedelta(weeks=n)
        assert (local.weekday(), local.hour, local.minute) == (4, 9, 0)
        assert end - start == timedelta(hours=2, minutes=15)
        assert start.utcoffset() == timedelta(0)  # returned in UTC, as stored
    assert len(weekly_series(at("2025-05-09 09:00"), at("2025-05-09 10:00"), date(2025, 6, 19))) == 6
    assert len(weekly_series(at("2025-05-09 09:00"), at("2025-05-09 10:00"), date(2025, 5, 9))) == 1


def test_series_uses_the_local_date_of_the_first_session():
    # 07:30 in Shanghai is the previous day in UTC; "until Friday 16 May" still includes that Friday.
    occurrences = weekly_series(at("2025-05-09 07:30"), at("2025-05-09 08:30"), date(2025, 5, 16))
    assert [local_date(s) for s, _ in occurrences] == [date(2025, 5, 9), date(2025, 5, 16)]


def test_series_without_an_end_is_refused():
    with pytest.raises(ScheduleRuleError) as err:
        weekly_series(at("2025-05-09 09:00"), at("2025-05-09 10:00"), None)
    assert err.value.code == "series_no_end"


def test_series_ending_before_it_starts_is_refused():
    with pytest.raises(ScheduleRuleError) as err:
        weekly_series(at("2025-05-09 09:00"), at("2025-05-09 10:00"), date(2025, 5, 8))
    assert err.value.code == "series_end_before_start"


def test_series_of_sixty_is_allowed_and_sixty_one_refused():
    first = at("2025-05-09 09:00")
    sixty = weekly_series(first, first + timedelta(hours=1), date(2025, 5, 9) + timedelta(weeks=59))
    assert len(sixty) == 60
    with pytest.raises(ScheduleRuleError) as err:
        weekly_series(first, first + timedelta(hours=1), date(2025, 5, 9) + timedelta(weeks=60))
    assert (err.value.code, err.value.params) == ("series_too_long", {"count": 61, "max": 60})


# --------------------------------------------------------------------------- shifts


def _series():
    return [
        slot(1, "2025-05-09 09:00", "2025-05-09 10:00", series_id=5),
        slot(2, "2025-05-16 09:00", "2025-05-16 10:00", series_id=5),
        slot(3, "2025-05-23 09:00", "2025-05-23 10:00", series_id=5, cancelled=True),
        slot(4, "2025-06-27 09:00", "2025-06-27 10:00", series_id=5),
        slot(9, "2025-05-16 13:00", "2025-05-16 14:00"),
    ]


def test_shift_one_session_moves_only_that_one():
    plan = shift_plan(_series(), 2, timedelta(hours=1), cohort=QLJL)
    (move,) = plan.moves
    assert move.session_id == 2
    assert move.new_starts_at == at("2025-05-16 10:00")
    assert move.new_ends_at == at("2025-05-16 11:00")
    assert plan.leaving == () and not plan.needs_confirmation


def test_shift_with_the_rest_of_the_series_moves_it_and_later_ones_only():
    plan = shift_plan(_series(), 2, timedelta(days=1), with_rest_of_series=True, cohort=QLJL)
    assert [m.session_id for m in plan.moves] == [2, 3, 4]
    assert [local_date(m.new_starts_at) for m in plan.moves] == [
        date(2025, 5, 17),
        date(2025, 5, 24),
        date(2025, 6, 28),
    ]
    # 28 June is after the cohort's last day: the view asks before saving.
    assert plan.leaving == (4,) and plan.needs_confirmation


def test_shift_of_a_session_outside_any_series_ignores_the_flag():
    plan = shift_plan(_series(), 9, timedelta(days=-14), with_rest_of_series=True, cohort=QLJL)
    assert [m.session_id for m in plan.moves] == [9]
    assert plan.leaving == (9,)  # 16 May → 2 May: before the first day


def test_shift_refuses_nothing_and_unknown_sessions():
    with pytest.raises(ScheduleRuleError) as err:
        shift_plan(_series(), 2, timedelta(0))
    assert err.value.code == "shift_zero"
    with pytest.raises(ScheduleRuleError) as err:
        shift_plan(_series(), 99, timedelta(days=1))
    assert (err.value.code, err.value.params) == ("shift_unknown_session", {"session_id": 99})


def test_shift_out_of_the_sensible_range_is_reported():
    plan = shift_plan(_series(), 1, timedelta(days=365 * 80))
    assert [(sid, e.code) for sid, e in plan.errors] == [(1, "out_of_range"), (1, "out_of_range")]


# --------------------------------------------------------------------------- copy to the next 期次


def test_copy_qinglan_jieli_to_2026_keeps_every_weekday_and_time():
    sessions = [SlotValue(n, 1, p.title, p.kind, p.starts_at, p.ends_at) for n, p in enumerate(SESSIONS, 1)]
    plan = copy_plan(sessions, QLJL, date(2026, 5, 8))
    assert plan.offset == timedelta(weeks=52)
    assert plan.first_day == date(2026, 5, 8)
    assert plan.end_date == date(2026, 6, 26)
    assert len(plan.moves) == len(SESSIONS)
    for move in plan.moves:
        old, new = move.starts_at.astimezone(LOCAL_TZ), move.new_starts_at.astimezone(LOCAL_TZ)
        assert new.weekday() == old.weekday() == 4
        assert new.time() == old.time()
        assert move.new_ends_at - move.new_starts_at == move.ends_at - move.starts_at
        assert date(2026, 5, 8) <= new.date() <= date(2026, 6, 26)


@pytest.mark.parametrize(
    ("new_start", "first_day"),
    [
        (date(2026, 5, 8), date(2026, 5, 8)),  # Friday → that Friday
        (date(2026, 5, 6), date(2026, 5, 8)),  # Wednesday → the Friday after
        (date(2026, 5, 9), date(2026, 5, 15)),  # Saturday → the next Friday: never before the start
        (date(2025, 5, 9), date(2025, 5, 9)),  # same day: no move
        (date(2024, 5, 7), date(2024, 5, 10)),  # backwards works too
    ],
)
def test_copy_offset_is_whole_weeks_to_the_same_weekday_on_or_after_the_new_start(new_start, first_day):
    offset = copy_offset(date(2025, 5, 9), new_start)
    assert offset.days % 7 == 0
    assert date(2025, 5, 9) + offset == first_day


def test_copy_without_old_start_anchors_on_the_first_session():
    sessions = [
        slot(1, "2025-05-16 09:00", "2025-05-16 10:00"),
        slot(2, "2025-05-09 09:00", "2025-05-09 10:00"),
    ]
    plan = copy_plan(sessions, CohortDates(1, None, None), date(2026, 5, 8))
    assert [(m.session_id, m.new_starts_at) for m in plan.moves] == [
        (2, at("2026-05-08 09:00")),
        (1, at("2026-05-15 09:00")),
    ]
    assert plan.end_date is None


# --------------------------------------------------------------------------- timetable helpers


def test_group_by_local_date_uses_shanghai_days():
    late_utc = slot(1, "2025-05-10 07:30", "2025-05-10 08:30")  # 9 May 23:30 UTC
    friday = [
        slot(3, "2025-05-09 13:30", "2025-05-09 16:30"),
        slot(2, "2025-05-09 09:00", "2025-05-09 10:00"),
    ]
    groups = group_by_local_date([late_utc, *friday])
    assert [(day, [s.id for s in items]) for day, items in groups] == [
        (date(2025, 5, 9), [2, 3]),
        (date(2025, 5, 10), [1]),
    ]


def test_week_grid_covers_the_cohort_in_monday_based_weeks():
    sessions = [
        slot(1, "2025-05-09 09:00", "2025-05-09 10:00"),
        slot(2, "2025-06-27 09:00", "2025-06-27 10:00"),
    ]
    weeks = week_grid(QLJL.start_date, QLJL.end_date, sessions)
    assert [w.monday for w in weeks] == [date(2025, 5, 5) + timedelta(weeks=n) for n in range(8)]
    assert all(len(w.days) == 7 and w.days[0].day.weekday() == 0 for w in weeks)
    first = weeks[0]
    assert [d.in_cohort for d in first.days] == [False] * 4 + [True] * 3
    assert [s.id for s in first.days[4].items] == [1]
    assert first.days[5].is_weekend and not first.days[4].is_weekend
    assert [s.id for s in weeks[-1].days[4].items] == [2]
    assert not weeks[-1].days[5].in_cohort


def test_week_grid_stretches_to_show_stray_sessions():
    stray = slot(1, "2025-07-15 09:00", "2025-07-15 10:00")
    weeks = week_grid(QLJL.start_date, QLJL.end_date, [stray])
    assert weeks[-1].monday == date(2025, 7, 14)
    assert [s.id for s in weeks[-1].days[1].items] == [1]
    assert not weeks[-1].days[1].in_cohort


def test_week_grid_without_dates_or_sessions():
    assert week_grid(None, None, []) == []
    weeks = week_grid(None, None, [slot(1, "2025-05-09 09:00", "2025-05-09 10:00")])
    assert len(weeks) == 1 and weeks[0].monday == date(2025, 5, 5)


def test_next_session_is_the_one_under_way_or_the_next_live_one():
    sessions = [
        slot(1, "2025-05-09 09:00", "2025-05-09 10:00"),
        slot(2, "2025-05-09 10:00", "2025-05-09 11:30", cancelled=True),
        slot(3, "2025-05-09 13:30", "2025-05-09 16:30"),
    ]
    assert next_session(sessions, at("2025-05-09 08:00")).id == 1
    assert next_session(sessions, at("2025-05-09 09:59")).id == 1  # under way
    assert next_session(sessions, at("2025-05-09 10:00")).id == 3  # 1 ended, 2 cancelled
    assert next_session(sessions, at("2025-05-09 16:30")) is None


# --------------------------------------------------------------------------- purity


def test_schedule_rules_load_neither_flask_nor_the_database():
    code = (
        "import sys, cadre.rules.schedule, cadre.rules.holidays, cadre.rules.ics\n"
        "web = ('flask', 'flask_babel', 'sqlalchemy', 'cadre')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in web"
        " and not m.startswith(('cadre.rules', 'cadre.enums')) and m != 'cadre'))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
