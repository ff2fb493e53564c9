"""The working-day calendar the schedule warns with: weekends, public holidays and 调休 days.

Dates are checked against the State Council's notices for 2025 and 2026 (国办发明电〔2024〕12号,
〔2025〕7号) as carried by the chinese-calendar package.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cadre.rules.holidays import DayKind, day_status, is_known_year, known_years


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.mark.parametrize(
    "day",
    [
        "2025-01-26",  # Sun before 春节
        "2025-02-08",  # Sat after 春节
        "2025-04-27",  # Sun before 劳动节
        "2025-09-28",  # Sun before 国庆节
        "2025-10-11",  # Sat after 国庆节
        "2026-01-04",  # Sun after 元旦
        "2026-02-14",  # Sat before 春节
        "2026-02-28",  # Sat after 春节
        "2026-05-09",  # Sat after 劳动节
        "2026-09-20",  # Sun before 国庆节
        "2026-10-10",  # Sat after 国庆节
    ],
)
def test_adjusted_weekend_days_are_working_days(day):
    status = day_status(d(day))
    assert d(day).weekday() >= 5
    assert status.kind is DayKind.ADJUSTED_WORKDAY
    assert status.is_workday is True


def test_adjusted_days_name_the_holiday_they_pay_for():
    assert day_status(d("2025-04-27")).holiday_name == "劳动节"
    assert day_status(d("2025-09-28")).holiday_key == "national_day"


@pytest.mark.parametrize("n", range(5))
def test_labour_day_2025_is_five_days_off_weekend_included(n):
    status = day_status(d("2025-05-01") + timedelta(days=n))
    assert status.kind is DayKind.HOLIDAY
    assert status.is_workday is False
    assert status.holiday_key == "labour_day"
    assert status.holiday_name == "劳动节"


def test_the_day_after_labour_day_2025_is_a_working_day():
    assert day_status(d("2025-05-06")).kind is DayKind.WORKDAY


@pytest.mark.parametrize("n", range(8))
def test_national_day_2025_runs_eight_days_with_mid_autumn(n):
    day = d("2025-10-01") + timedelta(days=n)
    status = day_status(day)
    assert status.kind is DayKind.HOLIDAY
    expected = "mid_autumn_festival" if day == d("2025-10-06") else "national_day"
    assert status.holiday_key == expected


@pytest.mark.parametrize(
    ("day", "key"),
    [
        ("2025-01-01", "new_years_day"),
        ("2025-01-28", "spring_festival"),
        ("2025-02-04", "spring_festival"),
        ("2025-04-04", "tomb_sweeping_day"),
        ("2025-06-02", "dragon_boat_festival"),
        ("2026-01-02", "new_years_day"),
        ("2026-02-23", "spring_festival"),
        ("2026-04-06", "tomb_sweeping_day"),
        ("2026-05-05", "labour_day"),
        ("2026-06-19", "dragon_boat_festival"),
        ("2026-09-25", "mid_autumn_festival"),
        ("2026-10-07", "national_day"),
    ],
)
def test_public_holidays(day, key):
    status = day_status(d(day))
    assert status.kind is DayKind.HOLIDAY
    assert status.holiday_key == key


@pytest.mark.parametrize(("day", "kind"), [("2025-05-10", DayKind.WEEKEND), ("2025-05-11", DayKind.WEEKEND)])
def test_plain_weekends_are_days_off(day, kind):
    status = day_status(d(day))
    assert status.kind is kind
    assert status.is_workday is False
    assert status.holiday_name is None


def test_plain_weekdays_are_working_days():
    for day in ("2025-05-09", "2025-06-03", "2026-05-08", "2026-10-09"):
        status = day_status(d(day))
        assert status.kind is DayKind.WORKDAY, day
        assert status.is_workday is True


def test_counts_of_days_off_in_2025_match_the_notice():
    days = [d("2025-01-01") + timedelta(days=n) for n in range(365)]
    kinds = [day_status(x).kind for x in days]
    # 2025: 28 holiday days off (incl. weekends inside holidays), 5 adjusted working weekend days.
    assert kinds.count(DayKind.HOLIDAY) == 28
    assert kinds.count(DayKind.ADJUSTED_WORKDAY) == 5
    # 261 weekdays − 18 holiday weekdays (10 of the 28 days off fall on weekends) + 5 adjusted = 248.
    assert sum(1 for k in kinds if k in (DayKind.WORKDAY, DayKind.ADJUSTED_WORKDAY)) == 248


def test_a_year_beyond_the_package_is_unknown_not_guessed():
    years = known_years()
    beyond = date(years.stop, 1, 1)  # 1 January is 元旦 every year: a guess would say holiday
    status = day_status(beyond)
    assert status.kind is DayKind.UNKNOWN
    assert status.is_workday is None
    assert not is_known_year(years.stop)
    assert day_status(date(years.start - 1, 10, 1)).kind is DayKind.UNKNOWN


def test_known_years_cover_2025_and_2026():
    assert is_known_year(2025)
    assert is_known_year(2026)

