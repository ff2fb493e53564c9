"""What the projector shows (live counts, the latest names), and the review of suspected proxy sign-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from cadre import audit
from cadre.enums import AttendanceStatus, EnrollmentStatus, LeaveStatus
from cadre.extensions import db
from cadre.models import (
    AttendanceRecord,
    Enrollment,
    LeaveRequest,
    SuspectedProxySignIn,
    Trainee,
    TrainingSession,
)
from cadre.models.types import utcnow
from cadre.rules.attendance import (
    ATTENDED,
    sign_in_phase,
)
from cadre.services import NotFound, ServiceError
from cadre.signin.services import session_rules

__all__ = ["ProjectorState", "live_counts", "review_suspect"]

# Outcomes of sign_in / sign_out.
SIGNED_IN = "signed_in"
ALREADY = "already"
SIGNED_OUT = "signed_out"
PROXY_SUSPECTED = "proxy_suspected"


# --------------------------------------------------------------------------- projector


@dataclass(frozen=True)
class ProjectorState:
    expected: int
    signed_in: int
    late: int
    on_leave: int
    signed_out: int
    latest: list[tuple[str, datetime, str]]  # name, time, status
    phase: str


def live_counts(session: TrainingSession, now: datetime, latest: int = 8) -> ProjectorState:
    """The projector's counts in four small queries, whatever the size of the class."""
    expected = db.session.scalar(
        select(func.count(Enrollment.id)).where(
            Enrollment.cohort_id == session.cohort_id, Enrollment.status == EnrollmentStatus.ACTIVE
        )
    )
    rows = db.session.execute(
        select(AttendanceRecord.status, func.count(), func.count(AttendanceRecord.signed_out_at))
        .where(AttendanceRecord.session_id == session.id)
        .group_by(AttendanceRecord.status)
    ).all()
    by_status = {status: n for status, n, _out in rows}
    signed_out = sum(out for _s, _n, out in rows)
    on_leave = db.session.scalar(
        select(func.count(LeaveRequest.id)).where(
            LeaveRequest.session_id == session.id, LeaveRequest.status == LeaveStatus.APPROVED
        )
    )
    names = db.session.execute(
        select(Trainee.name, AttendanceRecord.signed_in_at, AttendanceRecord.status)
        .join(Trainee, Trainee.id == AttendanceRecord.trainee_id)
        .where(AttendanceRecord.session_id == session.id, AttendanceRecord.signed_in_at.is_not(None))
        .order_by(AttendanceRecord.signed_in_at.desc(), AttendanceRecord.id.desc())
        .limit(latest)
    ).all()
    return ProjectorState(
        expected=expected or 0,
        signed_in=sum(by_status.get(s, 0) for s in ATTENDED),
        late=by_status.get(AttendanceStatus.LATE, 0),
        on_leave=on_leave or 0,
        signed_out=signed_out,
        latest=[(name, at, status) for name, at, status in names],
        phase=str(sign_in_phase(session_rules(session), now)),
    )


# --------------------------------------------------------------------------- proxy review


def review_suspect(suspect_id: int, cohort_id: int, reviewer_id: int, note: str) -> SuspectedProxySignIn:
    """Mark a suspected proxy sign-in as reviewed by the organizer, with a note."""
    suspect = db.session.get(SuspectedProxySignIn, suspect_id)
    if suspect is None or suspect.session.cohort_id != cohort_id:
        raise NotFound()
    if suspect.reviewed_at is not None:
        raise ServiceError(_("这条记录已经核查过了。"))
    before = {"reviewed_at": None, "review_note": None}
    suspect.reviewed_at = utcnow()
    suspect.reviewed_by_id = reviewer_id
    suspect.review_note = note
    db.session.flush()
    audit.record(
        "attendance.proxy_reviewed",
        suspect,
        cohort_id=cohort_id,
        before=before,
        after={"reviewed_at": suspect.reviewed_at, "review_note": note},
    )
    return suspect


def public_url_missing_message() -> str:
    """What the projector shows instead of a QR when CADRE_PUBLIC_URL is not set."""
    return _(
        "系统未设置公开网址（CADRE_PUBLIC_URL），大屏不显示签到二维码，学员可在“我的课表”中输入下方数字码签到。"
        "请系统管理员在服务器上设置 CADRE_PUBLIC_URL（例如 https://cadre.example.gov.cn/）后重启并刷新本页。"
    )
