"""Enrollment (报名/学籍): a trainee in a cohort, with group and class role."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cadre.enums import ClassRole, EnrollmentStatus
from cadre.extensions import db
from cadre.models.types import UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from cadre.models.cohort import Cohort
    from cadre.models.trainee import Trainee


class Enrollment(db.Model):
    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("cohort_id", "trainee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id", ondelete="CASCADE"), index=True)
    group: Mapped[str | None] = mapped_column(String(32))  # 小组
    class_role: Mapped[ClassRole] = mapped_column(
        enum_column(ClassRole, "class_role"), default=ClassRole.MEMBER
    )
    status: Mapped[EnrollmentStatus] = mapped_column(
        enum_column(EnrollmentStatus, "enrollment_status"), default=EnrollmentStatus.ACTIVE
    )
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_on: Mapped[date | None]
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    cohort: Mapped[Cohort] = relationship(back_populates="enrollments")
    trainee: Mapped[Trainee] = relationship(back_populates="enrollments")

    @property
    def standing(self):
        """在训 / 已结束 / 退训 (已结业 / 未结业 once completion exists): cadre.rules.phases."""
        from cadre.rules.phases import enrollment_standing

        return enrollment_standing(self.status, self.cohort.phase)

    @property
    def is_leader(self) -> bool:
        """班长 and 组长 may take roll call for their group."""
        return self.class_role in (ClassRole.MONITOR, ClassRole.GROUP_LEADER)
