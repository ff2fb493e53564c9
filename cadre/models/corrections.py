"""Corrections (补签/申诉) of attendance, and site-visit head counts (清点人数)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cadre.enums import LeaveStatus
from cadre.extensions import db
from cadre.models.types import UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from cadre.models.session import TrainingSession
    from cadre.models.trainee import Trainee
    from cadre.models.user import User


class HeadCountPhase(enum.StrEnum):
    """When a site visit's head count is taken."""

    DEPARTURE = "departure"  # 出发清点
    RETURN = "return"  # 返程清点


class CorrectionRequest(db.Model):
    """A trainee's request to be counted as signed in (补签), decided by an organizer.

    Statuses reuse LeaveStatus (pending / approved / rejected / withdrawn).
    """

    __tablename__ = "correction_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True
    )
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[LeaveStatus] = mapped_column(
        enum_column(LeaveStatus, "correction_status"), default=LeaveStatus.PENDING
    )
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(Text)

    session: Mapped[TrainingSession] = relationship()
    trainee: Mapped[Trainee] = relationship()
    decided_by: Mapped[User | None] = relationship()


class HeadCount(db.Model):
    """One trainee counted (or missing) at a site visit's departure or return."""

    __tablename__ = "head_counts"
    __table_args__ = (UniqueConstraint("session_id", "trainee_id", "phase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True
    )
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id", ondelete="CASCADE"), index=True)
    phase: Mapped[HeadCountPhase] = mapped_column(enum_column(HeadCountPhase, "head_count_phase"))
    present: Mapped[bool] = mapped_column(default=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
