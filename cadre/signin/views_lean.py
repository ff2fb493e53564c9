"""The QR page and its one tap, answered without Flask's request pipeline when they are the common case.

At 08:55, 29 to 200 phones open /s/<token> and tap once (issue 9, "Measured"). Through
the Flask view each request pays for the request context, the ORM session, every
before/after hook of the app and the session machinery: most of its CPU, for a page
that needs a session cookie read, two indexed queries and a template. This WSGI layer
answers exactly one case itself: a logged-in trainee (the session cookie's login,
checked as cadre/signin/fast.py checks it) opening a valid QR, and the POST of its
confirm page signing in for the first time. Everything else, and every doubt, goes to
the Flask view unchanged (`signin.views.form`): not logged in, flashed messages or a
scan remembered in the session, a login to restore from the remember-me cookie, session
protection objecting, a login whose last-seen time is due, a refused or expired token
or ticket, a CSRF token (or, over HTTPS, a referrer) CSRFProtect would refuse, sign-out,
a refusal to word, a phone to flag as a suspected proxy, a database error, a fault here.
A POST handed on after its tap was counted carries the count (views.TAP_COUNTED), so a
tap counts once.

The answer is the view's: the same templates, the same checks and services
(services.sign_in_within_write: the checks read inside the write, the device claim, the
record, the audit event), the same headers and cookies; tests/test_signin_lean_wsgi.py
compares the two paths response by response.
"""

from __future__ import annotations

import hashlib
import hmac
import io
from types import SimpleNamespace
from urllib.parse import parse_qsl

from flask_wtf.csrf import same_origin
from itsdangerous import BadData, URLSafeTimedSerializer
from jinja2.ext import _make_new_gettext  # Flask-Babel's newstyle gettext, as Jinja wraps it
from werkzeug.http import dump_cookie, parse_cookie
from werkzeug.wsgi import get_host

from cadre.models.user import password_fingerprint_of

# The session keys of a logged-in trainee's ordinary request; any other (flashes, a
# remembered scan, "_remember", "_permanent") means the view has something to do.
_PLAIN_SESSION_KEYS = frozenset({"_fresh", "_id", "_user_id", "csrf_token", "lang"})
_MAX_BODY = 4096  # the confirm form is two fields of under 200 bytes
_FORM_TYPE = "application/x-www-form-urlencoded"


class Delegate(Exception):  # noqa: N818 - control flow: the Flask view answers
    """The request is not the common case: the Flask view answers it."""


class LeanSignIn:
    """WSGI middleware in front of the app: /s/<token> for the common case, else the app."""

    def __init__(self, app, wsgi_app):
        self.app = app
        self.wsgi_app = wsgi_app
        self._serializers: dict = {}

    def __call__(self, environ, start_response):
        if (
            environ.get("REQUEST_METHOD") not in ("GET", "POST")
            or not environ.get("PATH_INFO", "").startswith("/s/")
            or not self.app.config.get("SIGNIN_LEAN_PATH")
        ):
            return self.wsgi_app(environ, start_response)
        body = b""
        if environ["REQUEST_METHOD"] == "POST":
            body = _small_form_body(environ)
            if body is None:
                return self.wsgi_app(environ, start_response)
            environ["wsgi.input"] = io.BytesIO(body)  # the view reads it again if it answers
        try:
            with self.app.app_context():
                status, headers, content = _Request(self, environ, body).answer()
        except Delegate:
            environ["wsgi.input"] = io.BytesIO(body)
            return self.wsgi_app(environ, start_response)
        except Exception:  # a fault here must cost the trainee nothing: the view answers instead
            self.app.logger.exception(
                "lean sign-in page failed on %s; the view answers", environ["PATH_INFO"]
            )
            environ["wsgi.input"] = io.BytesIO(body)
            return self.wsgi_app(environ, start_response)
        start_response(status, headers)
        return [content]

    def serializer(self, kind: str) -> URLSafeTimedSerializer:
        """The session cookie's signer (Flask's own) or the CSRF token's (Flask-WTF's)."""
        config = self.app.config
        # Keyed on the keys too: a key changed at run time is used at once, as Flask does.
        fallbacks = tuple(config.get("SECRET_KEY_FALLBACKS") or ())  # a list in the config: not hashable
        keys = (kind, config["SECRET_KEY"], config.get("WTF_CSRF_SECRET_KEY"), fallbacks)
        known = self._serializers.get(keys)
        if known is None:
            if kind == "session":
                known = self.app.session_interface.get_signing_serializer(self.app)
            else:
                secret = config.get("WTF_CSRF_SECRET_KEY") or self.app.secret_key
                known = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")
            self._serializers[keys] = known
        return known


