"""Completion certificates (结业证书), verifiable by serial number or QR token."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cadre.extensions import db
from cadre.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from cadre.models.cohort import Cohort
    from cadre.models.trainee import Trainee


class Certificate(db.Model):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)  # e.g. QLJL2025-0007
    # A random token behind the QR code, so serials cannot be enumerated from it.
    verification_token: Mapped[str] = mapped_column(String(64), unique=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="RESTRICT"), index=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id", ondelete="RESTRICT"), index=True)
    credit_hours: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)

    cohort: Mapped[Cohort] = relationship()
    trainee: Mapped[Trainee] = relationship()

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None
