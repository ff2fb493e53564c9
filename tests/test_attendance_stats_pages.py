"""Statistics pages: per session, trainee, group and community; the matrix on screen and as .xlsx."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from cadre.extensions import db
from cadre.models import AttendanceRecord, AttendanceStatus, LeaveRequest, LeaveStatus, Role
from tests.factories import enroll, login, make_cohort, make_session, make_trainee, make_user


def _build(org, trainees: int, sessions: int):
    cohort = make_cohort(organizers=[org])
    now = datetime.now(UTC)
    held = [
        make_session(
            cohort,
            title=f"课{i}",
            starts_at=now - timedelta(days=sessions - i + 1),
            credit_hours=Decimal("2"),
        )
        for i in range(sessions)
    ]
    make_session(cohort, title="将来的课", starts_at=now + timedelta(days=3), credit_hours=Decimal("2"))
    people = []
    for i in range(trainees):
        t = make_trainee(name=f"学员{i:03d}", community="慧华苑" if i % 2 else "=HYPERLINK(1)")
        enroll(cohort, t, group=f"第{i % 3 + 1}组")
        people.append(t)
    for i, t in enumerate(people):
        for j, s in enumerate(held):
            if (i + j) % 4:
                db.session.add(
                    AttendanceRecord(session_id=s.id, trainee_id=t.id, status=AttendanceStatus.PRESENT)
                )
        db.session.add(
            LeaveRequest(session_id=held[0].id, trainee_id=t.id, reason="x", status=LeaveStatus.PENDING)
        )
    db.session.commit()
    return cohort, held, people


@pytest.fixture
def org(app):
    return make_user(Role.ORGANIZER)


def test_numbers_per_session_trainee_group_and_community(client, org):
    cohort, held, people = _build(org, trainees=4, sessions=2)
    login(client, org.username)
    page = client.get(f"/cohorts/{cohort.id}/attendance").get_data(as_text=True)
    per_session = page.split('id="per-session"')[1].split("</table>")[0]
    # 课0: trainees 1, 2, 3 present (i+0 % 4 != 0), trainee 0 absent → 3 of 4.
    assert "75.0%" in per_session
    assert "第1组" in page and "第2组" in page and "慧华苑" in page
    matrix = page.split('id="matrix"')[1]
    assert matrix.count('class="att-absent"') == 2  # (0, 课0) and (3, 课1)
    assert "<td>4.0</td><td>6.0</td>" in matrix  # two held sessions earned of six hours in all


def test_matrix_xlsx_is_an_attachment_with_formulas_neutralised(client, org):
    cohort, held, people = _build(org, trainees=2, sessions=2)
    login(client, org.username)
    response = client.get(f"/cohorts/{cohort.id}/attendance.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "姓名" and rows[0][-1] == "出勤率（百分数）"
    assert rows[1][0] == "学员000" and rows[1][2] == "'=HYPERLINK(1)"
    assert rows[1][3] == "缺勤" and rows[1][4] == "出勤" and rows[1][5] == "未签到"
    assert rows[1][-3:] == (2.0, 6.0, 50.0)


@pytest.mark.parametrize(
    "url", ["/cohorts/{id}/attendance", "/cohorts/{id}/attendance.xlsx", "/sessions/{sid}/rollcall"]
)
def test_pages_issue_the_same_number_of_queries_at_any_size(client, org, count_queries, url):
    counts = []
    login(client, org.username)
    for trainees, sessions in ((3, 2), (24, 6)):
        cohort, held, _ = _build(org, trainees, sessions)
        address = url.format(id=cohort.id, sid=held[0].id)
        client.get(address)  # warm up: the login's own queries are not the page's
        with count_queries() as statements:
            assert client.get(address).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