def _small_form_body(environ) -> bytes | None:
    """The body of a small urlencoded POST, read whole; None for anything else (the view reads it)."""
    if environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower() != _FORM_TYPE:
        return None
    declared = environ.get("CONTENT_LENGTH") or ""
    if not declared.isascii() or not declared.isdigit():  # as Werkzeug reads it ("+5", "1_0": not a length)
        return None
    length = int(declared)
    if not 0 < length <= _MAX_BODY:
        return None
    body = environ["wsgi.input"].read(length)
    if len(body) != length:
        environ["wsgi.input"] = io.BytesIO(body)
        return None
    return body


class _Request:
    """One request of the lean path; any doubt raises Delegate before anything is written."""

    def __init__(self, lean: LeanSignIn, environ, body: bytes):
        self.lean = lean
        self.app = lean.app
        self.config = lean.app.config
        self.environ = environ
        self.body = body
        self.cookies = parse_cookie(environ)
        self.device_cookie = None

    # ------------------------------------------------------------------ what the view would read

    def _session(self) -> dict:
        value = self.cookies.get(self.config["SESSION_COOKIE_NAME"])
        if not value:
            raise Delegate
        max_age = int(self.app.permanent_session_lifetime.total_seconds())
        try:
            data = self.lean.serializer("session").loads(value, max_age=max_age)
        except BadData:
            raise Delegate from None
        if not isinstance(data, dict) or not data.keys() <= _PLAIN_SESSION_KEYS:
            raise Delegate
        if not self._session_protection_holds(data):
            raise Delegate
        return data

    def _session_protection_holds(self, data: dict) -> bool:
        """Flask-Login's "basic" check: the session's _id is this address and browser's."""
        from cadre.extensions import login_manager

        mode = self.config.get("SESSION_PROTECTION", login_manager.session_protection)
        if not mode:
            return True
        if mode != "basic":
            return False
        return data.get("_id") == _identifier(self.environ)

    def _login(self, data: dict, session_id: int | None = None):
        """The trainee the session's login stands for (fast.login's checks), else Delegate.

        With `session_id`, (trainee, the session's card) read in the same statement.
        """
        from cadre.auth.services import LAST_SEEN_EVERY, _digest, _parse_session_id, login_lasts
        from cadre.enums import Role
        from cadre.models.types import utcnow
        from cadre.signin import fast

        value = data.get("_user_id")
        parsed = _parse_session_id(value) if isinstance(value, str) else None
        if parsed is None:
            raise Delegate
        user_id, token = parsed
        params = {"user_id": user_id, "token_hash": _digest(token)}
        if session_id is None:
            row = fast._LOGIN.first(params)  # noqa: SLF001
        else:
            row = _LOGIN_AND_CARD.first({**params, "session": session_id})
        if row is None or not row.is_active_account:  # Flask-Login: an inactive account is no login
            raise Delegate
        if row.role != Role.TRAINEE or row.must_change_password or row.trainee_id is None:
            raise Delegate
        if utcnow() - row.last_seen_at > LAST_SEEN_EVERY:
            raise Delegate  # the view notes the last-seen time (a write)
        user = _LeanUser(row)
        lifetime = self.config["REMEMBER_COOKIE_DURATION"]
        if not login_lasts(row.login_id, row.password_fingerprint, row.last_seen_at, user, lifetime=lifetime):
            raise Delegate
        if session_id is None:
            return user
        if row.card_id is None:
            raise Delegate  # the session is gone: the view says so
        card = SimpleNamespace(
            id=row.card_id, title=row.card_title, starts_at=row.card_starts_at, ends_at=row.card_ends_at,
            venue=row.card_venue,
        )  # fmt: skip
        return user, card

    def _form(self) -> dict:
        try:
            text = self.body.decode("ascii")
        except UnicodeDecodeError:
            raise Delegate from None
        form: dict = {}
        for name, value in parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="replace"):
            if "\x00" in value or "\x00" in name:
                raise Delegate  # the view refuses it (refuse_nul_characters)
            form.setdefault(name, value)
        return form

    def _check_csrf(self, data: dict, form: dict) -> None:
        """Flask-WTF's CSRFProtect, as it checks this form: a failure is the view's 400."""
        config = self.config
        if not config.get("WTF_CSRF_ENABLED", True) or not config.get("WTF_CSRF_CHECK_DEFAULT", True):
            return
        field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        signed, raw = form.get(field), data.get(field)
        if not signed or not isinstance(raw, str):
            raise Delegate
        try:
            token = self.lean.serializer("csrf").loads(
                signed, max_age=config.get("WTF_CSRF_TIME_LIMIT", 3600)
            )
        except BadData:
            raise Delegate from None
        if not isinstance(token, str) or not hmac.compare_digest(raw, token):
            raise Delegate
        if self.environ.get("wsgi.url_scheme") == "https" and config.get("WTF_CSRF_SSL_STRICT", True):
            # Over HTTPS the referrer must be this site (CSRFProtect.protect, request.host).
            referrer = self.environ.get("HTTP_REFERER")
            if not referrer or config.get("TRUSTED_HOSTS") is not None:
                raise Delegate
            if not same_origin(referrer, f"https://{get_host(self.environ)}/"):
                raise Delegate

    # ------------------------------------------------------------------ the answer

    def answer(self) -> tuple[str, list, bytes]:
        from flask import g

        from cadre.db_util import direct_connection
        from cadre.extensions import db
        from cadre.rules.signin_tokens import TokenStatus
        from cadre.signin import views

        token = self.environ["PATH_INFO"][3:]
        if not token or not token.isascii() or "/" in token or "\x00" in token:
            raise Delegate  # the view's answer (refuse_nul_characters: a 400)
        if self.environ.get("QUERY_STRING"):
            raise Delegate  # a QR address has none: whatever it says is the view's to judge
        data = self._session()
        g.session_lang = data.get("lang")  # the page's language (factory.select_locale)
        if self.environ["REQUEST_METHOD"] == "POST":
            with direct_connection(db.engine) as connection:
                return self._tap(self._login(data), data, connection)
        purpose, check = views._read_token(token, views.utcnow())  # noqa: SLF001
        if check.status != TokenStatus.OK or "csrf_token" not in data:
            raise Delegate  # refused, or expired but perhaps scanned before logging in; a new CSRF secret
        with direct_connection(db.engine):
            user, card = self._login(data, session_id=check.session_id)
        return self._page(check.session_id, purpose, user, card, data)

    def _page(self, session_id: int, purpose: str, user, card, data: dict):
        from cadre.signin import views

        csrf = self.lean.serializer("csrf").dumps(data["csrf_token"])
        html = self._render(
            "signin/confirm.html",
            user,
            s=card,
            purpose=purpose,
            ticket=views.make_ticket(session_id, purpose, user.id),
            csrf_token=lambda: csrf,
        )
        return self._response("200 OK", html)

    def _tap(self, user, data: dict, connection):
        from flask import current_app

        from cadre.db_util import NeedsOrmSession, write_transaction
        from cadre.signin import services, views

        form = self._form()
        self._check_csrf(data, form)
        limit = self.config.get("SIGNIN_RATE_LIMIT", "10 per minute")
        retry_after = views.tap_retry_after(limit, f"signin:{user.id}")
        self.environ[views.TAP_COUNTED] = retry_after  # counted: the view must not count it again
        if retry_after:
            raise Delegate
        ticket = views.read_ticket(form.get("ticket"), user.id)
        if ticket is None or ticket[1] != "in":
            raise Delegate
        device_id, self.device_cookie = self._device()
        ip = self.environ.get("REMOTE_ADDR")
        try:
            with write_transaction(connection):
                outcome = services.sign_in_within_write(
                    ticket[0], user.trainee_id, device_id=device_id, ip=ip, actor_id=user.id
                )
                if outcome.kind not in (services.SIGNED_IN, services.ALREADY):
                    raise Delegate  # rolled back: the view words it, from scratch
        except (Delegate, NeedsOrmSession, services.ServiceError):
            raise Delegate from None  # a refusal or a suspected proxy, rolled back
        except Exception:
            current_app.logger.warning("lean sign-in write failed; the view answers", exc_info=True)
            raise Delegate from None
        return self._result(user, outcome)

    def _result(self, user, outcome):
        from flask import g

        from cadre.attendance_messages import sign_in_result_message
        from cadre.signin import services

        g.viewer_name = user.display_name
        message = sign_in_result_message(outcome.status, outcome.at, already=outcome.kind == services.ALREADY)
        html = self._render(
            "signin/result.html", user, ok=True, message=message, outcome=outcome, services=services
        )
        return self._response("200 OK", html)

    def _device(self) -> tuple[str, str | None]:
        from cadre.rules.signin_tokens import new_device_cookie, verify_device_cookie
        from cadre.signin.views import DEVICE_COOKIE

        key = self.config["SECRET_KEY"]
        device_id = verify_device_cookie(key, self.cookies.get(DEVICE_COOKIE))
        if device_id is not None:
            return device_id, None
        return new_device_cookie(key)

    # ------------------------------------------------------------------ rendering

    def _render(self, template: str, user, **context) -> str:
        """The template with what these pages read of Flask's context, given directly.

        Jinja's own render, not flask.render_template: its context processors and
        signals cost more than these pages use (tests compare both paths' pages).
        """
        from flask import g
        from flask_babel import get_locale, get_translations

        context.setdefault("csrf_token", lambda: "")
        return self.app.jinja_env.get_template(template).render(
            # The page's catalogue looked up once, not for every string (Jinja's `_` calls `gettext`).
            gettext=_make_new_gettext(get_translations().gettext),
            current_language=str(get_locale() or "zh"),
            current_user=user,
            g=g,
            request=SimpleNamespace(path=self.environ["PATH_INFO"]),
            url_for=self._url_for,
            get_flashed_messages=_no_flashes,
            **context,
        )

    def _url_for(self, endpoint: str, **values) -> str:
        """Flask's url_for for these pages' links (paths under the request's script root)."""
        script = self.environ.get("SCRIPT_NAME", "")
        key = (script, endpoint, tuple(sorted(values.items())))
        known = _urls.get(key)
        if known is None:
            adapter = self.app.url_map.bind("localhost", script_name=script or "/")
            known = _urls[key] = adapter.build(endpoint, values)
        return known

    def _response(self, status: str, html: str) -> tuple[str, list, bytes]:
        from cadre.factory import security_header_items
        from cadre.signin.views import DEVICE_COOKIE, DEVICE_COOKIE_DAYS

        content = html.encode()
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(content)))]
        if self.device_cookie is not None:  # as views._set_device_cookie sets it
            headers.append(
                (
                    "Set-Cookie",
                    dump_cookie(
                        DEVICE_COOKIE,
                        self.device_cookie,
                        max_age=DEVICE_COOKIE_DAYS * 86400,
                        httponly=True,
                        samesite="Lax",
                        secure=self.config.get("SESSION_COOKIE_SECURE", False),
                        path="/",
                    ),
                )
            )
        headers += security_header_items(self.config, authenticated=True)
        headers.append(("Vary", "Cookie"))  # as Flask adds to a response that read the session
        return status, headers, content


