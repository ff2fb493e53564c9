"""The course report's narrative (培训总结报告的文字部分), kept with the cohort; the figures stay live."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from cadre.extensions import db
from cadre.models.types import UTCDateTime, utcnow


class CohortReport(db.Model):
    __tablename__ = "cohort_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), unique=True)
    # Plain text as the organizer wrote it; printed escaped, never as HTML.
    narrative: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
