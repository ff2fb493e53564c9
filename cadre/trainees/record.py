"""The training record (培训档案): a trainee's cohorts, hours, attendance and certificates.

Shown in full to admins and to the person themself; an organizer sees the
cohorts they manage and only a count of the others (cadre/rules/privacy.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from cadre.enums import AttendanceStatus, LeaveStatus
from cadre.extensions import db
from cadre.models import (
    AttendanceRecord,
    Certificate,
    Cohort,
    Enrollment,
    LeaveRequest,
    Trainee,
    TrainingSession,
    User,
)
from cadre.models.types import utcnow
from cadre.rules import attendance, completion, privacy
from cadre.rules import training_record as rules
from cadre.trainees.access import record_scope


@dataclass(frozen=True)
class RecordTally:
    """One trainee's numbers in one cohort (or summed over cohorts), as cadre.rules.attendance decides.

    Hours earned and statuses are the rules' final outcomes (left early earns pro rata, approved
    leave is excused, a held session with neither record nor leave is absent, shown as 无记录);
    due = the sessions held so far that were expected of the trainee; planned = the cohort's
    sessions that are not cancelled; the rate is attended sessions over held ones, as in the
    attendance statistics.
    """

    earned: Decimal
    due: Decimal
    planned: Decimal
    sessions_due: int
    sessions_planned: int
    attended: int
    counts: Mapping[str, int] = field(default_factory=dict)  # by final status, plus UNRECORDED

    @property
    def percent(self) -> Decimal | None:
        return completion.percent(Fraction(self.attended, self.sessions_due) if self.sessions_due else None)


@dataclass(frozen=True)
class RecordRow:
    enrollment: Enrollment
    cohort: Cohort
    tally: RecordTally
    certificate: Certificate | None
    completion: completion.CompletionSummary | None = None  # the rule and outlook (cadre.rules.completion)

    @property
    def standing(self):
        """在训 / 退训 / 已结业 / 未结业 (已结束 while the course's sessions are not all held)."""
        from cadre.rules.phases import enrollment_standing

        done = self.completion.completed if self.completion and self.completion.course_finished else None
        return enrollment_standing(self.enrollment.status, self.cohort.phase, completed=done)

    @property
    def valid_certificate(self) -> Certificate | None:
        return self.certificate if self.certificate is not None and self.certificate.is_valid else None


def _tally(
    sessions: list[tuple[TrainingSession, bool]],
    records: Mapping[int, AttendanceRecord],
    enrollment: Enrollment,
    now: datetime,
) -> tuple[RecordTally, completion.CompletionSummary]:
    """The rules' outcomes of one trainee's sessions of one cohort, added up, and the completion summary."""
    from cadre.attendance.common import record_value, session_rules
    from cadre.attendance.stats import _withdrawn_at, completion_rule

    rules_list, outcomes = [], {}
    counts = dict.fromkeys((*rules.STATUSES, rules.UNRECORDED), 0)
    planned = Decimal(0)
    sessions_planned = 0
    withdrawn_at = _withdrawn_at(enrollment)
    for session, leave_approved in sessions:
        values = session_rules(session)
        rules_list.append(values)
        if values.cancelled:
            continue  # counts for nobody
        planned += session.credit_hours
        sessions_planned += 1
        record = records.get(session.id)
        if not attendance.is_expected(values, withdrawn_at=withdrawn_at, has_record=record is not None):
            continue
        result = attendance.outcome(
            values,
            record_value(record) if record is not None else None,
            LeaveStatus.APPROVED if leave_approved else None,
            now,
        )
        outcomes[session.id] = result
        if attendance.is_held(values, now):
            status = str(result.status)
            if record is None and status == AttendanceStatus.ABSENT:
                status = rules.UNRECORDED
            counts[status] = counts.get(status, 0) + 1
    summary = completion.summarize_outcomes(rules_list, outcomes, completion_rule(enrollment.cohort), now)
    tally = RecordTally(
        earned=summary.hours_earned,
        due=summary.hours_held,
        planned=planned,
        sessions_due=summary.sessions_held,
        sessions_planned=sessions_planned,
        attended=summary.attended,
        counts=counts,
    )
    return tally, summary


def training_record(trainee: Trainee, cohort_ids: Set[int] | None = None) -> list[RecordRow]:
    """Every cohort the trainee took part in (or those of `cohort_ids`), newest first, in 5 queries."""
    stmt = (
        select(Enrollment).where(Enrollment.trainee_id == trainee.id).options(selectinload(Enrollment.cohort))
    )
    if cohort_ids is not None:
        stmt = stmt.where(Enrollment.cohort_id.in_(list(cohort_ids) or [-1]))
    enrollments = db.session.scalars(stmt).all()
    if not enrollments:
        return []
    cohort_ids = [e.cohort_id for e in enrollments]
    approved = (
        exists()
        .where(
            LeaveRequest.session_id == TrainingSession.id,
            LeaveRequest.trainee_id == trainee.id,
            LeaveRequest.status == LeaveStatus.APPROVED,
        )
        .label("leave_approved")
    )
    sessions: dict[int, list[tuple[TrainingSession, bool]]] = {cid: [] for cid in cohort_ids}
    for session, leave_approved in db.session.execute(
        select(TrainingSession, approved)
        .where(TrainingSession.cohort_id.in_(cohort_ids))
        .order_by(TrainingSession.starts_at, TrainingSession.id)
    ):
        sessions[session.cohort_id].append((session, bool(leave_approved)))
    records = {
        r.session_id: r
        for r in db.session.scalars(
            select(AttendanceRecord)
            .join(TrainingSession, TrainingSession.id == AttendanceRecord.session_id)
            .where(AttendanceRecord.trainee_id == trainee.id, TrainingSession.cohort_id.in_(cohort_ids))
        )
    }
    certificates: dict[int, Certificate] = {}
    for cert in db.session.scalars(
        select(Certificate).where(Certificate.trainee_id == trainee.id).order_by(Certificate.issued_at)
    ):
        # A valid certificate wins over a revoked one; among equals the latest.
        current = certificates.get(cert.cohort_id)
        if current is None or cert.is_valid or not current.is_valid:
            certificates[cert.cohort_id] = cert
    now = utcnow()
    rows = []
    for e in enrollments:
        tally, summary = _tally(sessions[e.cohort_id], records, e, now)
        rows.append(RecordRow(e, e.cohort, tally, certificates.get(e.cohort_id), summary))
    rows.sort(key=lambda r: (r.cohort.start_date or date.min, r.cohort.id), reverse=True)
    return rows


def record_totals(rows: list[RecordRow]) -> RecordTally | None:
    """The sum over all cohorts (None when there is none)."""
    if not rows:
        return None
    counts: dict[str, int] = {}
    for r in rows:
        for k, v in r.tally.counts.items():
            counts[k] = counts.get(k, 0) + v
    return RecordTally(
        earned=sum((r.tally.earned for r in rows), start=Decimal(0)),
        due=sum((r.tally.due for r in rows), start=Decimal(0)),
        planned=sum((r.tally.planned for r in rows), start=Decimal(0)),
        sessions_due=sum(r.tally.sessions_due for r in rows),
        sessions_planned=sum(r.tally.sessions_planned for r in rows),
        attended=sum(r.tally.attended for r in rows),
        counts=counts,
    )


@dataclass(frozen=True)
class VisibleRecord:
    rows: list[RecordRow]
    hidden_cohorts: int  # cohorts of the person the viewer does not manage: counted, not shown


def visible_training_record(viewer: User, trainee: Trainee) -> VisibleRecord:
    """The record as this viewer may see it (one query more than training_record)."""
    person = db.session.scalars(select(Enrollment.cohort_id).where(Enrollment.trainee_id == trainee.id)).all()
    shown, hidden = privacy.visible_record_cohorts(person, record_scope(viewer, trainee))
    return VisibleRecord(rows=training_record(trainee, shown) if shown else [], hidden_cohorts=hidden)


@dataclass(frozen=True)
class SessionLine:
    """One session of a cohort as the printed record lists it: its final status and the hours earned."""

    starts_at: datetime  # aware
    title: str
    status: str  # an AttendanceStatus value, or cadre.rules.attendance.PENDING / CANCELLED
    hours: Decimal
    corrected: bool


@dataclass(frozen=True)
class CohortDetail:
    lines: list[SessionLine]
    summary: object  # cadre.rules.completion.CompletionSummary


def session_details(trainee: Trainee, rows: list[RecordRow]) -> dict[int, CohortDetail]:
    """Per cohort of `rows`: each session with the trainee's final status and hours; the completion summary.

    Status and hours come from the attendance rules (cadre.rules.attendance.outcome,
    approved leave included) and completion from cadre.rules.completion, as on the
    attendance statistics pages: the printed record says what those pages say.
    Three queries, whatever the number of cohorts.
    """
    from cadre.attendance.common import record_value, session_rules
    from cadre.attendance.stats import completion_rule
    from cadre.models import EnrollmentStatus, LeaveRequest, LeaveStatus
    from cadre.rules import attendance as attendance_rules
    from cadre.rules import completion
    from cadre.rules.schedule import LOCAL_TZ

    cohort_ids = [r.cohort.id for r in rows]
    if not cohort_ids:
        return {}
    sessions = db.session.scalars(
        select(TrainingSession)
        .where(TrainingSession.cohort_id.in_(cohort_ids))
        .order_by(TrainingSession.starts_at, TrainingSession.id)
    ).all()
    ids = [s.id for s in sessions] or [-1]
    records = {
        r.session_id: record_value(r)
        for r in db.session.scalars(
            select(AttendanceRecord).where(
                AttendanceRecord.trainee_id == trainee.id, AttendanceRecord.session_id.in_(ids)
            )
        )
    }
    leaves = {
        sid: LeaveStatus.APPROVED
        for sid in db.session.scalars(
            select(LeaveRequest.session_id).where(
                LeaveRequest.trainee_id == trainee.id,
                LeaveRequest.session_id.in_(ids),
                LeaveRequest.status == LeaveStatus.APPROVED,
            )
        )
    }
    now = utcnow()
    details: dict[int, CohortDetail] = {}
    for row in rows:
        e = row.enrollment
        withdrawn_at = None  # as the attendance statistics count it (cadre.attendance.stats)
        if e.status == EnrollmentStatus.WITHDRAWN:
            day = e.withdrawn_on or e.enrolled_at.astimezone(LOCAL_TZ).date()
            withdrawn_at = datetime.combine(day, time(0, 0), tzinfo=LOCAL_TZ)
        rule = completion_rule(row.cohort)
        mine = [s for s in sessions if s.cohort_id == row.cohort.id]
        facts = [session_rules(s) for s in mine]
        outcomes = {}
        lines = []
        for s, fact in zip(mine, facts, strict=True):
            record = records.get(s.id)
            if not attendance_rules.is_expected(
                fact, withdrawn_at=withdrawn_at, has_record=record is not None
            ):
                continue
            result = attendance_rules.outcome(
                fact, record, leaves.get(s.id), now, late_pro_rata=rule.late_pro_rata
            )
            outcomes[s.id] = result
            lines.append(SessionLine(s.starts_at, s.title, result.status, result.hours, result.corrected))
        details[row.cohort.id] = CohortDetail(
            lines, completion.summarize_outcomes(facts, outcomes, rule, now)
        )
    return details
