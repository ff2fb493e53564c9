"""A leave request or a correction decided by two organizers at the same moment is decided once.

Found by attacking main on PostgreSQL: both requests read the request as pending, both
wrote their decision, the later one silently replaced the earlier (an approval turned
into a rejection, or the reverse) and the audit log told of two decisions. Real threads,
one connection each (`file_app`); the barrier holds each at its first write.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from cadre.enums import LeaveStatus
from cadre.extensions import db
from cadre.models import AttendanceRecord, AuditEvent, CorrectionRequest, LeaveRequest
from tests.factories import make_session, make_trainee_user
from tests.race_support import at_the_same_moment, organizers_of_one_cohort


def _decide(client, url: str, decision: str):
    data = {"decision": decision, "note": "" if decision == "approve" else "当天有考核，不能请假"}
    return lambda: client.post(url, data=data).status_code


def _fresh():
    db.session.rollback()  # SQLite WAL: read what is committed now


def test_leave_approved_and_rejected_at_once_is_decided_once(file_app):
    cohort, (first, second) = organizers_of_one_cohort(file_app)
    trainee = make_trainee_user(cohort)
    now = datetime.now(UTC).replace(microsecond=0)
    session = make_session(cohort, starts_at=now + timedelta(days=1))
    req = LeaveRequest(session_id=session.id, trainee_id=trainee.trainee_id, reason="值班", requested_at=now)
    db.session.add(req)
    db.session.commit()
    url = f"/leave/{req.id}/decide"

    outcomes = at_the_same_moment(file_app, _decide(first, url, "approve"), _decide(second, url, "reject"))

    assert outcomes == [302, 302]
    _fresh()
    decisions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.in_(("leave.approved", "leave.rejected")))
    ).all()
    assert len(decisions) == 1
    status = db.session.scalar(select(LeaveRequest.status).where(LeaveRequest.id == req.id))
    assert status == (LeaveStatus.APPROVED if decisions == ["leave.approved"] else LeaveStatus.REJECTED)


def test_correction_approved_twice_at_once_is_decided_once(file_app):
    cohort, (first, second) = organizers_of_one_cohort(file_app)
    trainee = make_trainee_user(cohort)
    now = datetime.now(UTC).replace(microsecond=0)
    session = make_session(cohort, starts_at=now - timedelta(hours=3))
    req = CorrectionRequest(
        session_id=session.id, trainee_id=trainee.trainee_id, reason="手机没电", requested_at=now
    )
    db.session.add(req)
    db.session.commit()
    url = f"/corrections/{req.id}/decide"

    outcomes = at_the_same_moment(file_app, _decide(first, url, "approve"), _decide(second, url, "approve"))

    assert outcomes == [302, 302]
    _fresh()
    actions = db.session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.action.in_(("correction.approved", "correction.rejected", "attendance.corrected"))
        )
    ).all()
    assert sorted(actions) == ["attendance.corrected", "correction.approved"]
    assert db.session.scalar(select(func.count(AttendanceRecord.id))) == 1
