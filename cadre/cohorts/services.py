"""Reading and changing cohorts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from cadre.extensions import db
from cadre.models import Cohort, Enrollment, EnrollmentStatus, TrainingSession


@dataclass(frozen=True)
class CohortSummary:
    cohort: Cohort
    trainee_count: int
    session_count: int


def cohort_summaries(stmt: Select) -> list[CohortSummary]:
    """Cohorts of a statement with their active-trainee and session counts, in 3 queries."""
    cohorts = db.session.scalars(stmt.options(selectinload(Cohort.organizers))).unique().all()
    ids = [c.id for c in cohorts]
    if not ids:
        return []
    trainees = dict(
        db.session.execute(
            select(Enrollment.cohort_id, func.count())
            .where(Enrollment.cohort_id.in_(ids), Enrollment.status == EnrollmentStatus.ACTIVE)
            .group_by(Enrollment.cohort_id)
        ).all()
    )
    sessions = dict(
        db.session.execute(
            select(TrainingSession.cohort_id, func.count())
            .where(TrainingSession.cohort_id.in_(ids))
            .group_by(TrainingSession.cohort_id)
        ).all()
    )
    return [CohortSummary(c, trainees.get(c.id, 0), sessions.get(c.id, 0)) for c in cohorts]


def cohort_by_code(code: str) -> Cohort | None:
    return db.session.scalar(select(Cohort).where(func.upper(Cohort.code) == code.strip().upper()))


def roster(cohort: Cohort) -> list[Enrollment]:
    """The cohort's enrollments with trainees, ordered by group, role and name."""
    from cadre.models import ClassRole

    role_order = {ClassRole.MONITOR: 0, ClassRole.GROUP_LEADER: 1, ClassRole.MEMBER: 2}
    rows = db.session.scalars(
        select(Enrollment)
        .where(Enrollment.cohort_id == cohort.id)
        .options(selectinload(Enrollment.trainee))
    ).all()
    return sorted(
        rows,
        key=lambda e: (
            e.status != EnrollmentStatus.ACTIVE,
            e.group or "\uffff",
            role_order.get(e.class_role, 9),
            e.trainee.name,
        ),
    )


def timetable(cohort: Cohort) -> list[TrainingSession]:
    return db.session.scalars(
        select(TrainingSession)
        .where(TrainingSession.cohort_id == cohort.id)
        .order_by(TrainingSession.starts_at)
        .options(
            selectinload(TrainingSession.venue),
            selectinload(TrainingSession.speaker),
            selectinload(TrainingSession.stops),
        )
    ).all()
