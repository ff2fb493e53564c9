"""Helpers the attendance services share: loading a session, the trainee's enrollment, rule values."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cadre import audit
from cadre.enums import EnrollmentStatus, LeaveStatus
from cadre.extensions import db
from cadre.models import AttendanceRecord, Enrollment, TrainingSession, User
from cadre.rules.attendance import RecordValue, SessionRules
from cadre.services import NotFound, ServiceError


class Forbidden(ServiceError):
    """The user may not do this here (a view answers 403 with the message)."""


def refuse_archived(cohort) -> None:
    """An archived cohort is read-only: its attendance, leave and corrections stay as they were."""
    if cohort.is_archived:
        raise ServiceError(
            _("培训班“%(name)s”已归档，考勤、请假和补签不能再修改。请先取消归档。", name=cohort.name)
        )


def get_session(session_id: int) -> TrainingSession:
    session = db.session.get(TrainingSession, session_id)
    if session is None:
        raise NotFound(_("找不到该课程，可能已被删除。"))
    return session


def session_rules(session: TrainingSession) -> SessionRules:
    """A TrainingSession as the pure attendance rules see it."""
    return SessionRules(
        id=session.id,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        credit_hours=session.credit_hours,
        sign_in_opens_minutes=session.sign_in_opens_minutes,
        late_after_minutes=session.late_after_minutes,
        sign_out_required=session.sign_out_required,
        cancelled=session.is_cancelled,
        is_required=session.is_required,
        title=session.title,
    )


def record_value(record: AttendanceRecord) -> RecordValue:
    return RecordValue(
        status=record.status,
        signed_in_at=record.signed_in_at,
        signed_out_at=record.signed_out_at,
        method=record.method,
        corrected=bool(record.corrected),
    )


def active_enrollment(trainee_id: int | None, cohort_id: int, *, lock: bool = False) -> Enrollment:
    """The trainee's active enrollment in the cohort, or a ServiceError saying why not.

    With `lock`, the row is held until the transaction ends (PostgreSQL), so two
    requests of one trainee take turns (SQLite: the write lock does it).
    """
    stmt = select(Enrollment).where(Enrollment.cohort_id == cohort_id, Enrollment.trainee_id == trainee_id)
    if lock:
        stmt = stmt.with_for_update()
    enrollment = db.session.scalar(stmt) if trainee_id is not None else None
    if enrollment is None:
        raise ServiceError(_("您没有参加这门课程所在的培训班。"))
    if enrollment.status == EnrollmentStatus.WITHDRAWN:
        raise ServiceError(_("您已退训，不能再办理考勤事项。如有疑问请联系班主任。"))
    return enrollment


def as_local(value: datetime) -> datetime:
    from cadre.rules.schedule import LOCAL_TZ

    return value.astimezone(LOCAL_TZ)


REQUEST_AUDITED = ("status", "decision_note")


def get_request(model, request_id: int, not_found: str, *, lock: bool = False):
    """A leave or correction request; with `lock`, its row is held until the transaction ends
    (two decisions take turns)."""
    req = (
        db.session.get(model, request_id, with_for_update=True, populate_existing=True)
        if lock
        else db.session.get(model, request_id)
    )
    if req is None:
        raise NotFound(not_found)
    return req


def refuse_decided(req) -> None:
    from cadre.labels import label_for

    if req.status != LeaveStatus.PENDING:
        raise ServiceError(_("这份申请已经处理过了（%(status)s）。", status=label_for(req.status)))


def audit_request(event: str, req, before: dict | None, **extra) -> None:
    """Audit a leave or correction request's status change."""
    audit.record(
        event,
        req,
        before=before,
        after={
            **audit.snapshot(req, REQUEST_AUDITED),
            "session_id": req.session_id,
            "trainee_id": req.trainee_id,
        },
        cohort_id=req.session.cohort_id,
        **extra,
    )


def decide_request(
    req,
    user: User,
    approve: bool,
    note: str,
    now: datetime,
    *,
    event: str,
    before_approve: Callable[[], None] | None = None,
) -> None:
    """Approve or reject a pending leave or correction request (locked by the caller) and audit it
    as ``<event>.approved`` / ``<event>.rejected``; `before_approve` may refuse an approval."""
    refuse_archived(req.session.cohort)
    refuse_decided(req)
    note = (note or "").strip()
    if len(note) > 500:
        raise ServiceError(_("意见最多 500 个字。"), field="note")
    if not approve and not note:
        raise ServiceError(_("不批准时请填写意见，学员会看到。"), field="note")
    if approve and before_approve is not None:
        before_approve()
    before = audit.snapshot(req, REQUEST_AUDITED)
    req.status = LeaveStatus.APPROVED if approve else LeaveStatus.REJECTED
    req.decision_note = note or None
    req.decided_by_id = user.id
    req.decided_at = now
    db.session.flush()
    audit_request(f"{event}.approved" if approve else f"{event}.rejected", req, before, actor_id=user.id)


def requests_of_cohort(model, cohort_id: int, *, pending_only: bool, load=()) -> list:
    """A cohort's leave or correction requests in session order (all pending ones, else the first 300)."""
    stmt = (
        select(model)
        .join(TrainingSession, TrainingSession.id == model.session_id)
        .where(TrainingSession.cohort_id == cohort_id)
        .order_by(TrainingSession.starts_at, model.requested_at)
        .options(selectinload(model.session), selectinload(model.trainee), *load)
    )
    if pending_only:
        stmt = stmt.where(model.status == LeaveStatus.PENDING)
    else:
        stmt = stmt.limit(300)
    return list(db.session.scalars(stmt))


def requests_of_trainee(model, trainee_id: int | None, limit: int) -> list:
    """A trainee's own leave or correction requests, newest first, with their sessions and cohorts."""
    if trainee_id is None:
        return []
    return list(
        db.session.scalars(
            select(model)
            .where(model.trainee_id == trainee_id)
            .order_by(model.requested_at.desc(), model.id.desc())
            .options(selectinload(model.session).selectinload(TrainingSession.cohort))
            .limit(limit)
        )
    )


def trainee_sessions(trainee_id: int | None, *where, order_by, limit: int) -> list[TrainingSession]:
    """Sessions of the trainee's active cohorts, not cancelled, narrowed by `where` (leave, corrections)."""
    if trainee_id is None:
        return []
    return list(
        db.session.scalars(
            select(TrainingSession)
            .join(Enrollment, Enrollment.cohort_id == TrainingSession.cohort_id)
            .where(
                Enrollment.trainee_id == trainee_id,
                Enrollment.status == EnrollmentStatus.ACTIVE,
                TrainingSession.cancelled_at.is_(None),
                *where,
            )
            .order_by(order_by)
            .options(selectinload(TrainingSession.cohort))
            .limit(limit)
        )
    )
