"""A trainee is a person, kept across cohorts."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cadre.enums import Gender
from cadre.extensions import db
from cadre.models.types import UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from cadre.models.enrollment import Enrollment
    from cadre.models.user import User


class Trainee(db.Model):
    __tablename__ = "trainees"
    __table_args__ = (
        CheckConstraint("birth_month IS NULL OR (birth_month BETWEEN 1 AND 12)", name="birth_month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    gender: Mapped[Gender | None] = mapped_column(enum_column(Gender, "gender"))
    birth_year: Mapped[int | None]
    birth_month: Mapped[int | None]
    # Mainland mobile number, digits only; the key that matches a person across imports.
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)
    community: Mapped[str | None] = mapped_column(String(128))  # 所在居民区/单位
    position: Mapped[str | None] = mapped_column(String(128))  # 现任职务
    political_status: Mapped[str | None] = mapped_column(String(32))  # 政治面貌
    education: Mapped[str | None] = mapped_column(String(32))  # 学历
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    enrollments: Mapped[list[Enrollment]] = relationship(back_populates="trainee")
    user: Mapped[User | None] = relationship(back_populates="trainee")

    @property
    def masked_phone(self) -> str:
        from cadre.rules.privacy import mask_phone

        return mask_phone(self.phone)

    def __repr__(self) -> str:
        return f"<Trainee {self.name}>"
