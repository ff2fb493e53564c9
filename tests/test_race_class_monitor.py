"""Two 班主任 naming a 班长 at the same moment leave the cohort with one 班长.

Real threads, one database connection each (`file_app`: a SQLite file, or PostgreSQL
when TEST_DATABASE_URL is set); in-memory SQLite has a single connection, which
serialises the requests and would hide the race. A barrier holds each request at
its first write until both have read the roster. With the cohort locked (SQLite:
BEGIN IMMEDIATE; PostgreSQL: SELECT ... FOR UPDATE on the cohort row) the second
request cannot read before the first has committed: the barrier times out, the
first goes on alone, and the second plans from the roster the first left.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from cadre.extensions import db
from cadre.models import ClassRole, Enrollment
from tests.factories import enroll, make_trainee
from tests.race_support import at_the_same_moment, organizers_of_one_cohort
from tests.upload_support import post_roster


def monitors(cohort_id: int) -> list[int]:
    db.session.rollback()  # SQLite WAL: read what is committed now, not an older snapshot
    return db.session.scalars(
        select(Enrollment.trainee_id).where(
            Enrollment.cohort_id == cohort_id, Enrollment.class_role == ClassRole.MONITOR
        )
    ).all()


def test_two_organizers_naming_a_monitor_at_the_same_moment_leave_one_monitor(file_app):
    cohort, (first, second) = organizers_of_one_cohort(file_app)
    jia = enroll(cohort, make_trainee(name="甲"))
    yi = enroll(cohort, make_trainee(name="乙"))
    cohort_id = cohort.id

    def name_monitor(client, enrollment_id):
        url = f"/cohorts/{cohort_id}/enrollments/{enrollment_id}"
        return lambda: client.post(url, data={"group": "", "class_role": "monitor"}).status_code

    outcomes = at_the_same_moment(file_app, name_monitor(first, jia.id), name_monitor(second, yi.id))

    assert outcomes == [302, 302]  # both saved, one after the other
    assert len(monitors(cohort_id)) == 1


def upload(client, cohort_id: int, data: bytes) -> dict[str, str]:
    """Preview a roster file; the hidden fields of its confirm form."""
    response = post_roster(client, cohort_id, data, "名单.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    return dict(re.findall(r'<input id="(\w+)" name="\w+" type="hidden" value="([^"]*)"', html))


def test_two_imports_naming_a_monitor_at_the_same_moment_leave_one_monitor(file_app):
    cohort, (first, second) = organizers_of_one_cohort(file_app)
    cohort_id = cohort.id
    previews = [
        (first, upload(first, cohort_id, "姓名,联系电话,班级职务\n甲,13800000001,班长\n".encode())),
        (second, upload(second, cohort_id, "姓名,联系电话,班级职务\n乙,13800000002,班长\n".encode())),
    ]

    def confirm(client, fields):
        def post():
            response = client.post(f"/cohorts/{cohort_id}/import/commit", data=fields)
            if response.status_code == 302 and response.headers["Location"].endswith(f"/cohorts/{cohort_id}"):
                return "imported"
            if response.status_code == 409:
                return "preview shown again"
            return f"HTTP {response.status_code}"

        return post

    outcomes = at_the_same_moment(file_app, *(confirm(client, fields) for client, fields in previews))

    # The first import names its 班长; the second would now demote that one, which its
    # preview did not say, so it is shown again instead of being applied.
    assert sorted(outcomes) == ["imported", "preview shown again"]
    assert len(monitors(cohort_id)) == 1
