"""Attendance statistics of a cohort, the matrix on screen and as .xlsx, one trainee's history."""

from __future__ import annotations

from flask import abort, render_template
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from cadre.attendance import stats
from cadre.attendance.views import bp
from cadre.attendance_messages import outcome_label
from cadre.auth.permissions import get_cohort_or_404, staff_required
from cadre.downloads import XLSX_MIMETYPE, download
from cadre.extensions import db
from cadre.models import (
    AttendanceRecord,
    AuditEvent,
    CorrectionRequest,
    Enrollment,
    LeaveRequest,
    TrainingSession,
)
from cadre.models.types import utcnow


@bp.route("/cohorts/<int:cohort_id>/attendance")
@staff_required
def cohort_stats(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, manage=True)
    data = stats.cohort_attendance(cohort, utcnow())
    sessions_by_id = {s.id: s for s in data.sessions}
    return render_template("attendance/stats.html", cohort=cohort, data=data, sessions_by_id=sessions_by_id)


@bp.route("/cohorts/<int:cohort_id>/attendance.xlsx")
@staff_required
def matrix_xlsx(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, manage=True)
    data = stats.cohort_attendance(cohort, utcnow())
    labels = {
        "sheet": _("考勤表"),
        "name": _("姓名"),
        "group": _("小组"),
        "community": _("所在居民区/单位"),
        "hours_held": _("已得学时"),
        "hours_total": _("课程总学时"),
        "rate": _("出勤率（百分数）"),
    }
    body = stats.matrix_xlsx(data, outcome_label, labels)
    return download(body, f"attendance-{cohort.code}.xlsx", XLSX_MIMETYPE)


@bp.route("/cohorts/<int:cohort_id>/attendance/trainees/<int:trainee_id>")
@staff_required
def trainee_attendance(cohort_id: int, trainee_id: int):
    """One trainee's attendance in the cohort, with every manual change (who, when, why, before → after)."""
    cohort = get_cohort_or_404(cohort_id, manage=True)
    enrollment = db.session.scalar(
        select(Enrollment)
        .where(Enrollment.cohort_id == cohort.id, Enrollment.trainee_id == trainee_id)
        .options(selectinload(Enrollment.trainee))
    )
    if enrollment is None:
        abort(404)
    data = stats.cohort_attendance(cohort, utcnow())
    in_cohort = select(TrainingSession.id).where(TrainingSession.cohort_id == cohort.id)
    history = db.session.scalars(
        select(AuditEvent)
        .where(
            or_(
                (AuditEvent.object_type == AttendanceRecord.__tablename__)
                & AuditEvent.object_id.in_(
                    select(AttendanceRecord.id).where(
                        AttendanceRecord.trainee_id == trainee_id, AttendanceRecord.session_id.in_(in_cohort)
                    )
                ),
                (AuditEvent.object_type == LeaveRequest.__tablename__)
                & AuditEvent.object_id.in_(
                    select(LeaveRequest.id).where(
                        LeaveRequest.trainee_id == trainee_id, LeaveRequest.session_id.in_(in_cohort)
                    )
                ),
                (AuditEvent.object_type == CorrectionRequest.__tablename__)
                & AuditEvent.object_id.in_(
                    select(CorrectionRequest.id).where(
                        CorrectionRequest.trainee_id == trainee_id,
                        CorrectionRequest.session_id.in_(in_cohort),
                    )
                ),
            )
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .options(selectinload(AuditEvent.actor))
        .limit(300)
    ).all()
    return render_template(
        "attendance/trainee.html",
        cohort=cohort,
        enrollment=enrollment,
        data=data,
        summary=data.per_trainee.get(trainee_id),
        row=list(zip(data.sessions, data.matrix.row(trainee_id), strict=True)),
        history=history,
        sessions_by_id={s.id: s for s in data.sessions},
        viewer=current_user,
    )
