"""What waits for an organizer's review, per cohort they manage: pending leave, pending corrections
(补签) and suspected proxy sign-ins (疑似代签) not yet reviewed. One query each, for the home page."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from cadre.enums import LeaveStatus, Role
from cadre.extensions import db
from cadre.models import (
    Cohort,
    CorrectionRequest,
    SuspectedProxySignIn,
    TrainingSession,
    User,
    cohort_organizers,
)


@dataclass
class ReviewCounts:
    leave: dict[int, int] = field(default_factory=dict)  # cohort id → pending leave requests
    corrections: dict[int, int] = field(default_factory=dict)  # cohort id → pending corrections
    suspects: dict[int, int] = field(default_factory=dict)  # cohort id → unreviewed proxy suspects

    def cohort_ids(self) -> set[int]:
        return {*self.leave, *self.corrections, *self.suspects}

    @property
    def total(self) -> int:
        return sum(self.leave.values()) + sum(self.corrections.values()) + sum(self.suspects.values())


def _per_cohort(stmt, user: User) -> dict[int, int]:
    """Counts by cohort of the sessions joined in `stmt`, for the cohorts the user manages (not archived)."""
    stmt = stmt.join(Cohort, Cohort.id == TrainingSession.cohort_id).where(Cohort.archived_at.is_(None))
    if user.role != Role.ADMIN:
        stmt = stmt.join(cohort_organizers, cohort_organizers.c.cohort_id == TrainingSession.cohort_id).where(
            cohort_organizers.c.user_id == user.id
        )
    return dict(db.session.execute(stmt.group_by(TrainingSession.cohort_id)).all())


def review_counts(user: User) -> ReviewCounts:
    """Everything waiting for this user's review (nothing for trainees), in three queries."""
    from cadre.attendance.leave import pending_leave_by_cohort

    if user.role not in (Role.ADMIN, Role.ORGANIZER):
        return ReviewCounts()
    corrections = select(TrainingSession.cohort_id, func.count(CorrectionRequest.id)).join(
        TrainingSession, TrainingSession.id == CorrectionRequest.session_id
    )
    suspects = select(TrainingSession.cohort_id, func.count(SuspectedProxySignIn.id)).join(
        TrainingSession, TrainingSession.id == SuspectedProxySignIn.session_id
    )
    return ReviewCounts(
        leave=pending_leave_by_cohort(user),
        corrections=_per_cohort(corrections.where(CorrectionRequest.status == LeaveStatus.PENDING), user),
        suspects=_per_cohort(suspects.where(SuspectedProxySignIn.reviewed_at.is_(None)), user),
    )
