"""Corrections (补签): asked for a session just held; approved ones count as signed in, marked 补."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from cadre.extensions import db
from cadre.models import AttendanceRecord, AttendanceStatus, AuditEvent, CorrectionRequest, LeaveStatus, Role
from tests.factories import login, make_cohort, make_session, make_trainee_user, make_user


@pytest.fixture
def setup(app):
    org = make_user(Role.ORGANIZER)
    cohort = make_cohort(organizers=[org])
    trainee = make_trainee_user(cohort, name="王学员", group="第一组")
    held = make_session(cohort, title="刚上完的课", starts_at=datetime.now(UTC) - timedelta(hours=3))
    return {"org": org, "cohort": cohort, "trainee": trainee, "held": held}


def _requests():
    db.session.expire_all()
    return db.session.scalars(select(CorrectionRequest)).all()


def test_approved_correction_counts_as_present_with_the_mark_in_lists_exports_and_audit(client, setup):
    s = setup
    login(client, s["trainee"].username)
    assert "刚上完的课" in client.get("/my/requests").get_data(as_text=True)
    client.post(f"/sessions/{s['held'].id}/correction", data={"reason": "手机没电"})
    [req] = _requests()
    assert req.status == LeaveStatus.PENDING
    client.post("/auth/logout")

    login(client, s["org"].username)
    assert "手机没电" in client.get(f"/cohorts/{s['cohort'].id}/requests").get_data(as_text=True)
    client.post(f"/corrections/{req.id}/decide", data={"decision": "approve"})
    record = db.session.scalar(
        select(AttendanceRecord).where(AttendanceRecord.trainee_id == s["trainee"].trainee_id)
    )
    assert record.status == AttendanceStatus.PRESENT and record.corrected
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "attendance.corrected"))
    assert (
        event.object_id == record.id
        and event.after["corrected"] is True
        and event.after["reason"] == "手机没电"
    )

    stats = client.get(f"/cohorts/{s['cohort'].id}/attendance").get_data(as_text=True)
    assert 'class="mark-bu"' in stats.split('id="matrix"')[1]
    rollcall = client.get(f"/sessions/{s['held'].id}/rollcall").get_data(as_text=True)
    assert 'class="mark-bu"' in rollcall
    sheet = load_workbook(BytesIO(client.get(f"/cohorts/{s['cohort'].id}/attendance.xlsx").data)).active
    assert sheet.cell(row=2, column=4).value == "出勤（补）"


def test_rejected_correction_leaves_the_trainee_absent(client, setup):
    s = setup
    db.session.add(
        CorrectionRequest(session_id=s["held"].id, trainee_id=s["trainee"].trainee_id, reason="忘了")
    )
    db.session.commit()
    [req] = _requests()
    login(client, s["org"].username)
    client.post(f"/corrections/{req.id}/decide", data={"decision": "reject", "note": "当天未到场"})
    assert _requests()[0].status == LeaveStatus.REJECTED
    assert db.session.scalar(select(AttendanceRecord)) is None


def test_correction_for_a_coming_or_long_past_session_is_refused(client, setup):
    s = setup
    coming = make_session(s["cohort"], starts_at=datetime.now(UTC) + timedelta(days=1))
    old = make_session(s["cohort"], starts_at=datetime.now(UTC) - timedelta(days=30))
    login(client, s["trainee"].username)
    page = client.post(f"/sessions/{coming.id}/correction", data={"reason": "x"}, follow_redirects=True)
    assert "课程还没有开始" in page.get_data(as_text=True)
    page = client.post(f"/sessions/{old.id}/correction", data={"reason": "x"}, follow_redirects=True)
    assert "天内申请" in page.get_data(as_text=True)
    assert _requests() == []


def test_correction_when_already_signed_in_or_asked_twice_is_refused(client, setup):
    s = setup
    login(client, s["trainee"].username)
    client.post(f"/sessions/{s['held'].id}/correction", data={"reason": "手机没电"})
    page = client.post(
        f"/sessions/{s['held'].id}/correction", data={"reason": "再申请"}, follow_redirects=True
    )
    assert "已为这次课程申请过补签" in page.get_data(as_text=True)
    assert len(_requests()) == 1
    other = make_session(s["cohort"], starts_at=datetime.now(UTC) - timedelta(hours=5))
    db.session.add(
        AttendanceRecord(
            session_id=other.id, trainee_id=s["trainee"].trainee_id, status=AttendanceStatus.LATE
        )
    )
    db.session.commit()
    page = client.post(f"/sessions/{other.id}/correction", data={"reason": "x"}, follow_redirects=True)
    assert "无需补签" in page.get_data(as_text=True)
    assert len(_requests()) == 1


def test_trainee_of_another_cohort_cannot_ask_a_correction(client, setup):
    s = setup
    outsider = make_trainee_user(make_cohort(), name="外班学员")
    login(client, outsider.username)
    assert client.post(f"/sessions/{s['held'].id}/correction", data={"reason": "x"}).status_code == 403
    assert _requests() == []
