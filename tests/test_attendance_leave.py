"""Leave (请假): trainees ask for coming sessions, organizers decide, approved leave counts as excused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cadre.extensions import db
from cadre.models import AuditEvent, EnrollmentStatus, LeaveRequest, LeaveStatus, Role
from tests.factories import login, make_cohort, make_session, make_trainee_user, make_user


@pytest.fixture
def setup(app):
    org = make_user(Role.ORGANIZER)
    cohort = make_cohort(organizers=[org])
    trainee = make_trainee_user(cohort, name="王学员", group="第一组")
    now = datetime.now(UTC).replace(microsecond=0)
    coming = [make_session(cohort, title=f"讲座{i}", starts_at=now + timedelta(days=i)) for i in (1, 2)]
    past = make_session(cohort, title="已上过的课", starts_at=now - timedelta(days=2))
    return {"org": org, "cohort": cohort, "trainee": trainee, "coming": coming, "past": past}


def _leaves():
    db.session.expire_all()
    return db.session.scalars(select(LeaveRequest).order_by(LeaveRequest.id)).all()


def test_trainee_asks_leave_for_two_coming_sessions(client, setup):
    s = setup
    login(client, s["trainee"].username)
    page = client.get("/leave/new").get_data(as_text=True)
    assert "讲座1" in page and "讲座2" in page and "已上过的课" not in page
    response = client.post(
        "/leave/new",
        data={"sessions": [c.id for c in s["coming"]], "reason": "单位值班"},
        follow_redirects=True,
    )
    assert "已提交 2 次课程的请假申请" in response.get_data(as_text=True)
    leaves = _leaves()
    assert [(lv.session_id, lv.status, lv.reason) for lv in leaves] == [
        (c.id, LeaveStatus.PENDING, "单位值班") for c in s["coming"]
    ]
    assert (
        db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "leave.requested"))
        == 2
    )


def test_leave_for_a_past_session_is_refused_and_nothing_written(client, setup):
    s = setup
    login(client, s["trainee"].username)
    response = client.post(
        "/leave/new",
        data={"sessions": [s["coming"][0].id, s["past"].id], "reason": "有事"},
        follow_redirects=True,
    )
    assert "已经开始或结束，不能再请假" in response.get_data(as_text=True)
    assert _leaves() == []


def test_leave_twice_for_the_same_session_is_refused(client, setup):
    s = setup
    login(client, s["trainee"].username)
    client.post("/leave/new", data={"sessions": [s["coming"][0].id], "reason": "有事"})
    response = client.post(
        "/leave/new",
        data={"sessions": [s["coming"][0].id, s["coming"][1].id], "reason": "又有事"},
        follow_redirects=True,
    )
    assert "不能重复申请" in response.get_data(as_text=True)
    assert len(_leaves()) == 1


def test_leave_without_reason_or_session_gets_a_message(client, setup):
    s = setup
    login(client, s["trainee"].username)
    page = client.post("/leave/new", data={"sessions": [s["coming"][0].id], "reason": "  "}).get_data(
        as_text=True
    )
    assert "请填写请假事由" in page
    page = client.post("/leave/new", data={"reason": "有事"}).get_data(as_text=True)
    assert "请至少选择一次课程" in page
    assert _leaves() == []


def test_withdrawn_trainee_cannot_ask_leave(client, setup):
    s = setup
    enrollment = s["trainee"].trainee.enrollments[0]
    enrollment.status = EnrollmentStatus.WITHDRAWN
    db.session.commit()
    login(client, s["trainee"].username)
    page = client.post("/leave/new", data={"sessions": [s["coming"][0].id], "reason": "有事"}).get_data(
        as_text=True
    )
    assert "您已退训" in page
    assert _leaves() == []


def test_leave_for_a_session_of_another_cohort_is_refused(client, setup):
    s = setup
    other = make_session(make_cohort(), title="别的班", starts_at=datetime.now(UTC) + timedelta(days=1))
    login(client, s["trainee"].username)
    page = client.post("/leave/new", data={"sessions": [other.id], "reason": "有事"}).get_data(as_text=True)
    assert "您没有参加这门课程所在的培训班" in page
    assert _leaves() == []


def test_organizer_sees_pending_count_on_home_and_approves_with_comment(client, setup):
    s = setup
    db.session.add_all(
        [
            LeaveRequest(session_id=c.id, trainee_id=s["trainee"].trainee_id, reason="病假")
            for c in s["coming"]
        ]
    )
    db.session.commit()
    leave_id = _leaves()[0].id
    login(client, s["org"].username)
    home = client.get("/").get_data(as_text=True)
    assert 'data-pending-leave="2"' in home
    client.post(f"/leave/{leave_id}/decide", data={"decision": "approve", "note": "注意休息"})
    leave = db.session.get(LeaveRequest, leave_id)
    assert leave.status == LeaveStatus.APPROVED and leave.decision_note == "注意休息"
    assert leave.decided_by_id == s["org"].id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "leave.approved"))
    assert event.before["status"] == "pending" and event.after["status"] == "approved"
    assert 'data-pending-leave="1"' in client.get("/").get_data(as_text=True)


def test_rejecting_needs_a_comment_and_the_trainee_sees_the_decision(client, setup):
    s = setup
    db.session.add(
        LeaveRequest(session_id=s["coming"][0].id, trainee_id=s["trainee"].trainee_id, reason="旅游")
    )
    db.session.commit()
    leave_id = _leaves()[0].id
    login(client, s["org"].username)
    page = client.post(f"/leave/{leave_id}/decide", data={"decision": "reject"}, follow_redirects=True)
    assert "不批准时请填写意见" in page.get_data(as_text=True)
    assert db.session.get(LeaveRequest, leave_id).status == LeaveStatus.PENDING
    client.post(f"/leave/{leave_id}/decide", data={"decision": "reject", "note": "本次为必修课"})
    assert db.session.get(LeaveRequest, leave_id).status == LeaveStatus.REJECTED
    client.post("/auth/logout")
    login(client, s["trainee"].username)
    mine = client.get("/my/requests").get_data(as_text=True)
    assert "未批准" in mine and "本次为必修课" in mine


def test_a_decided_request_cannot_be_decided_again(client, setup):
    s = setup
    db.session.add(
        LeaveRequest(
            session_id=s["coming"][0].id,
            trainee_id=s["trainee"].trainee_id,
            reason="x",
            status=LeaveStatus.APPROVED,
        )
    )
    db.session.commit()
    leave_id = _leaves()[0].id
    login(client, s["org"].username)
    page = client.post(
        f"/leave/{leave_id}/decide", data={"decision": "reject", "note": "n"}, follow_redirects=True
    )
    assert "已经处理过了" in page.get_data(as_text=True)
    assert db.session.get(LeaveRequest, leave_id).status == LeaveStatus.APPROVED


def test_organizer_of_another_cohort_cannot_decide(client, setup):
    s = setup
    db.session.add(LeaveRequest(session_id=s["coming"][0].id, trainee_id=s["trainee"].trainee_id, reason="x"))
    db.session.commit()
    leave_id = _leaves()[0].id
    other = make_user(Role.ORGANIZER)
    login(client, other.username)
    assert client.post(f"/leave/{leave_id}/decide", data={"decision": "approve"}).status_code == 403
    assert db.session.get(LeaveRequest, leave_id).status == LeaveStatus.PENDING


def test_trainee_withdraws_a_pending_request(client, setup):
    s = setup
    login(client, s["trainee"].username)
    client.post("/leave/new", data={"sessions": [s["coming"][0].id], "reason": "有事"})
    leave_id = _leaves()[0].id
    client.post(f"/leave/{leave_id}/withdraw")
    assert db.session.get(LeaveRequest, leave_id).status == LeaveStatus.WITHDRAWN
    # Withdrawn, it may be asked again.
    client.post("/leave/new", data={"sessions": [s["coming"][0].id], "reason": "还是有事"})
    assert len(_leaves()) == 2


def test_approved_leave_makes_the_trainee_excused_in_the_statistics(client, setup):
    s = setup
    db.session.add(
        LeaveRequest(
            session_id=s["past"].id,
            trainee_id=s["trainee"].trainee_id,
            reason="x",
            status=LeaveStatus.APPROVED,
        )
    )
    db.session.commit()
    login(client, s["org"].username)
    page = client.get(f"/cohorts/{s['cohort'].id}/attendance").get_data(as_text=True)
    matrix = page.split('id="matrix"')[1]
    assert '<span class="att-excused">请假</span>' in matrix


def test_timetable_helpers_show_the_latest_decision_per_session(app, setup):
    """我的课表 (another area) calls leave_by_session and renders leave_badge."""
    from flask import render_template_string

    from cadre.attendance.leave import leave_by_session

    s = setup
    tid = s["trainee"].trainee_id
    first, second = s["coming"]
    db.session.add_all(
        [
            LeaveRequest(session_id=first.id, trainee_id=tid, reason="a", status=LeaveStatus.WITHDRAWN),
            LeaveRequest(session_id=first.id, trainee_id=tid, reason="b", status=LeaveStatus.APPROVED),
        ]
    )
    db.session.commit()
    found = leave_by_session(tid, [first.id, second.id])
    assert set(found) == {first.id} and found[first.id].status == LeaveStatus.APPROVED
    with app.test_request_context():
        html = render_template_string(
            '{% from "attendance/_macros.html" import leave_badge with context %}{{ leave_badge(req) }}',
            req=found[first.id],
        )
    assert "已批准" in html


def test_roll_call_page_reads_in_english(client, setup):
    s = setup
    login(client, s["org"].username)
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/sessions/{s['past'].id}/rollcall").get_data(as_text=True)
    assert "Save; mark everyone else absent" in page and "Expected" in page
