"""Loading sessions for the timetable pages, the feeds and the PDF: a fixed number of queries each.

Every page lists sessions with their venue, speakers, stops and goals; these load them
eagerly (selectinload: one query per relation, whatever the number of sessions).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from cadre.extensions import db
from cadre.models import Cohort, Enrollment, EnrollmentStatus, SessionSpeaker, TrainingSession
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
