"""从本班名单中删除 and 归档 ask first: a second step says what will happen; nothing changes before it."""

from __future__ import annotations

from sqlalchemy import func, select

from cadre.extensions import db
from cadre.models import Cohort, Enrollment, Role
from tests.factories import enroll, login, make_cohort, make_trainee, make_user


def _setup(client):
    organizer = make_user(Role.ORGANIZER, username="org")
    cohort = make_cohort(organizers=[organizer], name="青蓝接力")
    e = enroll(cohort, make_trainee(name="张伟"))
    login(client, "org")
    return cohort, e


def enrollments() -> int:
    return db.session.scalar(select(func.count()).select_from(Enrollment))


def test_remove_asks_first_and_names_the_person(client, app):
    cohort, e = _setup(client)
    response = client.post(f"/cohorts/{cohort.id}/enrollments/{e.id}/remove")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "从本班名单中删除 张伟？" in page and "学员档案和其他培训班的记录保留" in page
    assert 'name="confirmed" type="hidden" value="1"' in page
    assert enrollments() == 1  # nothing removed yet


def test_remove_happens_after_the_confirmation(client, app):
    cohort, e = _setup(client)
    response = client.post(
        f"/cohorts/{cohort.id}/enrollments/{e.id}/remove", data={"confirmed": "1"}, follow_redirects=True
    )
    assert "已将 张伟 从本班名单中删除" in response.get_data(as_text=True)
    assert enrollments() == 0


def test_archive_asks_first_and_says_what_it_does(client, app):
    cohort, _ = _setup(client)
    page = client.post(f"/cohorts/{cohort.id}/archive").get_data(as_text=True)
    assert "归档“青蓝接力”？" in page and "变为只读" in page and "确认归档" in page
    assert db.session.get(Cohort, cohort.id).archived_at is None
    client.post(f"/cohorts/{cohort.id}/archive", data={"confirmed": "1"})
    db.session.expire_all()
    assert db.session.get(Cohort, cohort.id).archived_at is not None


def test_the_confirmation_step_reads_in_english(client, app):
    cohort, e = _setup(client)
    client.post("/language", data={"lang": "en", "next": "/"})
    page = client.post(f"/cohorts/{cohort.id}/enrollments/{e.id}/remove").get_data(as_text=True)
    assert (
        "Remove 张伟 from this cohort&#39;s roster?" in page
        or "Remove 张伟 from this cohort's roster?" in page
    )
