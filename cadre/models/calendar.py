"""Calendar subscriptions (日历订阅): a secret feed URL per trainee, and one per cohort for its organizers."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cadre.extensions import db
from cadre.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from cadre.models.cohort import Cohort
    from cadre.models.trainee import Trainee


class CalendarFeed(db.Model):
    """A secret, revocable subscription URL. Exactly one of trainee and cohort is set.

    The URL's token is derived, not stored: an HMAC of the feed's id and its random
    nonce under the app's SECRET_KEY, so a copy of the database alone opens no feed.
    Regenerating makes a new row (new nonce) and revokes the old one; a revoked or
    unknown token is a plain 404.
    """

    __tablename__ = "calendar_feeds"
    __table_args__ = (CheckConstraint("(trainee_id IS NULL) <> (cohort_id IS NULL)", name="one_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(32))
    trainee_id: Mapped[int | None] = mapped_column(ForeignKey("trainees.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    reminders: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    trainee: Mapped[Trainee | None] = relationship()
    cohort: Mapped[Cohort | None] = relationship()
