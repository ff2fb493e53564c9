"""Logins as rows: starting, finding and ending them; a user's own password change.

Services in the sense of cadre/services.py: plain values in, rows changed, flushed and
audited, never committed. Password hashing and checking are slow (about 0.2 s of CPU)
and happen in the view before the write opens, so that the write lock is held for
milliseconds while a whole class logs in; these functions take the resulting hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import SQLAlchemyError

from cadre import audit
from cadre.extensions import db
from cadre.models import LoginSession, User
from cadre.models.types import utcnow
from cadre.services import NotFound, ServiceError

log = logging.getLogger(__name__)

# last_seen_at is written at most this often per login (a write per page view would make
# every request of a class contend for SQLite's one write lock).
LAST_SEEN_EVERY = timedelta(hours=1)
_TOKEN_MAX = 64


@dataclass(frozen=True)
class Device:
    """Where a login comes from, as the request tells it."""

    user_agent: str | None = None
    ip: str | None = None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_account(username: str) -> User | None:
    """The account a login form names: spaces around and letter case do not matter."""
    name = username.strip().lower()
    return db.session.scalar(select(User).where(func.lower(User.username) == name))


def start_login(user_id: int, password_fingerprint: str, device: Device, *, lifetime: timedelta) -> str:
    """Record a login on one device and return its token (for the cookies).

    `password_fingerprint` is that of the password just checked: if the password changed
    in between, the login is refused rather than made with the old one. Logins of this
    account that expired or belong to an old password are removed on the way.
    """
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    if not hmac.compare_digest(user.password_fingerprint, password_fingerprint):
        raise ServiceError(_("密码刚刚被修改，请用新密码重新登录。"))
    if not user.is_active_account:
        raise ServiceError(_("该账号已停用，请联系管理员。"))
    now = utcnow()
    db.session.execute(
        delete(LoginSession).where(
            LoginSession.user_id == user.id,
            (LoginSession.last_seen_at < now - lifetime)
            | (LoginSession.password_fingerprint != user.password_fingerprint),
        )
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            user_id=user.id,
            token_hash=_digest(token),
            password_fingerprint=user.password_fingerprint,
            created_at=now,
            last_seen_at=now,
            user_agent=(device.user_agent or "")[:200] or None,
            ip=device.ip,
        )
    )
    user.last_login_at = now
    db.session.flush()
    return token


def _parse_session_id(session_id: str) -> tuple[int, str] | None:
    user_id, sep, token = session_id.partition(":")
    if not sep or not (user_id.isascii() and user_id.isdigit()) or int(user_id) > 2**31 - 1:
        return None
    if not token or len(token) > _TOKEN_MAX or not token.isascii():
        return None
    return int(user_id), token


def load_login(session_id: str, *, lifetime: timedelta) -> User | None:
    """The user a cookie's "<user id>:<token>" stands for, while that login lasts; else None."""
    parsed = _parse_session_id(session_id)
    if parsed is None:
        return None
    user_id, token = parsed
    row = db.session.execute(
        select(User, LoginSession)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(User.id == user_id, LoginSession.token_hash == _digest(token))
    ).first()
    if row is None:
        return None
    user, login = row
    if not login_lasts(login.id, login.password_fingerprint, login.last_seen_at, user, lifetime=lifetime):
        return None
    user.session_token = token
    return user


def login_lasts(
    login_id: int, fingerprint: str, last_seen_at: datetime, user: User, *, lifetime: timedelta
) -> bool:
    """Does a login row still log its user in? Notes when it was last seen (at most once an hour).

    A password changed or reset since the login ends it, and so does a login not seen for
    `lifetime`. Every way of reading a login (load_login, the sign-in page's own) asks this.
    """
    if not hmac.compare_digest(fingerprint, user.password_fingerprint):
        return False
    now = utcnow()
    if last_seen_at < now - lifetime:
        return False
    if now - last_seen_at > LAST_SEEN_EVERY:
        _note_last_seen(login_id, now)
    return True


def _note_last_seen(login_id: int, now: datetime) -> None:
    """Best effort: a busy database must not cost the user their page."""
    from cadre.services import _in_write, writing

    session = db.session()
    if _in_write() or session.new or session.dirty or session.deleted:
        return  # inside someone else's write: do not commit it early
    try:
        with writing():
            db.session.execute(
                update(LoginSession).where(LoginSession.id == login_id).values(last_seen_at=now)
            )
    except (SQLAlchemyError, ServiceError):
        log.warning("could not note when login %s was last seen", login_id, exc_info=True)


def end_login(user_id: int, token: str | None) -> None:
    """Log one device out: its session and remember-me cookies stop working."""
    if token:
        db.session.execute(
            delete(LoginSession).where(
                LoginSession.user_id == user_id, LoginSession.token_hash == _digest(token)
            )
        )


def end_all_logins(user_id: int) -> int:
    """End every login of an account; the number ended. The caller audits why."""
    result = db.session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))
    return result.rowcount or 0


def log_out_everywhere(user_id: int) -> int:
    """The account's own "log out on every device", audited."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    ended = end_all_logins(user.id)
    audit.record("user.sessions_ended", user, after={"sessions_ended": ended, "reason": "logout_everywhere"})
    return ended


def change_own_password(
    user_id: int, session_token: str | None, *, expected_password_hash: str, new_password_hash: str
) -> int:
    """Set a user's new password (checked by the caller against `expected_password_hash`).

    This device stays logged in; every other login of the account ends. Returns the
    number of other logins ended.
    """
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    if not hmac.compare_digest(user.password_hash, expected_password_hash):
        raise ServiceError(_("密码刚刚在别处被修改，请重新登录后再试。"), field="current_password")
    user.password_hash = new_password_hash
    user.must_change_password = False
    others = delete(LoginSession).where(LoginSession.user_id == user.id)
    if session_token:
        others = others.where(LoginSession.token_hash != _digest(session_token))
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.user_id == user.id, LoginSession.token_hash == _digest(session_token))
            .values(password_fingerprint=user.password_fingerprint)
        )
    ended = db.session.execute(others).rowcount or 0
    audit.record("user.password_changed", user, after={"other_sessions_ended": ended})
    return ended
