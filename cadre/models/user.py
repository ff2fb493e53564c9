"""Accounts: who may log in and with which role."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cadre.auth.passwords import hash_password, verify_password
from cadre.enums import Role
from cadre.extensions import db
from cadre.models.types import UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from cadre.models.cohort import Cohort
    from cadre.models.trainee import Trainee


cohort_organizers = Table(
    "cohort_organizers",
    db.metadata,
    Column("cohort_id", ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    trainee_id: Mapped[int | None] = mapped_column(
        ForeignKey("trainees.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    trainee: Mapped[Trainee | None] = relationship(back_populates="user")
    managed_cohorts: Mapped[list[Cohort]] = relationship(
        secondary=cohort_organizers, back_populates="organizers"
    )

    # The token of the login this object was loaded for (set at login and by the user
    # loader); never stored, only its digest is (LoginSession).
    session_token = None

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return verify_password(self.password_hash, password)

    @property
    def password_fingerprint(self) -> str:
        """A short digest of the password hash; it changes whenever the password does."""
        return password_fingerprint_of(self.password_hash)

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and remember-me cookies: "<id>:<login token>".

        Without a login token (an object not loaded for a login) the id matches no login.
        """
        return f"{self.id}:{self.session_token or ''}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.is_active_account

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_organizer(self) -> bool:
        return self.role == Role.ORGANIZER

    @property
    def is_trainee(self) -> bool:
        return self.role == Role.TRAINEE

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


def password_fingerprint_of(password_hash: str) -> str:
    """User.password_fingerprint of a password hash read without the ORM."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]
