"""A cohort (培训班/班次): one run of a training programme."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cadre.extensions import db
from cadre.models.types import UTCDateTime, local_today, utcnow
from cadre.models.user import cohort_organizers

if TYPE_CHECKING:
    from cadre.models.enrollment import Enrollment
    from cadre.models.session import TrainingSession
    from cadre.models.user import User
    from cadre.models.venue import Venue


class Cohort(db.Model):
    __tablename__ = "cohorts"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR start_date IS NULL OR end_date >= start_date", name="dates"),
        CheckConstraint("minutes_per_credit_hour > 0", name="minutes_per_credit_hour"),
        CheckConstraint("min_attendance_percent BETWEEN 0 AND 100", name="min_attendance_percent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Short code used by CLI commands and certificate serials, e.g. QLJL2025.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    organizing_unit: Mapped[str | None] = mapped_column(String(128))
    # Who a trainee asks for help (printed on the login slips), e.g. 王老师 021-62xxxxxx.
    contact_name: Mapped[str | None] = mapped_column(String(64))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    description: Mapped[str | None] = mapped_column(Text)
    default_venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id", ondelete="SET NULL"))
    minutes_per_credit_hour: Mapped[int] = mapped_column(default=45)
    # Completion rule (cadre.rules.completion; cadre.attendance.stats.completion_rule).
    min_attendance_percent: Mapped[int] = mapped_column(default=80)
    require_required_sessions: Mapped[bool] = mapped_column(default=True)
    max_unexcused_absences: Mapped[int | None]
    # Leave above this share of the course's credit hours cannot complete: "1/7" (the regulations'
    # one seventh), "3/20"; NULL = no limit. Parsed by cadre.rules.completion.parse_share.
    max_leave_fraction: Mapped[str | None] = mapped_column(String(16), default="1/7", server_default="1/7")
    # A later 期次 of the same programme points at the cohort it was copied from.
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    default_venue: Mapped[Venue | None] = relationship()
    organizers: Mapped[list[User]] = relationship(
        secondary=cohort_organizers, back_populates="managed_cohorts"
    )
    enrollments: Mapped[list[Enrollment]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan"
    )
    sessions: Mapped[list[TrainingSession]] = relationship(
        back_populates="cohort",
        cascade="all, delete-orphan",
        order_by="TrainingSession.starts_at",
    )
    goals: Mapped[list[CohortGoal]] = relationship(
        back_populates="cohort", cascade="all, delete-orphan", order_by="CohortGoal.position"
    )

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def phase(self):
        """未开班 / 进行中 / 已结束 / 已归档, from the dates and today (cadre.rules.phases)."""
        from cadre.rules.phases import cohort_phase

        return cohort_phase(self.start_date, self.end_date, archived=self.is_archived, today=local_today())

    def __repr__(self) -> str:
        return f"<Cohort {self.code}>"


class CohortGoal(db.Model):
    """A training goal a cohort names (培训目标, e.g. 为民服务).

    Sessions are tagged with the goals they serve, so the programme's balance shows.
    """

    __tablename__ = "cohort_goals"
    __table_args__ = (UniqueConstraint("cohort_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0)

    cohort: Mapped[Cohort] = relationship(back_populates="goals")
