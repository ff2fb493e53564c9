"""结业情况: every trainee's completion outlook in a cohort (at-risk first), and the counts per cohort
the organizer's home page shows. Both read the same rules (cadre.rules.completion) from the same rows.

Who is counted: trainees still in the class (在训); a withdrawn trainee is listed at the end of the
page and counted nowhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from cadre.attendance.common import record_value, session_rules
from cadre.attendance.stats import _withdrawn_at, cohort_attendance, completion_rule
from cadre.enums import EnrollmentStatus, LeaveStatus
from cadre.extensions import db
from cadre.models import AttendanceRecord, Cohort, Enrollment, LeaveRequest, TrainingSession
from cadre.rules import attendance_stats as stats_rules
from cadre.rules.completion import OUTLOOK_ORDER, CompletionSummary, OutlookStatus

_RANK = {status: i for i, status in enumerate(OUTLOOK_ORDER)}


@dataclass(frozen=True)
class CompletionRow:
    enrollment: Enrollment
    summary: CompletionSummary

    @property
    def withdrawn(self) -> bool:
        return self.enrollment.status == EnrollmentStatus.WITHDRAWN

    @property
    def outlook(self):
        return self.summary.outlook


@dataclass
class CohortCompletion:
    cohort: Cohort
    rows: list[CompletionRow]  # active trainees at-risk first, then cannot, on track, met; withdrawn last
    counts: Counter = field(default_factory=Counter)  # OutlookStatus → active trainees
    sessions_total: int = 0  # sessions not cancelled
    sessions_held: int = 0
    hours_total: Decimal = Decimal("0.0")  # credit hours of the sessions not cancelled

    @property
    def attention(self) -> int:
        """有风险 + 无法结业: what the home page counts."""
        return self.counts[OutlookStatus.AT_RISK] + self.counts[OutlookStatus.CANNOT]


def cohort_completion(cohort: Cohort, now: datetime) -> CohortCompletion:
    """The page's rows, from the attendance statistics' loading (five queries whatever the size)."""
    data = cohort_attendance(cohort, now)
    rows = [CompletionRow(e, data.per_trainee[e.trainee_id]) for e in data.enrollments]
    rows.sort(key=lambda r: (r.withdrawn, _RANK[r.outlook.status]))  # stable: group, then name
    counts = Counter(r.outlook.status for r in rows if not r.withdrawn)
    held = [s for s in data.per_session if not s.cancelled]
    return CohortCompletion(
        cohort=cohort,
        rows=rows,
        counts=counts,
        sessions_total=len(held),
        sessions_held=sum(1 for s in held if s.held),
        hours_total=sum((s.credit_hours for s in data.sessions if not s.is_cancelled), Decimal("0.0")),
    )


def attention_by_cohort(cohorts: Iterable[Cohort], now: datetime) -> dict[int, Counter]:
    """Per cohort id: active trainees by OutlookStatus, for many cohorts in four queries."""
    by_id = {c.id: c for c in cohorts}
    if not by_id:
        return {}
    ids = list(by_id)
    sessions: dict[int, list] = {cid: [] for cid in ids}
    for s in db.session.scalars(
        select(TrainingSession)
        .where(TrainingSession.cohort_id.in_(ids))
        .order_by(TrainingSession.starts_at, TrainingSession.id)
    ):
        sessions[s.cohort_id].append(session_rules(s))
    enrollments = db.session.scalars(
        select(Enrollment).where(Enrollment.cohort_id.in_(ids), Enrollment.status == EnrollmentStatus.ACTIVE)
    ).all()
    in_cohorts = select(TrainingSession.id).where(TrainingSession.cohort_id.in_(ids))
    records = {
        (r.trainee_id, r.session_id): record_value(r)
        for r in db.session.scalars(
            select(AttendanceRecord).where(AttendanceRecord.session_id.in_(in_cohorts))
        )
    }
    leaves = {
        key: LeaveStatus.APPROVED
        for key in db.session.execute(
            select(LeaveRequest.trainee_id, LeaveRequest.session_id).where(
                LeaveRequest.session_id.in_(in_cohorts), LeaveRequest.status == LeaveStatus.APPROVED
            )
        )
    }
    refs: dict[int, list] = {cid: [] for cid in ids}
    for e in enrollments:
        refs[e.cohort_id].append(stats_rules.TraineeRef(e.trainee_id, withdrawn_at=_withdrawn_at(e)))
    result: dict[int, Counter] = {}
    for cid in ids:
        matrix = stats_rules.build_matrix(sessions[cid], refs[cid], records, leaves, now)
        summaries = stats_rules.trainee_summaries(matrix, completion_rule(by_id[cid]))
        result[cid] = Counter(s.outlook.status for s in summaries.values())
    return result


def completion_xlsx(data: CohortCompletion, texts) -> bytes:
    """The page as a workbook (the 结业名单 of a class's closing papers); `texts` translates for the caller.

    `texts` has the column headings (`head`), the sheet title (`sheet`) and the functions
    `status(row)`, `need(outlook)` and `reasons(outlook)` giving the cells' words.
    """
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from cadre.rules.roster_import import neutralize_formula

    wb = Workbook()
    ws = wb.active
    ws.title = texts["sheet"][:31]
    ws.append([neutralize_formula(h) for h in texts["head"]])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in data.rows:
        s, trainee = r.summary, r.enrollment.trainee
        text = [trainee.name, r.enrollment.group or "", trainee.community or "", texts["status"](r)]
        share = s.hours_percent
        ws.append(
            [neutralize_formula(v) for v in text]
            + [float(s.hours_earned), float(s.hours_held), float(share) if share is not None else None]
            + [
                neutralize_formula(v)
                for v in (
                    "" if r.withdrawn else (texts["need"](r.outlook) or ""),
                    "" if r.withdrawn else "\n".join(texts["reasons"](r.outlook)),
                )
            ]
        )
    for row in ws.iter_rows(min_row=2):
        row[-1].alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in zip("ABCDEFGHI", (12, 10, 18, 10, 10, 10, 10, 30, 50), strict=True):
        ws.column_dimensions[column].width = width
    ws.freeze_panes = "B2"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
