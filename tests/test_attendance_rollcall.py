"""Roll call (点名) by organizers and group leaders, and site-visit head counts: audited, refused cleanly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cadre.extensions import db
from cadre.models import (
    AttendanceRecord,
    AttendanceStatus,
    AuditEvent,
    ClassRole,
    EnrollmentStatus,
    HeadCount,
    LeaveRequest,
    LeaveStatus,
    Role,
    SessionKind,
    SignInMethod,
)
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
def klass(app):
    """A cohort with an organizer, two groups of two and a session held yesterday."""
    org = make_user(Role.ORGANIZER)
    cohort = make_cohort(organizers=[org])
    leader = make_trainee_user(cohort, name="李组长", group="第一组", class_role=ClassRole.GROUP_LEADER)
    a1 = make_trainee(name="王一")
    enroll(cohort, a1, group="第一组")
    b1 = make_trainee(name="赵二")
    enroll(cohort, b1, group="第二组")
    b2 = make_trainee(name="钱三")
    enroll(cohort, b2, group="第二组")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    session = make_session(cohort, starts_at=start)
    return {"org": org, "cohort": cohort, "leader": leader, "a1": a1, "b1": b1, "b2": b2, "session": session}


def _audit_count():
    return db.session.scalar(select(func.count(AuditEvent.id)))


def _url(k):
    return f"/sessions/{k['session'].id}/rollcall"


def test_organizer_marks_statuses_and_every_change_is_audited_with_reason(client, klass):
    k = klass
    login(client, k["org"].username)
    response = client.post(
        _url(k),
        data={f"status-{k['a1'].id}": "present", f"status-{k['b1'].id}": "late", "reason": "现场点名"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    records = records_by_trainee(k["session"].id)
    assert records[k["a1"].id].status == AttendanceStatus.PRESENT
    assert records[k["b1"].id].status == AttendanceStatus.LATE
    assert records[k["a1"].id].method == SignInMethod.ROLL_CALL
    assert records[k["a1"].id].recorded_by_id == k["org"].id
    assert k["b2"].id not in records
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.object_type == "attendance_records", AuditEvent.object_id == records[k["b1"].id].id
        )
    )
    assert event.action == "attendance.roll_call"
    assert event.actor_id == k["org"].id
    assert event.before is None
    assert event.after["status"] == "late" and event.after["reason"] == "现场点名"


def test_changing_a_qr_sign_in_records_before_and_after_and_shows_in_the_trainee_history(client, klass):
    k = klass
    db.session.add(
        AttendanceRecord(
            session_id=k["session"].id,
            trainee_id=k["a1"].id,
            status=AttendanceStatus.PRESENT,
            method=SignInMethod.QR,
            signed_in_at=k["session"].starts_at,
        )
    )
    db.session.commit()
    login(client, k["org"].username)
    client.post(_url(k), data={f"status-{k['a1'].id}": "left_early", "reason": "提前离场"})
    record = records_by_trainee(k["session"].id)[k["a1"].id]
    assert record.status == AttendanceStatus.LEFT_EARLY
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.object_id == record.id))
    assert event.before["status"] == "present" and event.after["status"] == "left_early"
    page = client.get(f"/cohorts/{k['cohort'].id}/attendance/trainees/{k['a1'].id}").get_data(as_text=True)
    assert "提前离场" in page and "出勤 → 早退" in page


def test_mark_everyone_else_absent_spares_signed_in_and_approved_leave(client, klass):
    k = klass
    db.session.add(
        LeaveRequest(
            session_id=k["session"].id, trainee_id=k["b2"].id, reason="病假", status=LeaveStatus.APPROVED
        )
    )
    db.session.commit()
    login(client, k["org"].username)
    client.post(_url(k), data={f"status-{k['a1'].id}": "present", "action": "rest_absent"})
    records = records_by_trainee(k["session"].id)
    assert records[k["a1"].id].status == AttendanceStatus.PRESENT
    assert records[k["b1"].id].status == AttendanceStatus.ABSENT
    assert records[k["leader"].trainee_id].status == AttendanceStatus.ABSENT
    assert k["b2"].id not in records  # excused by the approved leave, not absent


def test_group_leader_sees_only_their_group(client, klass):
    k = klass
    login(client, k["leader"].username)
    page = client.get(_url(k)).get_data(as_text=True)
    assert "王一" in page and "李组长" in page
    assert "赵二" not in page and "钱三" not in page


def test_group_leader_cannot_mark_another_group_and_nothing_is_written(client, klass):
    k = klass
    login(client, k["leader"].username)
    before = _audit_count()
    response = client.post(
        _url(k),
        data={f"status-{k['a1'].id}": "present", f"status-{k['b1'].id}": "absent"},
        follow_redirects=True,
    )
    assert "您只能为本组（第一组）学员点名" in response.get_data(as_text=True)
    assert records_by_trainee(k["session"].id) == {}
    assert _audit_count() == before


def test_group_leader_marks_their_own_group(client, klass):
    k = klass
    login(client, k["leader"].username)
    client.post(_url(k), data={f"status-{k['a1'].id}": "present"})
    record = records_by_trainee(k["session"].id)[k["a1"].id]
    assert record.status == AttendanceStatus.PRESENT and record.recorded_by_id == k["leader"].id


def test_monitor_takes_roll_call_for_the_whole_class(client, klass):
    k = klass
    monitor = make_trainee_user(k["cohort"], name="周班长", group="第二组", class_role=ClassRole.MONITOR)
    login(client, monitor.username)
    page = client.get(_url(k)).get_data(as_text=True)
    assert "王一" in page and "赵二" in page


def test_ordinary_trainee_may_not_take_roll_call(client, klass):
    k = klass
    member = make_trainee_user(k["cohort"], name="孙学员", group="第一组")
    login(client, member.username)
    assert client.get(_url(k)).status_code == 403
    assert client.post(_url(k), data={f"status-{k['a1'].id}": "present"}).status_code == 403
    assert records_by_trainee(k["session"].id) == {}


@pytest.mark.parametrize("status", ["here", "PRESENT", "", "1"])
def test_unknown_status_refuses_the_whole_post(client, klass, status):
    k = klass
    login(client, k["org"].username)
    data = {f"status-{k['a1'].id}": "present", f"status-{k['b1'].id}": status or "  x  "}
    response = client.post(_url(k), data=data, follow_redirects=True)
    assert "未知的考勤状态" in response.get_data(as_text=True)
    assert records_by_trainee(k["session"].id) == {}


def test_withdrawn_trainee_cannot_be_marked(client, klass):
    k = klass
    enrollment = k["b1"].enrollments[0]
    enrollment.status = EnrollmentStatus.WITHDRAWN
    db.session.commit()
    login(client, k["org"].username)
    response = client.post(_url(k), data={f"status-{k['b1'].id}": "present"}, follow_redirects=True)
    assert "已退训" in response.get_data(as_text=True)
    assert records_by_trainee(k["session"].id) == {}


def test_trainee_not_enrolled_cannot_be_marked(client, klass):
    k = klass
    stranger = make_trainee(name="外人")
    login(client, k["org"].username)
    response = client.post(_url(k), data={f"status-{stranger.id}": "present"}, follow_redirects=True)
    assert "不在本培训班" in response.get_data(as_text=True)
    assert records_by_trainee(k["session"].id) == {}


def test_malformed_row_name_is_a_clear_400(client, klass):
    k = klass
    login(client, k["org"].username)
    assert client.post(_url(k), data={"status-abc": "present"}).status_code == 400
    assert client.post(_url(k), data={f"status-{10**12}": "present"}).status_code == 400


def test_cancelled_session_refuses_roll_call(client, klass):
    k = klass
    k["session"].cancelled_at = datetime.now(UTC)
    db.session.commit()
    login(client, k["org"].username)
    response = client.post(_url(k), data={f"status-{k['a1'].id}": "present"}, follow_redirects=True)
    assert "已取消" in response.get_data(as_text=True)
    assert records_by_trainee(k["session"].id) == {}


def test_roll_call_far_before_the_session_is_refused(client, klass):
    k = klass
    later = make_session(k["cohort"], starts_at=datetime.now(UTC) + timedelta(days=3))
    login(client, k["org"].username)
    response = client.post(
        f"/sessions/{later.id}/rollcall", data={f"status-{k['a1'].id}": "present"}, follow_redirects=True
    )
    assert "课程尚未开始" in response.get_data(as_text=True)
    assert records_by_trainee(later.id) == {}


def test_site_visit_head_count_at_departure_and_return(client, klass):
    k = klass
    visit = make_session(
        k["cohort"],
        kind=SessionKind.SITE_VISIT,
        title="红色研学",
        starts_at=datetime.now(UTC) - timedelta(minutes=20),
    )
    login(client, k["org"].username)
    assert "出发清点" in client.get(f"/sessions/{visit.id}/rollcall").get_data(as_text=True)
    url = f"/sessions/{visit.id}/headcount/departure"
    client.post(url, data={f"here-{k['a1'].id}": "1", f"here-{k['b1'].id}": "1", f"here-{k['b2'].id}": "0"})
    page = client.get(url).get_data(as_text=True)
    summary = page.split('id="headcount-summary"')[1].split("</div>")[0]
    assert "<strong>4</strong>" in summary  # 应到: four active trainees
    assert '<strong class="text-success">2</strong>' in summary  # 实到
    assert '<strong class="text-danger">2</strong>' in summary  # 未到: one missing, one not counted
    rows = db.session.scalars(select(HeadCount).where(HeadCount.session_id == visit.id)).all()
    assert {(h.trainee_id, h.phase.value, h.present) for h in rows} == {
        (k["a1"].id, "departure", True),
        (k["b1"].id, "departure", True),
        (k["b2"].id, "departure", False),
    }
    client.post(f"/sessions/{visit.id}/headcount/return", data={f"here-{k['b2'].id}": "1"})
    assert db.session.scalar(select(func.count(HeadCount.id)).where(HeadCount.phase == "return")) == 1


def test_head_count_by_a_leader_for_another_group_writes_nothing(client, klass):
    k = klass
    login(client, k["leader"].username)
    response = client.post(
        f"/sessions/{k['session'].id}/headcount/departure",
        data={f"here-{k['b1'].id}": "1"},
        follow_redirects=True,
    )
    assert "您只能为本组" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(HeadCount.id))) == 0
