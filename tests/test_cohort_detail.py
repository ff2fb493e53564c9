"""The cohort page leads managers to every management feature, and nobody else."""

from cadre.models import Role
from tests.factories import enroll, login, make_cohort, make_trainee, make_trainee_user, make_user

MANAGEMENT_LINKS = ("/enrollments", "/import", "/roster.xlsx", "/trainees/accounts/cohort/", "/edit")


def test_manager_sees_links_to_roster_import_export_accounts_and_edit(client):
    organizer = make_user(Role.ORGANIZER)
    cohort = make_cohort(organizers=[organizer])
    trainee = make_trainee(name="王芳")
    enroll(cohort, trainee)
    login(client, organizer.username)
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    for link in MANAGEMENT_LINKS:
        assert link in page, link
    assert f"/trainees/{trainee.id}" in page  # names lead to the person


def test_trainee_sees_the_cohort_without_management_links(client):
    cohort = make_cohort()
    user = make_trainee_user(cohort)
    login(client, user.username)
    response = client.get(f"/cohorts/{cohort.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for link in MANAGEMENT_LINKS:
        assert f"/cohorts/{cohort.id}{link}" not in page
    assert "/trainees/accounts/cohort/" not in page


def test_archived_cohort_offers_no_import(client):
    from datetime import UTC, datetime

    organizer = make_user(Role.ORGANIZER)
    cohort = make_cohort(organizers=[organizer], archived_at=datetime(2025, 7, 1, tzinfo=UTC))
    login(client, organizer.username)
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert f"/cohorts/{cohort.id}/import" not in page
    assert f"/cohorts/{cohort.id}/roster.xlsx" in page
