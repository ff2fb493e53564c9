"""Sign-in devices (which phone signed in whom) and suspected proxy sign-ins (疑似代签).

A phone carries a signed device cookie; the first trainee who signs in to a session
with it owns that phone for that session (one row per session × device, enforced by
the database, so two trainees racing on one phone leave one owner). A second trainee
on the same phone is refused and the attempt is kept here for the organizer's review.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cadre.extensions import db
from cadre.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from cadre.models.session import TrainingSession
    from cadre.models.trainee import Trainee
    from cadre.models.user import User


class SignInDevice(db.Model):
    """The trainee a phone (device cookie id) signed in for one session."""

    __tablename__ = "signin_devices"
    __table_args__ = (UniqueConstraint("session_id", "device_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"))
    device_id: Mapped[str] = mapped_column(String(32))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SuspectedProxySignIn(db.Model):
    """A trainee refused because the phone had already signed in someone else (疑似代签)."""

    __tablename__ = "suspected_proxy_signins"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("training_sessions.id", ondelete="CASCADE"), index=True
    )
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id", ondelete="CASCADE"), index=True)
    # Who signed in with this phone first (the phone's owner, presumably).
    device_owner_id: Mapped[int | None] = mapped_column(ForeignKey("trainees.id", ondelete="SET NULL"))
    device_id: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(8), default="in")  # "in" (签到) or "out" (签退)
    # Why it was flagged: "shared_device" (this phone already signed in someone else for the
    # session: refused) or "new_device" (a trainee who used another phone before signs in from a
    # phone new to them, e.g. a borrowed phone whose cookies were cleared: signed in, for review).
    reason: Mapped[str] = mapped_column(String(16), default="shared_device", server_default="shared_device")
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    review_note: Mapped[str | None] = mapped_column(Text)

    session: Mapped[TrainingSession] = relationship()
    trainee: Mapped[Trainee] = relationship(foreign_keys=[trainee_id])
    device_owner: Mapped[Trainee | None] = relationship(foreign_keys=[device_owner_id])
    reviewed_by: Mapped[User | None] = relationship()