_urls: dict = {}


def _login_and_card():
    """fast.login's statement, and the card of a session (LEFT JOIN on its id), in one round trip."""
    from sqlalchemy import bindparam

    from cadre.db_util import Prepared
    from cadre.models import TrainingSession, Venue
    from cadre.signin import fast

    sessions, venues = TrainingSession.__table__, Venue.__table__
    statement = (
        fast._LOGIN.statement.add_columns(  # noqa: SLF001
            sessions.c.id.label("card_id"),
            sessions.c.title.label("card_title"),
            sessions.c.starts_at.label("card_starts_at"),
            sessions.c.ends_at.label("card_ends_at"),
            venues.c.name.label("card_venue"),
        )
        .outerjoin(sessions, sessions.c.id == bindparam("session"))
        .outerjoin(venues, venues.c.id == sessions.c.venue_id)
    )
    return Prepared(statement)


_LOGIN_AND_CARD = _login_and_card()


def _no_flashes(with_categories: bool = False, category_filter=()) -> list:
    return []  # a session with flashed messages goes to the view


class _LeanUser:
    """The logged-in trainee as the sign-in templates and checks read them."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, row):
        self.id = row.id
        self.username = row.username
        self.display_name = row.display_name
        self.role = row.role
        self.trainee_id = row.trainee_id
        self.password_fingerprint = password_fingerprint_of(row.password_hash)


def _identifier(environ) -> str:
    """Flask-Login's session identifier (utils._create_identifier) from the WSGI environ."""
    agent = environ.get("HTTP_USER_AGENT")
    address = environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR"))
    if address is not None:
        address = address.encode("utf-8").split(b",")[0].strip()
    base = f"{address}|{agent.encode('utf-8') if agent is not None else None}"
    return hashlib.sha512(base.encode("utf8")).hexdigest()
