"""Corrections (补签/申诉): a trainee whose phone failed asks to be counted for a session just held.

"Just held": the session has started and ended at most CORRECTION_DAYS ago. An
approved correction makes the record *present* with ``corrected`` set, so every
list and export shows 补; the change is audited like a roll call.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from cadre import audit
from cadre.attendance import common
from cadre.attendance.common import active_enrollment, get_session, refuse_archived
from cadre.attendance.rollcall import AUDITED as RECORD_FIELDS
from cadre.attendance.rollcall import insert_or_get
from cadre.enums import AttendanceStatus, LeaveStatus, SignInMethod
from cadre.extensions import db
from cadre.models import AttendanceRecord, CorrectionRequest, TrainingSession, User
from cadre.rules.attendance import ATTENDED
from cadre.services import ServiceError

CORRECTION_DAYS = 7
AUDITED = common.REQUEST_AUDITED


def may_request(session: TrainingSession, now: datetime) -> bool:
    return not session.is_cancelled and session.starts_at <= now <= session.ends_at + timedelta(
        days=CORRECTION_DAYS
    )


def request_correction(
    trainee_id: int | None, session_id: int, reason: str, now: datetime
) -> CorrectionRequest:
    session = get_session(session_id)
    active_enrollment(trainee_id, session.cohort_id, lock=True)
    refuse_archived(session.cohort)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写补签原因。"), field="reason")
    if len(reason) > 500:
        raise ServiceError(_("原因最多 500 个字。"), field="reason")
    if session.is_cancelled:
        raise ServiceError(_("本次课程已取消，无需补签。"))
    if now < session.starts_at:
        raise ServiceError(_("课程还没有开始，请到时扫码签到；不能来时请申请请假。"))
    if now > session.ends_at + timedelta(days=CORRECTION_DAYS):
        raise ServiceError(
            _("补签须在课程结束后 %(days)s 天内申请，请直接联系班主任。", days=CORRECTION_DAYS)
        )
    record = db.session.scalar(
        select(AttendanceRecord).where(
            AttendanceRecord.session_id == session.id, AttendanceRecord.trainee_id == trainee_id
        )
    )
    if record is not None and record.status in ATTENDED:
        raise ServiceError(_("您这次课程已有签到记录，无需补签。"))
    pending = db.session.scalar(
        select(CorrectionRequest.id).where(
            CorrectionRequest.session_id == session.id,
            CorrectionRequest.trainee_id == trainee_id,
            CorrectionRequest.status == LeaveStatus.PENDING,
        )
    )
    if pending is not None:
        raise ServiceError(_("您已为这次课程申请过补签，请等待班主任处理。"))
    req = CorrectionRequest(session_id=session.id, trainee_id=trainee_id, reason=reason, requested_at=now)
    db.session.add(req)
    db.session.flush()
    audit.record(
        "correction.requested",
        req,
        after={"status": req.status, "reason": reason, "session_id": session.id, "trainee_id": trainee_id},
        cohort_id=session.cohort_id,
    )
    return req


def get_request(request_id: int, *, lock: bool = False) -> CorrectionRequest:
    """The request; with `lock`, its row is held until the transaction ends (two decisions take turns)."""
    return common.get_request(CorrectionRequest, request_id, _("找不到该补签申请，可能已被删除。"), lock=lock)


def decide_correction(
    request_id: int, user: User, approve: bool, note: str, now: datetime
) -> CorrectionRequest:
    """Approve (the record becomes present, marked 补) or reject with a comment."""
    req = get_request(request_id, lock=True)
    common.decide_request(
        req, user, approve, note, now, event="correction", before_approve=lambda: _refuse_approval(req)
    )
    session = req.session
    if approve:
        record = db.session.scalar(
            select(AttendanceRecord).where(
                AttendanceRecord.session_id == session.id, AttendanceRecord.trainee_id == req.trainee_id
            )
        )
        created = False
        if record is None:
            record, created = insert_or_get(session, req.trainee_id, AttendanceStatus.PRESENT)
        record_before = None if created else audit.snapshot(record, RECORD_FIELDS)
        if created or record.status not in ATTENDED:
            record.status = AttendanceStatus.PRESENT
            record.method = SignInMethod.MANUAL
            record.corrected = True
            record.recorded_by_id = user.id
            record.note = req.reason[:256]
            db.session.flush()
            audit.record(
                "attendance.corrected",
                record,
                before=record_before,
                after={
                    **audit.snapshot(record, RECORD_FIELDS),
                    "reason": req.reason,
                    "trainee_id": req.trainee_id,
                    "session_id": session.id,
                },
                cohort_id=session.cohort_id,
                actor_id=user.id,
            )
    return req


def _refuse_approval(req: CorrectionRequest) -> None:
    """As roll call: no attendance for a cancelled session or a withdrawn trainee (rejecting still works)."""
    from cadre.enums import EnrollmentStatus
    from cadre.models import Enrollment

    if req.session.is_cancelled:
        raise ServiceError(_("本次课程已取消，不能点名或登记考勤。"))
    status = db.session.scalar(
        select(Enrollment.status).where(
            Enrollment.cohort_id == req.session.cohort_id, Enrollment.trainee_id == req.trainee_id
        )
    )
    if status != EnrollmentStatus.ACTIVE:
        raise ServiceError(_("学员%(name)s已退训，不能为其登记考勤。未保存任何修改。", name=req.trainee.name))


def requests_of_cohort(cohort_id: int, *, pending_only: bool) -> list[CorrectionRequest]:
    return common.requests_of_cohort(CorrectionRequest, cohort_id, pending_only=pending_only)


def my_corrections(trainee_id: int | None) -> list[CorrectionRequest]:
    return common.requests_of_trainee(CorrectionRequest, trainee_id, 100)


def recent_sessions(trainee_id: int | None, now: datetime) -> list[TrainingSession]:
    """Sessions the trainee may ask a correction for (started, ended within the window)."""
    return common.trainee_sessions(
        trainee_id,
        TrainingSession.starts_at <= now,
        TrainingSession.ends_at >= now - timedelta(days=CORRECTION_DAYS),
        order_by=TrainingSession.starts_at.desc(),
        limit=20,
    )
