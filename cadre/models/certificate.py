"""Completion certificates (结业证书), verifiable by serial number or QR token, and each cohort's settings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cadre.extensions import db
from cadre.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from cadre.models.cohort import Cohort
    from cadre.models.trainee import Trainee

DEFAULT_SERIAL_PATTERN = "{code}-{year}-{seq:03}"


class Certificate(db.Model):
    __tablename__ = "certificates"
    # seq is the cohort's running number: allocated under the cohort's lock, never reused.
    __table_args__ = (UniqueConstraint("cohort_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)  # e.g. QLJL2025-2025-007
    # A random token behind the QR code, so serials cannot be enumerated from it.
    verification_token: Mapped[str] = mapped_column(String(64), unique=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="RESTRICT"), index=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id", ondelete="RESTRICT"), index=True)
    # None only for certificates made before serials were allocated per cohort.
    seq: Mapped[int | None]
    credit_hours: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Why a trainee who did not meet the completion rule got one (also in the audit log).
    issue_reason: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    # A reissued certificate is revoked and points at the one that replaced it.
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id", ondelete="SET NULL"))

    cohort: Mapped[Cohort] = relationship()
    trainee: Mapped[Trainee] = relationship()
    replaced_by: Mapped[Certificate | None] = relationship(remote_side=[id])

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None

    @property
    def status(self) -> str:
        """valid / revoked / replaced (cadre.rules.certificates.certificate_status)."""
        from cadre.rules.certificates import certificate_status

        return certificate_status(self.revoked_at is not None, self.replaced_by_id is not None)


class CertificateSettings(db.Model):
    """How a cohort's certificates are numbered and printed (one row per cohort, made on first use)."""

    __tablename__ = "certificate_settings"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    serial_pattern: Mapped[str] = mapped_column(String(64), default=DEFAULT_SERIAL_PATTERN)
    # The next running number; only ever goes up (a rolled-back issue rolls it back too).
    next_seq: Mapped[int] = mapped_column(default=1)
    issuer: Mapped[str | None] = mapped_column(String(128))  # None: the cohort's organizing unit
    issue_date: Mapped[date | None]  # None: the cohort's end date (else the day of issue)
    # Seal or signature: a PNG (≤ 2 MB, checked) kept in the database, so every host has it.
    seal_png: Mapped[bytes | None] = mapped_column(LargeBinary)
    seal_width: Mapped[int | None]  # pixels, from the PNG
    seal_height: Mapped[int | None]
    seal_position: Mapped[str] = mapped_column(String(16), default="issuer")
    seal_size_mm: Mapped[int] = mapped_column(default=40)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    cohort: Mapped[Cohort] = relationship()
