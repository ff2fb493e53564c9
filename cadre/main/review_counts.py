"""What waits for an organizer's review, per cohort they manage: pending leave, pending corrections
(补签) and suspected proxy sign-ins (疑似代签) not yet reviewed, one query each; and the trainees
whose completion is at risk or out of reach (four queries for all the cohorts), for the home page."""

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


@dataclass(frozen=True)
class CompletionAttention:
    """One cohort's trainees whose completion needs attention (as its 结业情况 page counts them)."""

    cohort: Cohort
    at_risk: int
    cannot: int

    @property
    def total(self) -> int:
        return self.at_risk + self.cannot


def completion_attention(cohorts: list[Cohort]) -> list[CompletionAttention]:
    """The cohorts (in the given order) with trainees at risk (有风险) or unable to complete (无法结业)."""
    from cadre.attendance.completion import attention_by_cohort
    from cadre.models.types import utcnow
    from cadre.rules.completion import OutlookStatus

    counts = attention_by_cohort(cohorts, utcnow())
    found = []
    for cohort in cohorts:
        c = counts.get(cohort.id)
        if c and (c[OutlookStatus.AT_RISK] or c[OutlookStatus.CANNOT]):
            found.append(CompletionAttention(cohort, c[OutlookStatus.AT_RISK], c[OutlookStatus.CANNOT]))
    return found
