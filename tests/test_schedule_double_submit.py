"""A session form sent twice (double tap, retry, back button) puts the session on the timetable once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from cadre.extensions import db
from cadre.models import Role, TrainingSession
from tests.factories import login, make_cohort, make_user
from tests.race_support import at_the_same_moment, organizers_of_one_cohort
from tests.test_schedule_web import form


def count() -> int:
    db.session.rollback()  # read what is committed now
    return db.session.scalar(select(func.count()).select_from(TrainingSession))


@pytest.fixture
def cohort(client):
    user = make_user(Role.ORGANIZER)
    login(client, user.username)
    return make_cohort(organizers=[user], start_date=date(2025, 5, 9), end_date=date(2025, 6, 27))


def test_the_same_new_session_sent_twice_is_saved_once_and_the_second_is_told_why(client, cohort):
    url = f"/cohorts/{cohort.id}/schedule/new"
    assert client.post(url, data=form()).status_code == 302
    again = client.post(url, data=form(), follow_redirects=True).get_data(as_text=True)
    assert count() == 1
    assert "可能是重复提交" in again


def test_a_weekly_series_sent_twice_is_saved_once(client, cohort):
    url = f"/cohorts/{cohort.id}/schedule/new"
    client.post(url, data=form(repeat_until="2025-05-30"))
    client.post(url, data=form(repeat_until="2025-05-30"))
    assert count() == 4


def test_a_session_of_another_title_or_after_a_cancellation_is_not_a_duplicate(client, cohort):
    url = f"/cohorts/{cohort.id}/schedule/new"
    client.post(url, data=form())
    client.post(url, data=form(title="分组研讨"))  # parallel groups: same time, another session
    assert count() == 2
    first = db.session.scalar(select(TrainingSession).order_by(TrainingSession.id))
    client.post(f"/sessions/{first.id}/cancel", data={"reason": "讲师临时有事"})
    client.post(url, data=form())  # planned again after the cancellation
    assert count() == 3


def test_two_copies_sent_at_the_same_moment_leave_one_session(file_app):
    cohort, (first, second) = organizers_of_one_cohort(file_app)
    url = f"/cohorts/{cohort.id}/schedule/new"
    outcomes = at_the_same_moment(
        file_app,
        lambda: first.post(url, data=form()).status_code,
        lambda: second.post(url, data=form()).status_code,
    )
    assert all(not isinstance(o, Exception) and o in (200, 302) for o in outcomes), outcomes
    assert count() == 1
