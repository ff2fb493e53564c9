"""A cohort's change history: its organizers see who changed what in their class, and not other classes."""

from __future__ import annotations

from cadre import audit
from cadre.extensions import db
from cadre.models import Role
from tests.factories import login, make_cohort, make_user


def test_organizers_see_their_cohorts_changes_with_before_and_after_and_not_other_cohorts(client):
    organizer = make_user(Role.ORGANIZER, display_name="林晓岚")
    mine = make_cohort(organizers=[organizer], name="青蓝接力培训班")
    other = make_cohort(name="别的培训班")
    audit.record(
        "cohort.updated", mine, before={"name": "旧班名"}, after={"name": "青蓝接力培训班"}, cohort_id=mine.id
    )
    audit.record(
        "cohort.updated", other, before={"name": "甲"}, after={"name": "别人的改动"}, cohort_id=other.id
    )
    db.session.commit()
    login(client, organizer.username)

    page = client.get(f"/cohorts/{mine.id}/history").get_data(as_text=True)
    assert "旧班名" in page and "青蓝接力培训班" in page
    assert "别人的改动" not in page
    assert client.get(f"/cohorts/{other.id}/history").status_code == 403
    assert f"/cohorts/{mine.id}/history" in client.get(f"/cohorts/{mine.id}").get_data(as_text=True)


def test_a_long_history_pages_within_the_cohort(client):
    organizer = make_user(Role.ORGANIZER)
    cohort = make_cohort(organizers=[organizer])
    for i in range(55):
        audit.record(
            "cohort.updated",
            cohort,
            before={"name": f"名{i}"},
            after={"name": f"名{i + 1}"},
            cohort_id=cohort.id,
        )
    db.session.commit()
    login(client, organizer.username)
    first = client.get(f"/cohorts/{cohort.id}/history").get_data(as_text=True)
    assert f"/cohorts/{cohort.id}/history?page=2" in first
    second = client.get(f"/cohorts/{cohort.id}/history?page=2").get_data(as_text=True)
    assert "名0" in second and "名54" not in second
