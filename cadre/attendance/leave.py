"""Leave (请假): a trainee asks for coming sessions, an organizer approves or rejects with a comment.

Approved leave makes the final status *excused* (``cadre.rules.attendance.final_status``);
no attendance record is written for it, so a later sign-in still counts as attended.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from cadre import audit
from cadre.attendance import common
from cadre.attendance.common import active_enrollment, get_session, refuse_archived
from cadre.enums import LeaveStatus, Role
from cadre.extensions import db
from cadre.models import LeaveRequest, TrainingSession, User, cohort_organizers
from cadre.services import NotFound, ServiceError

OPEN = (LeaveStatus.PENDING, LeaveStatus.APPROVED)
AUDITED = common.REQUEST_AUDITED


def coming_sessions(trainee_id: int | None, now: datetime) -> list[TrainingSession]:
    """Sessions a trainee may still ask leave for: not started, not cancelled, in their active cohorts."""
    return common.trainee_sessions(
        trainee_id, TrainingSession.starts_at > now, order_by=TrainingSession.starts_at, limit=60
    )


def request_leave(
    trainee_id: int | None, session_ids: Iterable[int], reason: str, now: datetime
) -> list[LeaveRequest]:
    """One pending request per session; every session is checked before anything is written."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("请填写请假事由。"), field="reason")
    if len(reason) > 500:
        raise ServiceError(_("事由最多 500 个字。"), field="reason")
    session_ids = list(dict.fromkeys(session_ids))
    if not session_ids:
        raise ServiceError(_("请至少选择一次课程。"), field="sessions")
    sessions = []
    for session_id in session_ids:
        try:
            session = get_session(session_id)
        except NotFound as err:
            raise ServiceError(err.message, field="sessions") from err
        try:
            active_enrollment(trainee_id, session.cohort_id, lock=True)
            refuse_archived(session.cohort)
        except ServiceError as err:
            raise ServiceError(err.message, field="sessions") from err
        if session.is_cancelled:
            raise ServiceError(_("课程“%(title)s”已取消，无需请假。", title=session.title), field="sessions")
        if session.starts_at <= now:
            raise ServiceError(
                _(
                    "课程“%(title)s”已经开始或结束，不能再请假。如有特殊情况请联系班主任。",
                    title=session.title,
                ),
                field="sessions",
            )
        sessions.append(session)
    already = db.session.scalars(
        select(LeaveRequest)
        .where(
            LeaveRequest.trainee_id == trainee_id,
            LeaveRequest.session_id.in_(session_ids),
            LeaveRequest.status.in_(OPEN),
        )
        .options(selectinload(LeaveRequest.session))
    ).first()
    if already is not None:
        raise ServiceError(
            _(
                "您已为课程“%(title)s”提交过请假申请（%(status)s），不能重复申请。",
                title=already.session.title,
                status=_status_text(already.status),
            ),
            field="sessions",
        )
    created = []
    for session in sessions:
        req = LeaveRequest(session_id=session.id, trainee_id=trainee_id, reason=reason, requested_at=now)
        db.session.add(req)
        db.session.flush()
        audit.record(
            "leave.requested",
            req,
            after={
                "status": req.status,
                "reason": reason,
                "session_id": session.id,
                "trainee_id": trainee_id,
            },
            cohort_id=session.cohort_id,
        )
        created.append(req)
    return created


def _status_text(status: LeaveStatus) -> str:
    from cadre.labels import label_for

    return label_for(status)


def get_request(request_id: int, *, lock: bool = False) -> LeaveRequest:
    """The request; with `lock`, its row is held until the transaction ends (two decisions take turns)."""
    return common.get_request(LeaveRequest, request_id, _("找不到该请假申请，可能已被删除。"), lock=lock)


def decide_leave(request_id: int, user: User, approve: bool, note: str, now: datetime) -> LeaveRequest:
    """Approve or reject a pending request (the view checks the user manages the cohort)."""
    req = get_request(request_id, lock=True)
    common.decide_request(req, user, approve, note, now, event="leave")
    return req


def withdraw_leave(request_id: int, trainee_id: int | None) -> LeaveRequest:
    """A trainee takes back a request still pending."""
    req = get_request(request_id, lock=True)
    if req.trainee_id != trainee_id:
        raise NotFound(_("找不到该请假申请，可能已被删除。"))
    refuse_archived(req.session.cohort)
    common.refuse_decided(req)
    before = audit.snapshot(req, AUDITED)
    req.status = LeaveStatus.WITHDRAWN
    db.session.flush()
    common.audit_request("leave.withdrawn", req, before)
    return req


def _managed(stmt, user: User):
    if user.role == Role.ADMIN:
        return stmt
    return stmt.join(cohort_organizers, cohort_organizers.c.cohort_id == TrainingSession.cohort_id).where(
        cohort_organizers.c.user_id == user.id
    )


def pending_leave_by_cohort(user: User) -> dict[int, int]:
    """Pending leave requests per cohort the user manages (one query), for the organizer's home page."""
    if user.role not in (Role.ADMIN, Role.ORGANIZER):
        return {}
    stmt = (
        select(TrainingSession.cohort_id, func.count(LeaveRequest.id))
        .join(TrainingSession, TrainingSession.id == LeaveRequest.session_id)
        .where(LeaveRequest.status == LeaveStatus.PENDING)
        .group_by(TrainingSession.cohort_id)
    )
    return {cohort_id: count for cohort_id, count in db.session.execute(_managed(stmt, user))}


def requests_of_cohort(cohort_id: int, *, pending_only: bool) -> list[LeaveRequest]:
    return common.requests_of_cohort(
        LeaveRequest, cohort_id, pending_only=pending_only, load=[selectinload(LeaveRequest.decided_by)]
    )


def my_leave_requests(trainee_id: int | None) -> list[LeaveRequest]:
    return common.requests_of_trainee(LeaveRequest, trainee_id, 200)


def leave_by_session(trainee_id: int | None, session_ids: Iterable[int]) -> dict[int, LeaveRequest]:
    """For 我的课表: the trainee's latest leave request per session (one query).

    Render it with ``leave_badge`` from templates/attendance/_macros.html.
    """
    ids = list(session_ids)
    if trainee_id is None or not ids:
        return {}
    found: dict[int, LeaveRequest] = {}
    for req in db.session.scalars(
        select(LeaveRequest)
        .where(LeaveRequest.trainee_id == trainee_id, LeaveRequest.session_id.in_(ids))
        .order_by(LeaveRequest.requested_at, LeaveRequest.id)
    ):
        found[req.session_id] = req  # the latest wins
    return found
