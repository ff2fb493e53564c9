"""A correction cannot be approved for a session cancelled since, or for a trainee who withdrew.

Found by attacking main: roll call refuses cancelled sessions and withdrawn trainees, but
approving a correction asked earlier still wrote a *present* record (with its hours) for a
session that no longer counts for anybody, or for someone who had left the class.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cadre.enums import EnrollmentStatus, LeaveStatus
from cadre.extensions import db
from cadre.models import AttendanceRecord, CorrectionRequest, Enrollment, Role
from cadre.models.types import utcnow
from tests.factories import login, make_cohort, make_session, make_trainee_user, make_user


@pytest.fixture
def asked(app):
    org = make_user(Role.ORGANIZER)
    cohort = make_cohort(organizers=[org])
    trainee = make_trainee_user(cohort, name="王学员")
    now = datetime.now(UTC).replace(microsecond=0)
    held = make_session(cohort, title="上过的课", starts_at=now - timedelta(hours=3))
    req = CorrectionRequest(
        session_id=held.id, trainee_id=trainee.trainee_id, reason="手机没电", requested_at=now
    )
    db.session.add(req)
    db.session.commit()
    return {"org": org, "trainee": trainee, "held": held, "req": req, "cohort": cohort}


def _approve(client, a) -> str:
    login(client, a["org"].username)
    return client.post(
        f"/corrections/{a['req'].id}/decide", data={"decision": "approve"}, follow_redirects=True
    ).get_data(as_text=True)


def _state():
    db.session.expire_all()
    return (
        db.session.scalar(select(func.count(AttendanceRecord.id))),
        db.session.scalar(select(CorrectionRequest.status)),
    )


def test_a_correction_for_a_session_cancelled_since_cannot_be_approved(client, asked):
    asked["held"].cancelled_at = utcnow()
    asked["held"].cancel_reason = "讲师临时有事"
    db.session.commit()
    page = _approve(client, asked)
    assert "已取消" in page
    assert _state() == (0, LeaveStatus.PENDING)


def test_a_correction_of_a_trainee_who_withdrew_cannot_be_approved(client, asked):
    enrollment = db.session.scalar(
        select(Enrollment).where(Enrollment.trainee_id == asked["trainee"].trainee_id)
    )
    enrollment.status = EnrollmentStatus.WITHDRAWN
    db.session.commit()
    page = _approve(client, asked)
    assert "已退训" in page
    assert _state() == (0, LeaveStatus.PENDING)


def test_it_can_still_be_rejected_with_a_note(client, asked):
    asked["held"].cancelled_at = utcnow()
    asked["held"].cancel_reason = "讲师临时有事"
    db.session.commit()
    login(client, asked["org"].username)
    client.post(f"/corrections/{asked['req'].id}/decide", data={"decision": "reject", "note": "课程已取消"})
    assert _state() == (0, LeaveStatus.REJECTED)
