"""Reading cohorts and their rosters: list summaries, the roster in order, groups, timetable."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from cadre.extensions import db
from cadre.models import (
    AttendanceRecord,
    Certificate,
    ClassRole,
    Cohort,
    Enrollment,
    EnrollmentStatus,
    LeaveRequest,
    Role,
    SessionSpeaker,
    TrainingSession,
    User,
    Venue,
)
from cadre.rules import cohort_rules
from cadre.rules.names import name_sort_key


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


_ROLE_ORDER = {ClassRole.MONITOR: 0, ClassRole.GROUP_LEADER: 1, ClassRole.MEMBER: 2}


def roster(cohort: Cohort) -> list[Enrollment]:
    """The cohort's enrollments with trainees, ordered by status, group, role and pinyin (2 queries)."""
    rows = db.session.scalars(
        select(Enrollment).where(Enrollment.cohort_id == cohort.id).options(selectinload(Enrollment.trainee))
    ).all()
    return sorted(
        rows,
        key=lambda e: (
            e.status != EnrollmentStatus.ACTIVE,
            e.group is None,
            cohort_rules.group_sort_key(e.group or ""),
            _ROLE_ORDER.get(e.class_role, 9),
            name_sort_key(e.trainee.name),
        ),
    )


@dataclass
class GroupSummary:
    name: str | None  # None: not in a group
    count: int = 0
    leaders: list[str] = field(default_factory=list)


def group_summary(enrollments: Iterable[Enrollment]) -> list[GroupSummary]:
    """Active trainees per group with the group's 组长, groups in natural order, ungrouped last."""
    groups: dict[str | None, GroupSummary] = {}
    for e in enrollments:
        if e.status != EnrollmentStatus.ACTIVE:
            continue
        summary = groups.setdefault(e.group, GroupSummary(e.group))
        summary.count += 1
        if e.class_role == ClassRole.GROUP_LEADER:
            summary.leaders.append(e.trainee.name)
    ordered = [groups[g] for g in cohort_rules.group_names(groups)]
    if None in groups:
        ordered.append(groups[None])
    return ordered


def monitor_of(enrollments: Iterable[Enrollment]) -> Enrollment | None:
    return next((e for e in enrollments if e.class_role == ClassRole.MONITOR), None)


def timetable(cohort: Cohort) -> list[TrainingSession]:
    return db.session.scalars(
        select(TrainingSession)
        .where(TrainingSession.cohort_id == cohort.id)
        .order_by(TrainingSession.starts_at)
        .options(
            selectinload(TrainingSession.venue),
            selectinload(TrainingSession.speaker_links).selectinload(SessionSpeaker.speaker),
            selectinload(TrainingSession.stops),
        )
    ).all()


def existing_groups(cohort_id: int) -> list[str]:
    """The group names already used in a cohort, for the datalist."""
    names = db.session.scalars(
        select(Enrollment.group)
        .where(Enrollment.cohort_id == cohort_id, Enrollment.group.is_not(None))
        .distinct()
    ).all()
    return cohort_rules.group_names(names)


def venues() -> list[Venue]:
    return db.session.scalars(select(Venue).order_by(Venue.name)).all()


def organizer_accounts(current: Iterable[User] = ()) -> list[User]:
    """Organizer accounts an admin may assign: active ones, plus any already assigned."""
    current_ids = [u.id for u in current]
    stmt = select(User).where(
        User.role == Role.ORGANIZER,
        or_(User.is_active_account.is_(True), User.id.in_(current_ids or [-1])),
    )
    return db.session.scalars(stmt.order_by(User.display_name, User.username)).all()


def enrollment_in(cohort: Cohort, enrollment_id: int) -> Enrollment | None:
    return db.session.scalar(
        select(Enrollment)
        .where(Enrollment.id == enrollment_id, Enrollment.cohort_id == cohort.id)
        .options(selectinload(Enrollment.trainee))
    )


@dataclass(frozen=True)
class RecordCounts:
    attendance: int
    leave_requests: int
    certificates: int

    @property
    def any(self) -> bool:
        return bool(self.attendance or self.leave_requests or self.certificates)


def records_of(cohort_id: int, trainee_id: int) -> RecordCounts:
    """What a trainee has in a cohort that removing the enrollment would orphan."""
    session_ids = select(TrainingSession.id).where(TrainingSession.cohort_id == cohort_id)
    attendance = db.session.scalar(
        select(func.count())
        .select_from(AttendanceRecord)
        .where(AttendanceRecord.trainee_id == trainee_id, AttendanceRecord.session_id.in_(session_ids))
    )
    leave = db.session.scalar(
        select(func.count())
        .select_from(LeaveRequest)
        .where(LeaveRequest.trainee_id == trainee_id, LeaveRequest.session_id.in_(session_ids))
    )
    certificates = db.session.scalar(
        select(func.count())
        .select_from(Certificate)
        .where(Certificate.trainee_id == trainee_id, Certificate.cohort_id == cohort_id)
    )
    return RecordCounts(attendance or 0, leave or 0, certificates or 0)
