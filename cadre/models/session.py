"""Training sessions (课程/日程), their speakers, the cohort goals they serve, and site-visit stops."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cadre.enums import SessionKind, Transport
from cadre.extensions import db
from cadre.models.types import UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from cadre.models.cohort import Cohort, CohortGoal
    from cadre.models.speaker import Speaker
    from cadre.models.venue import Venue

# The cohort goals (培训目标) a session serves.
session_goals = Table(
    "session_goals",
    db.metadata,
    Column("session_id", ForeignKey("training_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("goal_id", ForeignKey("cohort_goals.id", ondelete="CASCADE"), primary_key=True),
)


class TrainingSession(db.Model):
    __tablename__ = "training_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("credit_hours >= 0", name="credit_hours"),
        CheckConstraint("sign_in_opens_minutes BETWEEN 0 AND 1440", name="sign_in_opens_minutes"),
        CheckConstraint("late_after_minutes BETWEEN 0 AND 1440", name="late_after_minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SessionKind] = mapped_column(enum_column(SessionKind, "session_kind"))
    title: Mapped[str] = mapped_column(String(256))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id", ondelete="SET NULL"), index=True)
    credit_hours: Mapped[Decimal] = mapped_column(Numeric(5, 1), default=Decimal("0"))
    # True when the organizer typed the hours instead of taking the computed value.
    credit_hours_manual: Mapped[bool] = mapped_column(default=False)
    is_required: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str | None] = mapped_column(Text)
    what_to_bring: Mapped[str | None] = mapped_column(Text)

    # Sign-in settings, used by attendance: opens N minutes before the start, late after M minutes.
    sign_in_opens_minutes: Mapped[int] = mapped_column(default=30)
    late_after_minutes: Mapped[int] = mapped_column(default=10)
    sign_out_required: Mapped[bool] = mapped_column(default=False)

    # Site visits and on-site teaching: where and when the class meets, how it travels.
    meeting_point: Mapped[str | None] = mapped_column(String(256))
    departs_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    transport: Mapped[Transport | None] = mapped_column(enum_column(Transport, "transport"))
    returns_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Sessions created together as a weekly series share a series id.
    series_id: Mapped[str | None] = mapped_column(String(32), index=True)
    # A cancelled session stays on the timetable, struck through, with its reason.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # iCalendar SEQUENCE: raised on every change a calendar should pick up.
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="sessions")
    venue: Mapped[Venue | None] = relationship()
    speaker_links: Mapped[list[SessionSpeaker]] = relationship(
        back_populates="session",
        cascade="all, delete-orphan",
        order_by="SessionSpeaker.position",
    )
    goals: Mapped[list[CohortGoal]] = relationship(secondary=session_goals, order_by="CohortGoal.position")
    stops: Mapped[list[VisitStop]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="VisitStop.position"
    )

    @property
    def speakers(self) -> list[Speaker]:
        """The session's speakers in the order printed on the timetable."""
        return [link.speaker for link in self.speaker_links]

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def __repr__(self) -> str:
        return f"<TrainingSession {self.kind} {self.title!r}>"


class SessionSpeaker(db.Model):
    """One speaker of a session, in order (a session can have several)."""

    __tablename__ = "session_speakers"
    __table_args__ = (UniqueConstraint("session_id", "speaker_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True
    )
    speaker_id: Mapped[int] = mapped_column(ForeignKey("speakers.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    session: Mapped[TrainingSession] = relationship(back_populates="speaker_links")
    speaker: Mapped[Speaker] = relationship()


class VisitStop(db.Model):
    """A stop of a site visit (现场教学点), in the order the class visits them."""

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
    host_phone: Mapped[str | None] = mapped_column(String(32))
    arrives_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # planned arrival
    description: Mapped[str | None] = mapped_column(Text)  # notes

    session: Mapped[TrainingSession] = relationship(back_populates="stops")
