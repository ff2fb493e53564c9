"""Training sessions (课程/日程) and the stops of a site visit (现场教学点)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cadre.enums import SessionKind
from cadre.extensions import db
from cadre.models.types import UTCDateTime, enum_column

if TYPE_CHECKING:
    from cadre.models.cohort import Cohort
    from cadre.models.speaker import Speaker
    from cadre.models.venue import Venue


class TrainingSession(db.Model):
    __tablename__ = "training_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("credit_hours >= 0", name="credit_hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SessionKind] = mapped_column(enum_column(SessionKind, "session_kind"))
    title: Mapped[str] = mapped_column(String(256))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id", ondelete="SET NULL"))
    speaker_id: Mapped[int | None] = mapped_column(ForeignKey("speakers.id", ondelete="SET NULL"))
    credit_hours: Mapped[Decimal] = mapped_column(Numeric(5, 1), default=Decimal("0"))
    is_required: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str | None] = mapped_column(Text)

    cohort: Mapped[Cohort] = relationship(back_populates="sessions")
    venue: Mapped[Venue | None] = relationship()
    speaker: Mapped[Speaker | None] = relationship()
    stops: Mapped[list[VisitStop]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="VisitStop.position"
    )

    def __repr__(self) -> str:
        return f"<TrainingSession {self.kind} {self.title!r}>"


class VisitStop(db.Model):
    __tablename__ = "visit_stops"
    __table_args__ = (UniqueConstraint("session_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(128))
    address: Mapped[str | None] = mapped_column(String(256))
    host: Mapped[str | None] = mapped_column(String(128))  # who receives the class there
    description: Mapped[str | None] = mapped_column(Text)

    session: Mapped[TrainingSession] = relationship(back_populates="stops")
