"""Admins see what the system records: the audit log with filters and readable before → after, and backups."""

from __future__ import annotations

from cadre import audit
from cadre.extensions import db
from cadre.models import Role
from tests.factories import login, make_cohort, make_user


def _events():
    admin = make_user(Role.ADMIN, username="boss", display_name="王主任")
    organizer = make_user(Role.ORGANIZER, username="org", display_name="李老师")
    cohort = make_cohort(organizers=[organizer], name="青蓝接力")
    audit.record(
        "enrollment.updated",
        cohort,
        before={"group": "第一组"},
        after={"group": "第二组"},
        cohort_id=cohort.id,
        actor_id=organizer.id,
    )
    audit.record("account.created", cohort, after={"created": 3}, cohort_id=cohort.id, actor_id=admin.id)
    audit.record(
        "database.backup",
        object_type="database",
        after={
            "file": "/srv/b/cadre-2025-06-01.sqlite3",
            "dialect": "sqlite",
            "format": "sqlite",
            "bytes": 2097152,
        },
    )
    db.session.commit()
    return cohort


def listed(client, url: str) -> str:
    """The event list of the page (the filter's select names every action too)."""
    return client.get(url).get_data(as_text=True).split('class="list-unstyled mb-0 audit-events"', 1)[1]


def test_admin_reads_the_audit_log_before_and_after(client, app):
    _events()
    login(client, "boss")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "enrollment.updated" in page and "李老师" in page and "第一组 → <strong>第二组</strong>" in page


def test_audit_log_filters_by_person_action_cohort_and_day(client, app):
    cohort = _events()
    login(client, "boss")
    by_person = listed(client, "/admin/audit?actor=李老师")
    assert "enrollment.updated" in by_person and "account.created" not in by_person
    by_action = listed(client, "/admin/audit?action=account")
    assert "account.created" in by_action and "enrollment.updated" not in by_action
    by_cohort = listed(client, f"/admin/audit?cohort={cohort.id}")
    assert "database.backup" not in by_cohort and "account.created" in by_cohort
    none_that_day = listed(client, "/admin/audit?day=2001-01-01")
    assert "没有符合条件的记录" in none_that_day
    bad_day = client.get("/admin/audit?day=not-a-day")
    assert bad_day.status_code == 200 and "日期格式应为" in bad_day.get_data(as_text=True)


def test_backups_page_lists_recorded_backups_and_says_how(client, app):
    _events()
    login(client, "boss")
    page = client.get("/admin/backups").get_data(as_text=True)
    assert "cadre-2025-06-01.sqlite3" in page and "2.0 MB" in page and "cadre backup --output" in page


def test_organizers_and_trainees_may_not_see_the_audit_log(client, app):
    _events()
    login(client, "org")
    assert client.get("/admin/audit").status_code == 403
    assert client.get("/admin/backups").status_code == 403
