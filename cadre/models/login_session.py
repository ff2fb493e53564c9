"""A logged-in device: one row per login, so that one device can be logged out alone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cadre.extensions import db
from cadre.models.types import UTCDateTime, utcnow


class LoginSession(db.Model):
    """What a session cookie and a remember-me cookie stand for on the server.

    The cookies carry "<user id>:<token>"; only a digest of the token is stored, so a
    copy of the database logs nobody in. Deleting the row ends the login on that device,
    whichever cookie it still holds.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The password this login was made with: a password changed anywhere ends the login.
    password_fingerprint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_agent: Mapped[str | None] = mapped_column(String(200))
    ip: Mapped[str | None] = mapped_column(String(45))

    def __repr__(self) -> str:
        return f"<LoginSession {self.id} of user {self.user_id}>"
