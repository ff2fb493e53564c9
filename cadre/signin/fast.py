"""The login of the sign-in page, read without the ORM: a whole class opens it within a minute.

At 08:55, 29 to 200 phones open /s/<token> and tap once (issue 9, "Measured"). Loading
the logged-in user the general way (Flask-Login's user loader, an ORM query of the user
and the login) is a good part of those requests' CPU. `login()` reads the same two rows
with one prebuilt Core statement on the request's connection and makes the same checks
as `cadre.auth.services.load_login`: the login row of the cookie's token, the password it
was made with, its lifetime, and last-seen noted at most once an hour. It then hands
Flask-Login a detached User with those values, so `current_user` works as on every other
page. When it cannot decide (no login in the session cookie: a remember-me cookie
restores it; the login is gone or expired; session protection objects) it sets nothing,
and Flask-Login does what it does everywhere else.
"""

from __future__ import annotations

from flask import current_app, g, session
from sqlalchemy import bindparam, select

from cadre.auth.services import _digest, _parse_session_id, login_lasts
from cadre.db_util import Prepared
from cadre.extensions import login_manager
from cadre.models import LoginSession, User

_users = User.__table__
_logins = LoginSession.__table__

# Built once: a Core statement with bound parameters compiles once per process.
_LOGIN = Prepared(
    select(
        _users.c.id,
        _users.c.username,
        _users.c.display_name,
        _users.c.role,
        _users.c.trainee_id,
        _users.c.must_change_password,
        _users.c.is_active_account,
        _users.c.password_hash,
        _logins.c.id.label("login_id"),
        _logins.c.password_fingerprint,
        _logins.c.last_seen_at,
    )
    .join_from(_users, _logins, _logins.c.user_id == _users.c.id)
    .where(_users.c.id == bindparam("user_id"), _logins.c.token_hash == bindparam("token_hash"))
)


def login() -> bool:
    """Make the session cookie's login current_user, cheaply; False when Flask-Login must decide."""
    if "_login_user" in g:
        return True
    value = session.get("_user_id")
    parsed = _parse_session_id(value) if isinstance(value, str) else None
    if parsed is None:
        return False
    if login_manager._session_protection_failed():  # the check Flask-Login makes before loading
        return False
    user_id, token = parsed
    row = _LOGIN.first({"user_id": user_id, "token_hash": _digest(token)})
    if row is None:
        return False
    user = User(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        trainee_id=row.trainee_id,
        must_change_password=row.must_change_password,
        is_active_account=row.is_active_account,
        password_hash=row.password_hash,
    )
    lifetime = current_app.config["REMEMBER_COOKIE_DURATION"]
    if not login_lasts(row.login_id, row.password_fingerprint, row.last_seen_at, user, lifetime=lifetime):
        return False  # as load_login answers: no login
    user.session_token = token
    g._login_user = user
    return True
