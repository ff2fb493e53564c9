"""Dates read as an office writes them (5月9日（周五）, 2025年5月9日, 09:00–11:15), in both languages."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask_babel import force_locale

from cadre import dates
from cadre.models import Role
from tests.factories import login, make_cohort, make_session, make_user

START = datetime(2025, 5, 9, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
END = datetime(2025, 5, 9, 3, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("zh", ("5月9日（周五）", "2025年5月9日", "2025年5月9日—6月27日", "09:00–11:15")),
        ("en", ("Fri 9 May", "9 May 2025", "9 May – 27 Jun 2025", "09:00–11:15")),
    ],
)
def test_date_helpers(app, locale, expected):
    with app.test_request_context(), force_locale(locale):
        assert (
            dates.day_label(date(2025, 5, 9)),
            dates.date_label(date(2025, 5, 9)),
            dates.date_range(date(2025, 5, 9), date(2025, 6, 27)),
            dates.time_span(START, END),
        ) == expected


def test_moments_are_shown_in_shanghai_time(app):
    late = datetime(2025, 5, 9, 17, 30, tzinfo=UTC)  # already 10 May in Shanghai
    with app.test_request_context(), force_locale("zh"):
        assert dates.day_label(late) == "5月10日（周六）"
        assert dates.moment_label(late) == "2025年5月10日 01:30"


def test_range_across_years_names_both(app):
    with app.test_request_context(), force_locale("zh"):
        assert dates.date_range(date(2025, 12, 20), date(2026, 1, 9)) == "2025年12月20日—2026年1月9日"


def test_cohort_page_shows_office_dates_not_iso(client, app):
    organizer = make_user(Role.ORGANIZER, username="org")
    cohort = make_cohort(organizers=[organizer], start_date=date(2025, 5, 9), end_date=date(2025, 6, 27))
    make_session(cohort, starts_at=START, ends_at=END)
    login(client, "org")
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "2025年5月9日—6月27日" in page and "5月9日（周五）" in page and "09:00–11:15" in page
    assert "2025-05-09" not in page
