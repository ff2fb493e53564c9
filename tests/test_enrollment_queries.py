"""Roster pages issue a bounded number of queries whatever the size of the cohort."""

import pytest

from cadre.extensions import db
from cadre.models import ClassRole, Enrollment, EnrollmentStatus, Trainee
from tests.factories import make_cohort

GROUPS = ["第一组", "第二组", "第三组", "第四组", "第五组"]


def fill_cohort(cohort, n: int) -> None:
    trainees = [
        Trainee(name=f"学员{i:03d}", phone=f"139{cohort.id:02d}{i:06d}", community=f"第{i % 7}居民区")
        for i in range(n)
    ]
    db.session.add_all(trainees)
    db.session.flush()
    for i, t in enumerate(trainees):
        role = ClassRole.MONITOR if i == 0 else ClassRole.GROUP_LEADER if i % 20 == 1 else ClassRole.MEMBER
        status = EnrollmentStatus.WITHDRAWN if i % 33 == 5 else EnrollmentStatus.ACTIVE
        db.session.add(
            Enrollment(
                cohort_id=cohort.id, trainee_id=t.id, group=GROUPS[i % 5], class_role=role, status=status
            )
        )
    db.session.commit()


def queries_for(count_queries, client, path: str) -> int:
    db.session.expire_all()
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(statements)


@pytest.mark.parametrize(
    "page",
    [
        "/cohorts/{id}/enrollments",
        "/cohorts/{id}/enrollments?group=第二组",
        "/cohorts/{id}",
        "/cohorts/{id}/enrollments/add?q=学员",
    ],
)
def test_roster_pages_query_count_does_not_grow_with_the_cohort(client, organizer, count_queries, page):
    small = make_cohort(organizers=[organizer])
    large = make_cohort(organizers=[organizer])
    fill_cohort(small, 10)
    fill_cohort(large, 100)
    small_count = queries_for(count_queries, client, page.format(id=small.id))
    large_count = queries_for(count_queries, client, page.format(id=large.id))
    assert large_count == small_count
    assert large_count <= 12


def test_enrollment_page_with_100_trainees_renders_them_all(client, organizer, count_queries):
    cohort = make_cohort(organizers=[organizer])
    fill_cohort(cohort, 100)
    db.session.expire_all()
    with count_queries() as statements:
        page = client.get(f"/cohorts/{cohort.id}/enrollments").get_data(as_text=True)
    assert page.count('name="ids"') == 100
    assert len(statements) <= 10, statements
