"""The application factory: configuration, extensions, blueprints, hooks."""

from __future__ import annotations

import logging
import os
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, g, request, session
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from cadre.extensions import babel, csrf, db, limiter, login_manager, migrate

log = logging.getLogger(__name__)


def select_locale() -> str:
    from flask import current_app, has_request_context

    if "session_lang" in g:  # read from the session cookie by cadre/signin/views_lean.py
        lang = g.session_lang
    else:
        lang = session.get("lang") if has_request_context() else None
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` limited to what an INTEGER column holds.

    A larger number in a URL would make the database driver raise (a 500);
    out of range, the URL simply does not match: a 404. The regex stops long
    numbers before any rule matches them, so a sibling rule of another method
    does not turn the 404 into a 405.
    """

    regex = r"\d{1,10}"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=2**31 - 1 if max is None else max)


def create_app(config: object | str | None = None) -> Flask:
    """Build the application. `config` is a config class, its name, or None for the env."""
    from config import DEV_SECRET_KEY, configs

    project_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    app = Flask(
        __name__,
        instance_path=os.path.join(project_root, "instance"),
        template_folder=os.path.join(project_root, "templates"),
    )
    if config is None:
        config = os.environ.get("CADRE_CONFIG", "development")
    if isinstance(config, str):
        config = configs[config]
    app.config.from_object(config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # A file has no server that could drop the connection: no ping before every checkout.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.pop("pool_pre_ping", None)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    app.url_map.converters["int"] = BoundedIntConverter
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config["SECRET_KEY"] == DEV_SECRET_KEY and config.__name__ == "ProductionConfig":
        raise RuntimeError("SECRET_KEY must be set in production")

    from cadre.signin.views_lean import LeanSignIn

    # Inside ProxyFix (below): the lean sign-in page sees the client's address and scheme.
    app.wsgi_app = LeanSignIn(app, app.wsgi_app)

    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind nginx: client address and scheme from X-Forwarded-*, for rate limits and audit.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.join(project_root, "migrations"),
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_timezone=app.config["DISPLAY_TIMEZONE"])
    limiter.init_app(app)

    from cadre import models  # noqa: F401  (complete metadata)
    from cadre.db_util import configure_sqlite

    with app.app_context():
        configure_sqlite(db.engine)

    _configure_login()
    _keep_login_loaded_after_commit()
    _cache_form_translations()
    _register_blueprints(app)
    _register_request_hooks(app)
    _register_template_helpers(app)

    from cadre.errors import register_error_handlers

    register_error_handlers(app)

    from cadre.cli import register_cli

    register_cli(app)

    if app.config.get("CHECK_PRINTING"):
        from cadre.pdf import printing_problems

        for problem in printing_problems():
            log.warning("PRINTING: %s", problem)
    return app


def _configure_login() -> None:
    from flask_babel import lazy_gettext as _l

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("请先登录。")
    login_manager.login_message_category = "warning"
    # "basic", not "strong": a phone that moves from the classroom Wi-Fi to mobile data
    # changes address, and "strong" would log the trainee out in the middle of a sign-in.
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str):
        # "<id>:<login token>": each login is a row (LoginSession); logging out deletes it,
        # so saved session and remember-me cookies stop working; a changed or reset
        # password ends every older login.
        from flask import current_app

        from cadre.auth.services import load_login

        return load_login(session_id, lifetime=current_app.config["REMEMBER_COOKIE_DURATION"])


_LOGIN_SNAPSHOT = "cadre_login_snapshot"
_hooks_installed: set[str] = set()


def _keep_login_loaded_after_commit() -> None:
    """The logged-in user's row is not loaded again after a commit in the same request.

    A commit expires every loaded row, so the first look at current_user afterwards
    (the response's headers, the page's name in the corner, Flask-Login) cost a second
    SELECT of the user on every request that writes. The values the request just
    committed are put back instead: what this request changed is there, and what other
    requests might change meanwhile is no more stale than before the commit (the row
    was read at the start of the request). Attributes the database fills in (server
    defaults, onupdate) stay expired and load when read. Installed once per process.
    """
    if "login_snapshot" in _hooks_installed:
        return
    _hooks_installed.add("login_snapshot")
    from flask import g, has_request_context
    from sqlalchemy import event, inspect
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.attributes import set_committed_value

    from cadre.models import User

    columns = [attr.key for attr in inspect(User).column_attrs]

    @event.listens_for(Session, "after_commit")
    def remember_login(session):
        user = g.get("_login_user") if has_request_context() else None
        if not isinstance(user, User):
            return
        state = inspect(user)
        if state.session_id != session.hash_key or not state.persistent:
            return
        loaded = state.dict
        session.info[_LOGIN_SNAPSHOT] = (user, {k: loaded[k] for k in columns if k in loaded})

    @event.listens_for(Session, "after_transaction_end")
    def restore_login(session, transaction):
        if transaction.parent is not None or _LOGIN_SNAPSHOT not in session.info:
            return
        user, values = session.info.pop(_LOGIN_SNAPSHOT)
        if inspect(user).session_id != session.hash_key:
            return
        for key, value in values.items():
            set_committed_value(user, key, value)


def _cache_form_translations() -> None:
    """WTForms' own messages: loaded once per language, not from disk on every request with a form.

    Flask-WTF loads the .mo file again for each request (about 1 ms); the loaded catalogue
    is read-only, so one per language serves every request and thread.
    """
    if "form_translations" in _hooks_installed:
        return
    _hooks_installed.add("form_translations")
    from babel import support
    from flask import current_app
    from flask_babel import get_locale
    from flask_wtf import i18n
    from wtforms.i18n import messages_path

    loaded: dict[str, support.Translations] = {}

    def get_translations():
        if not request or "babel" not in current_app.extensions:
            return None
        locale = str(get_locale())
        translations = loaded.get(locale)
        if translations is None:
            translations = loaded[locale] = support.Translations.load(
                messages_path(), [locale], domain="wtforms"
            )
        return translations

    i18n._get_translations = get_translations


def _register_blueprints(app: Flask) -> None:
    from cadre.admin.views import bp as admin_bp
    from cadre.auth.views import bp as auth_bp
    from cadre.cohorts.views import bp as cohorts_bp
    from cadre.main.views import bp as main_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(cohorts_bp)
    app.register_blueprint(admin_bp)

    from cadre.imports.views import bp as imports_bp
    from cadre.trainees.views import bp as trainees_bp

    app.register_blueprint(trainees_bp)
    app.register_blueprint(imports_bp)

    from cadre.schedule.resource_views import bp as schedule_bp  # the blueprint, with its resource pages

    app.register_blueprint(schedule_bp)

    from cadre.timetable.views import bp as timetable_bp

    app.register_blueprint(timetable_bp)

    from cadre.attendance.views import bp as attendance_bp

    app.register_blueprint(attendance_bp)

    from cadre.signin.views import bp as signin_bp

    app.register_blueprint(signin_bp)

    from cadre.certificates import public_views, views  # noqa: F401  (their routes)
    from cadre.certificates.blueprint import bp as certificates_bp

    app.register_blueprint(certificates_bp)
    from cadre.reports.views import bp as reports_bp

    app.register_blueprint(reports_bp)


# Endpoints a user who must change their initial password may still reach.
_PASSWORD_CHANGE_ALLOWED = {"auth.change_password", "auth.logout", "main.set_language", "static"}


def _register_request_hooks(app: Flask) -> None:
    from flask import redirect, url_for

    @app.before_request
    def refuse_nul_characters():
        # PostgreSQL text cannot hold NUL; the driver would raise deep in a query (a 500).
        from flask_babel import gettext as _

        from cadre.errors import abort_with

        values = [*request.args.values(), *request.form.values(), *(request.view_args or {}).values()]
        values += [f.filename or "" for f in request.files.values()]
        if any(isinstance(v, str) and "\x00" in v for v in values):
            abort_with(400, _("请求中含有无效字符。"))

    @app.before_request
    def require_login():
        endpoint = request.endpoint
        if endpoint is None:
            return None  # 404 / 405 handled by the error handlers
        view = app.view_functions.get(endpoint)
        if endpoint == "static" or getattr(view, "is_public", False):
            return None
        if not current_user.is_authenticated:
            if endpoint == "main.home":
                # Simply opening the site is no mistake: the login page, without "请先登录。".
                return redirect(url_for("auth.login"))
            return login_manager.unauthorized()
        if current_user.must_change_password and endpoint not in _PASSWORD_CHANGE_ALLOWED:
            return redirect(url_for("auth.change_password"))
        return None

    @app.after_request
    def security_headers(response):
        h = response.headers
        authenticated = bool(current_user and getattr(current_user, "is_authenticated", False))
        for name, value in security_header_items(app.config, authenticated):
            h.setdefault(name, value)
        return response


_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
    "form-action 'self'"
)


def security_header_items(config, authenticated: bool) -> list[tuple[str, str]]:
    """The headers every response carries (those a view set itself stay), in order."""
    items = [
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Content-Security-Policy", _CSP),
        ("Permissions-Policy", "geolocation=(), microphone=(), camera=(self)"),
    ]
    if config.get("SESSION_COOKIE_SECURE"):
        items.append(("Strict-Transport-Security", "max-age=31536000"))
    if authenticated:
        items.append(("Cache-Control", "private, no-store"))
    return items


def _register_template_helpers(app: Flask) -> None:
    from flask_babel import get_locale

    from cadre.labels import label_for

    zone = ZoneInfo(app.config["DISPLAY_TIMEZONE"])

    @app.template_filter("local")
    def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        """A stored UTC moment as wall-clock time in Shanghai."""
        if value is None:
            return ""
        return value.astimezone(zone).strftime(fmt)

    from cadre import dates

    dates.register(app)

    @app.template_filter("label")
    def label(value) -> str:
        return label_for(value)

    @app.context_processor
    def inject_globals():
        language = str(get_locale() or "zh")
        # A label's colon: full-width after Chinese, ": " after English ("Group leader: 王芳").
        return {"current_language": language, "colon": "：" if language == "zh" else ": "}
