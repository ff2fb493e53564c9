"""Loading sessions for the timetable pages, the feeds and the PDF: a fixed number of queries each.

Every page lists sessions with their venue, speakers, stops and goals; these load them
eagerly (selectinload: one query per relation, whatever the number of sessions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from cadre.extensions import db
from cadre.models import (
    AttendanceRecord,
    Cohort,
    Enrollment,
    EnrollmentStatus,
    LeaveRequest,
    SessionSpeaker,
    TrainingSession,
)
from cadre.rules.attendance import Phase, SessionOutcome, outcome, sign_in_phase
from cadre.rules.completion import CompletionSummary, summarize_outcomes
from cadre.rules.schedule import LOCAL_TZ


def session_options(with_cohort: bool = False) -> list:
    options = [
        selectinload(TrainingSession.venue),
        selectinload(TrainingSession.speaker_links).selectinload(SessionSpeaker.speaker),
        selectinload(TrainingSession.stops),
        selectinload(TrainingSession.goals),
    ]
    if with_cohort:
        options.append(selectinload(TrainingSession.cohort))
    return options


def local_midnight(day: date) -> datetime:
    """The moment a local (Shanghai) day begins."""
    return datetime.combine(day, time(0, 0), tzinfo=LOCAL_TZ)


def cohort_sessions(
    cohort_id: int, first: date | None = None, last: date | None = None
) -> list[TrainingSession]:
    """A cohort's sessions in time order, cancelled ones included; optionally only local days first..last."""
    stmt = select(TrainingSession).where(TrainingSession.cohort_id == cohort_id)
    if first is not None:
        stmt = stmt.where(TrainingSession.starts_at >= local_midnight(first))
    if last is not None:
        stmt = stmt.where(TrainingSession.starts_at < local_midnight(last + timedelta(days=1)))
    stmt = stmt.order_by(TrainingSession.starts_at, TrainingSession.id).options(*session_options())
    return list(db.session.scalars(stmt))


def session_span(cohort_id: int) -> tuple[datetime | None, datetime | None]:
    """The first start and last start of a cohort's sessions (one query)."""
    row = db.session.execute(
        select(func.min(TrainingSession.starts_at), func.max(TrainingSession.starts_at)).where(
            TrainingSession.cohort_id == cohort_id
        )
    ).one()
    return row[0], row[1]


def trainee_cohorts(trainee_id: int | None) -> list[Cohort]:
    """The cohorts a trainee is enrolled in (active enrollments), oldest first."""
    if trainee_id is None:
        return []
    return list(
        db.session.scalars(
            select(Cohort)
            .join(Enrollment, Enrollment.cohort_id == Cohort.id)
            .where(Enrollment.trainee_id == trainee_id, Enrollment.status == EnrollmentStatus.ACTIVE)
            .order_by(Cohort.start_date.nulls_last(), Cohort.id)
        )
    )


def trainee_sessions(trainee_id: int | None) -> list[TrainingSession]:
    """Every session of the cohorts a trainee is actively enrolled in, in time order, with their cohort."""
    if trainee_id is None:
        return []
    stmt = (
        select(TrainingSession)
        .join(Enrollment, Enrollment.cohort_id == TrainingSession.cohort_id)
        .where(Enrollment.trainee_id == trainee_id, Enrollment.status == EnrollmentStatus.ACTIVE)
        .order_by(TrainingSession.starts_at, TrainingSession.id)
        .options(*session_options(with_cohort=True))
    )
    return list(db.session.scalars(stmt))


@dataclass
class MyAttendance:
    """我的课表's attendance: each session's outcome (the rules' final status), leave, and totals."""

    outcomes: dict[int, SessionOutcome] = field(default_factory=dict)
    records: dict[int, AttendanceRecord] = field(default_factory=dict)
    leaves: dict[int, LeaveRequest] = field(default_factory=dict)
    summaries: list[tuple[Cohort, CompletionSummary]] = field(default_factory=list)
    sign_in_open: set[int] = field(default_factory=set)  # sessions a trainee may sign in (or out) to now


def trainee_attendance(
    trainee_id: int | None, sessions: list[TrainingSession], now: datetime
) -> MyAttendance:
    """Outcomes, leave and completion summaries for `sessions` (from trainee_sessions), in two queries.

    The statuses and hours come from cadre.rules.attendance/completion, the same rules the
    statistics and the training record use.
    """
    from cadre.attendance.common import record_value, session_rules
    from cadre.attendance.leave import leave_by_session
    from cadre.attendance.stats import completion_rule

    result = MyAttendance()
    if trainee_id is None or not sessions:
        return result
    ids = [s.id for s in sessions]
    result.records = {
        r.session_id: r
        for r in db.session.scalars(
            select(AttendanceRecord).where(
                AttendanceRecord.trainee_id == trainee_id, AttendanceRecord.session_id.in_(ids)
            )
        )
    }
    result.leaves = leave_by_session(trainee_id, ids)
    by_cohort: dict[int, list] = {}
    cohorts: dict[int, Cohort] = {}
    for s in sessions:
        rules = session_rules(s)
        record = result.records.get(s.id)
        req = result.leaves.get(s.id)
        leave = req.status if req is not None else None
        result.outcomes[s.id] = outcome(rules, record_value(record) if record else None, leave, now)
        if sign_in_phase(rules, now) == Phase.OPEN and (
            record is None or (s.sign_out_required and record.signed_out_at is None)
        ):
            result.sign_in_open.add(s.id)
        by_cohort.setdefault(s.cohort_id, []).append(rules)
        cohorts[s.cohort_id] = s.cohort
    for cohort_id, rules_list in by_cohort.items():
        cohort = cohorts[cohort_id]
        outcomes = {r.id: result.outcomes[r.id] for r in rules_list}
        summary = summarize_outcomes(rules_list, outcomes, completion_rule(cohort), now)
        result.summaries.append((cohort, summary))
    return result
