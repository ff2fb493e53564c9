"""Attendance statistics of a cohort: loads rows in a fixed number of queries, then the pure rules count.

``cohort_attendance`` feeds the statistics page and the .xlsx export alike:
per session, per trainee (hours of the sessions held and of the whole course,
rate), per group, per community, and the matrix trainees × sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from io import BytesIO

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cadre.attendance.common import record_value, session_rules
from cadre.enums import EnrollmentStatus, LeaveStatus
from cadre.extensions import db
from cadre.models import AttendanceRecord, Cohort, Enrollment, LeaveRequest, TrainingSession
from cadre.rules import attendance_stats as stats_rules
from cadre.rules.cohort_rules import group_sort_key
from cadre.rules.completion import DEFAULT_MAX_LEAVE, CompletionRule, CompletionSummary, parse_share
from cadre.rules.roster_import import neutralize_formula
from cadre.rules.schedule import LOCAL_TZ


@dataclass
class CohortAttendance:
    cohort: Cohort
    sessions: list[TrainingSession]
    enrollments: list[Enrollment]
    matrix: stats_rules.Matrix
    per_session: list[stats_rules.SessionStats]
    per_trainee: dict[int, CompletionSummary]
    per_group: dict[str | None, stats_rules.GroupStats]
    per_community: dict[str | None, stats_rules.GroupStats]


def completion_rule(cohort: Cohort) -> CompletionRule:
    """The cohort's completion rule as the pure rules take it (a bad stored leave share: the default)."""
    try:
        leave = parse_share(cohort.max_leave_fraction)
    except ValueError:
        leave = DEFAULT_MAX_LEAVE
    return CompletionRule(
        min_attendance_percent=cohort.min_attendance_percent,
        require_required_sessions=cohort.require_required_sessions,
        max_unexcused_absences=cohort.max_unexcused_absences,
        max_leave_fraction=leave,
    )


def _withdrawn_at(enrollment: Enrollment) -> datetime | None:
    if enrollment.status != EnrollmentStatus.WITHDRAWN:
        return None
    day = enrollment.withdrawn_on or enrollment.enrolled_at.astimezone(LOCAL_TZ).date()
    return datetime.combine(day, time(0, 0), tzinfo=LOCAL_TZ)


def cohort_attendance(cohort: Cohort, now: datetime) -> CohortAttendance:
    """Everything the statistics need, in five queries whatever the size of the cohort."""
    sessions = list(
        db.session.scalars(
            select(TrainingSession)
            .where(TrainingSession.cohort_id == cohort.id)
            .order_by(TrainingSession.starts_at, TrainingSession.id)
        )
    )
    enrollments = sorted(
        db.session.scalars(
            select(Enrollment)
            .where(Enrollment.cohort_id == cohort.id)
            .options(selectinload(Enrollment.trainee))
        ),
        key=lambda e: (e.group is None, group_sort_key(e.group or ""), e.trainee.name, e.trainee_id),
    )
    session_ids = select(TrainingSession.id).where(TrainingSession.cohort_id == cohort.id)
    records = {
        (r.trainee_id, r.session_id): record_value(r)
        for r in db.session.scalars(
            select(AttendanceRecord).where(AttendanceRecord.session_id.in_(session_ids))
        )
    }
    leaves = {
        (trainee_id, session_id): LeaveStatus.APPROVED
        for trainee_id, session_id in db.session.execute(
            select(LeaveRequest.trainee_id, LeaveRequest.session_id).where(
                LeaveRequest.session_id.in_(session_ids), LeaveRequest.status == LeaveStatus.APPROVED
            )
        )
    }
    refs = [
        stats_rules.TraineeRef(e.trainee_id, e.group, e.trainee.community, _withdrawn_at(e))
        for e in enrollments
    ]
    matrix = stats_rules.build_matrix([session_rules(s) for s in sessions], refs, records, leaves, now)
    return CohortAttendance(
        cohort=cohort,
        sessions=sessions,
        enrollments=enrollments,
        matrix=matrix,
        per_session=stats_rules.session_stats(matrix),
        per_trainee=stats_rules.trainee_summaries(matrix, completion_rule(cohort)),
        per_group=stats_rules.by_group(matrix),
        per_community=stats_rules.by_community(matrix),
    )


def _cell_text(cell, outcome_label) -> str:
    if isinstance(cell, str):
        return outcome_label(cell)
    text = outcome_label(cell.status)
    return f"{text}（补）" if cell.corrected else text


def matrix_xlsx(data: CohortAttendance, outcome_label, labels: dict[str, str]) -> bytes:
    """The matrix and the per-trainee totals as a workbook; texts are translated by the caller."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = labels["sheet"][:31]
    head = [labels["name"], labels["group"], labels["community"]]
    head += [f"{s.starts_at.astimezone(LOCAL_TZ):%m-%d %H:%M} {s.title}" for s in data.sessions]
    head += [labels["hours_held"], labels["hours_total"], labels["rate"]]
    ws.append([neutralize_formula(h) for h in head])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for enrollment in data.enrollments:
        trainee = enrollment.trainee
        summary = data.per_trainee[trainee.id]
        row = [trainee.name, enrollment.group or "", trainee.community or ""]
        row = [neutralize_formula(v) for v in row]
        row += [_cell_text(c, outcome_label) for c in data.matrix.row(trainee.id)]
        rate = summary.attendance_percent
        row += [
            float(summary.hours_earned),
            float(summary.hours_total),
            float(rate) if rate is not None else None,
        ]
        ws.append(row)
    ws.freeze_panes = "D2"
    ws.column_dimensions["A"].width = 12
    for i in range(4, 4 + len(data.sessions)):
        ws.column_dimensions[get_column_letter(i)].width = 14
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
