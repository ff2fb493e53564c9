"""Paper fallback: a printable 签到表 per session, and a keyboard-only screen to record it afterwards."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import render_template
from sqlalchemy import func, select

from cadre.extensions import db
from cadre.models import AttendanceStatus, AuditEvent, ClassRole, Role, SignInMethod
from tests.attendance_support import records_by_trainee
from tests.factories import (
    enroll,
    login,
    make_cohort,
    make_session,
    make_trainee,
    make_trainee_user,
    make_user,
)


@pytest.fixture
def setup(app):
    org = make_user(Role.ORGANIZER)
    cohort = make_cohort(organizers=[org])
    people = {}
    for name, group in (("王一", "第二组"), ("赵二", "第一组"), ("钱三", "第一组")):
        people[name] = make_trainee(name=name)
        enroll(cohort, people[name], group=group)
    # 09:00 Shanghai on 9 May 2025, late after 10 minutes.
    session = make_session(cohort, title="党课", starts_at=datetime(2025, 5, 9, 1, 0, tzinfo=UTC))
    return {"org": org, "cohort": cohort, "people": people, "session": session}


def test_sign_in_sheet_is_a_pdf(client, setup):
    login(client, setup["org"].username)
    response = client.get(f"/sessions/{setup['session'].id}/sheet.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")


def test_sign_in_sheet_lists_trainees_by_group_with_signature_and_time_columns(app, setup):
    from cadre.attendance.rollcall import scope_for

    s = setup
    with app.test_request_context():
        scope = scope_for(s["session"], s["org"])
        groups = {}
        for e in scope.enrollments:
            groups.setdefault(e.group, []).append(e)
        html = render_template("pdf/signin_sheet.html", session=s["session"], groups=groups)
    assert (
        html.index("第一组")
        < html.index("赵二")
        < html.index("钱三")
        < html.index("第二组")
        < html.index("王一")
    )
    assert "签名" in html and "签到时间" in html and "应到 3 人" in html


def test_fast_entry_records_times_and_statuses_from_the_sheet(client, setup):
    s = setup
    p = s["people"]
    login(client, s["org"].username)
    page = client.get(f"/sessions/{s['session'].id}/paper").get_data(as_text=True)
    wang = p["王一"].id
    assert f'name="status-{wang}"' in page and f'name="time-{wang}"' in page
    response = client.post(
        f"/sessions/{s['session'].id}/paper",
        data={
            f"time-{p['王一'].id}": "0855",  # no status: the time decides (on time)
            f"time-{p['赵二'].id}": "9:11",  # no status: late from 09:11
            f"status-{p['钱三'].id}": "excused",
        },
        follow_redirects=True,
    )
    assert "签到表已录入" in response.get_data(as_text=True)
    records = records_by_trainee(s["session"].id)
    assert records[p["王一"].id].status == AttendanceStatus.PRESENT
    assert records[p["王一"].id].signed_in_at == datetime(2025, 5, 9, 0, 55, tzinfo=UTC)
    assert records[p["赵二"].id].status == AttendanceStatus.LATE
    assert records[p["钱三"].id].status == AttendanceStatus.EXCUSED
    assert {r.method for r in records.values()} == {SignInMethod.PAPER}
    assert (
        db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "attendance.paper"))
        == 3
    )


def test_a_bad_time_on_one_row_saves_nothing(client, setup):
    s = setup
    p = s["people"]
    login(client, s["org"].username)
    page = client.post(
        f"/sessions/{s['session'].id}/paper",
        data={f"time-{p['王一'].id}": "08:55", f"time-{p['赵二'].id}": "25:99"},
    ).get_data(as_text=True)
    assert "看不懂" in page and "未保存任何修改" in page
    assert records_by_trainee(s["session"].id) == {}


def test_group_leader_may_not_enter_the_paper_sheet(client, setup):
    s = setup
    leader = make_trainee_user(s["cohort"], name="组长", group="第一组", class_role=ClassRole.GROUP_LEADER)
    login(client, leader.username)
    assert client.get(f"/sessions/{s['session'].id}/paper").status_code == 403
