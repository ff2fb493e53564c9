"""Cohort phases and enrollment standings come from the dates: a finished class never reads as current."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cadre.enums import CohortPhase, EnrollmentStanding, EnrollmentStatus
from cadre.models import Role
from cadre.models.types import local_today
from cadre.rules.phases import cohort_phase, enrollment_standing
from tests.factories import login, make_cohort, make_trainee_user, make_user

TODAY = date(2025, 6, 1)


@pytest.mark.parametrize(
    ("start", "end", "archived", "phase"),
    [
        (date(2025, 6, 2), date(2025, 6, 27), False, CohortPhase.UPCOMING),
        (None, None, False, CohortPhase.UPCOMING),
        (date(2025, 6, 1), date(2025, 6, 27), False, CohortPhase.RUNNING),  # first day
        (date(2025, 5, 9), date(2025, 6, 1), False, CohortPhase.RUNNING),  # last day
        (date(2025, 5, 9), None, False, CohortPhase.RUNNING),  # open-ended
        (date(2025, 5, 9), date(2025, 5, 31), False, CohortPhase.ENDED),
        (date(2025, 5, 9), date(2025, 6, 27), True, CohortPhase.ARCHIVED),  # archiving wins over dates
    ],
)
def test_cohort_phase_from_dates(start, end, archived, phase):
    assert cohort_phase(start, end, archived=archived, today=TODAY) is phase


@pytest.mark.parametrize(
    ("status", "phase", "completed", "standing"),
    [
        (EnrollmentStatus.ACTIVE, CohortPhase.UPCOMING, None, EnrollmentStanding.ACTIVE),
        (EnrollmentStatus.ACTIVE, CohortPhase.RUNNING, None, EnrollmentStanding.ACTIVE),
        (EnrollmentStatus.ACTIVE, CohortPhase.ENDED, None, EnrollmentStanding.ENDED),
        (EnrollmentStatus.ACTIVE, CohortPhase.ARCHIVED, None, EnrollmentStanding.ENDED),
        (EnrollmentStatus.ACTIVE, CohortPhase.ENDED, True, EnrollmentStanding.COMPLETED),
        (EnrollmentStatus.ACTIVE, CohortPhase.ENDED, False, EnrollmentStanding.NOT_COMPLETED),
        (EnrollmentStatus.ACTIVE, CohortPhase.RUNNING, True, EnrollmentStanding.ACTIVE),  # mid-class
        (EnrollmentStatus.WITHDRAWN, CohortPhase.RUNNING, None, EnrollmentStanding.WITHDRAWN),
        (EnrollmentStatus.WITHDRAWN, CohortPhase.ENDED, True, EnrollmentStanding.WITHDRAWN),
        ("withdrawn", CohortPhase.ENDED, None, EnrollmentStanding.WITHDRAWN),  # plain strings too
    ],
)
def test_enrollment_standing(status, phase, completed, standing):
    assert enrollment_standing(status, phase, completed=completed) is standing


@pytest.fixture
def ended_class(app):
    """青蓝接力 as it is after 27 June: its dates are over, nobody archived it."""
    organizer = make_user(Role.ORGANIZER, username="org")
    today = local_today()
    cohort = make_cohort(
        organizers=[organizer],
        name="青蓝接力",
        code="QLJL",
        start_date=today - timedelta(days=50),
        end_date=today - timedelta(days=3),
    )
    user = make_trainee_user(cohort=cohort, name="张三", phone="13812345678")
    return cohort, user


def test_ended_class_reads_ended_on_cohort_pages_and_the_record(client, ended_class):
    cohort, user = ended_class
    login(client, "org")
    detail = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "已结束" in detail and "进行中" not in detail
    index = client.get("/cohorts/").get_data(as_text=True)
    assert "已结束" in index
    record = client.get(f"/trainees/{user.trainee.id}/record").get_data(as_text=True)
    assert "已结束" in record and "在训" not in record and "在读" not in record


def test_running_and_upcoming_classes_read_so(client, app):
    organizer = make_user(Role.ORGANIZER, username="org")
    today = local_today()
    soon = today + timedelta(days=5)
    running = make_cohort(organizers=[organizer], code="RUN", start_date=today, end_date=soon)
    upcoming = make_cohort(
        organizers=[organizer], code="NEXT", start_date=today + timedelta(days=1), end_date=soon
    )
    user = make_trainee_user(cohort=running, name="李四", phone="13812345679")
    login(client, "org")
    assert "进行中" in client.get(f"/cohorts/{running.id}").get_data(as_text=True)
    assert "未开班" in client.get(f"/cohorts/{upcoming.id}").get_data(as_text=True)
    assert "在训" in client.get(f"/trainees/{user.trainee.id}/record").get_data(as_text=True)


def test_english_shows_ended_not_active_for_a_finished_class(client, ended_class):
    cohort, user = ended_class
    login(client, "org")
    client.post("/language", data={"lang": "en", "next": "/"})
    record = client.get(f"/trainees/{user.trainee.id}/record").get_data(as_text=True)
    assert "Ended" in record and "Active" not in record


def test_withdrawn_trainee_reads_withdrawn_in_an_ended_class(client, ended_class):
    cohort, user = ended_class
    enrollment = user.trainee.enrollments[0]
    enrollment.status = EnrollmentStatus.WITHDRAWN
    enrollment.withdrawn_on = cohort.start_date
    from cadre.extensions import db

    db.session.commit()
    login(client, "org")
    assert "退训" in client.get(f"/trainees/{user.trainee.id}/record").get_data(as_text=True)
