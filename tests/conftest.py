"""Fixtures: one app per test run, a clean database for each test.

The suite runs on SQLite in memory by default and on PostgreSQL when
TEST_DATABASE_URL is set (CI runs both).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, text

from cadre import create_app
from cadre.extensions import db, limiter
from cadre.models import Role
from cadre.models.types import utcnow
from config import TestConfig
from tests.factories import login, make_cohort, make_session, make_trainee_user, make_user

ROOT = Path(__file__).resolve().parent.parent


def compile_translations() -> None:
    """Compile .po catalogs to .mo when missing or stale (the set-up step does the same)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in (ROOT / "cadre" / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as f:
            catalog = read_po(f)
        with mo_path.open("wb") as f:
            write_mo(f, catalog)


compile_translations()


def reset_schema() -> None:
    """Drop everything (also what a migration test left) and create the models' tables."""
    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.create_all()


def wipe_tables() -> None:
    """Empty every table. DELETE, not TRUNCATE: on PostgreSQL TRUNCATE costs ~0.4 s a test.

    Ids are not restarted, so tests must not assume them.
    """
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


class FreshContextClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The `app` fixture keeps an app context open for the test's own queries; without
    this, requests would share its `g` (Flask-Login's cached user, Flask-Babel's
    cached locale) and its database session.
    """

    def open(self, *args, **kwargs):
        # In-memory SQLite: the request's session shares the one connection, so the
        # test's transaction ends first; then the test sees the request's writes.
        db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def _app():
    app = create_app(TestConfig)
    app.test_client_class = FreshContextClient
    with app.app_context():
        reset_schema()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(_app):
    """The app, inside an app context, with empty tables when the test ends."""
    with _app.app_context():
        try:
            yield _app
        finally:
            db.session.rollback()
            db.session.remove()
            wipe_tables()
            limiter.reset()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# ---------------------------------------------------------------- logged-in users


@pytest.fixture
def login_as(client):
    """Log `client` in as a new user of a role: ``login_as(Role.TRAINEE, cohort=cohort)``.

    Trainees get a login enrolled in `cohort` when given; other keywords go to the factory.
    One client holds one login: logging in again while logged in changes nothing.
    """

    def log_in(role: Role = Role.ORGANIZER, **kw):
        user = make_trainee_user(**kw) if role == Role.TRAINEE else make_user(role, **kw)
        login(client, user.username)
        return user

    return log_in


@pytest.fixture
def organizer(login_as):
    """An organizer (班主任), logged in on `client`."""
    return login_as(Role.ORGANIZER)


@pytest.fixture
def admin(login_as):
    """An admin named boss, logged in on `client`."""
    return login_as(Role.ADMIN, username="boss", display_name="管理员")


# ---------------------------------------------------------------- query counting


@pytest.fixture
def count_queries():
    """``with count_queries() as statements:`` collects the SQL the block sends to the database."""

    @contextmanager
    def counting() -> Iterator[list[str]]:
        statements: list[str] = []

        def before(conn, cursor, statement, *args):
            statements.append(statement)

        engine = db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting


# ---------------------------------------------------------------- the sign-in tests' class


@pytest.fixture
def cohort(app):
    """A class with its 班主任 `teacher` (a test file may define its own)."""
    return make_cohort(organizers=[make_user(Role.ORGANIZER, username="teacher")])


@pytest.fixture
def live(cohort):
    """A session of `cohort` that started five minutes ago (sign-in open, not late)."""
    return make_session(cohort, starts_at=utcnow() - timedelta(minutes=5), title="基层治理专题讲座")


# ---------------------------------------------------------------- a database that threads share


def _threaded_app(database_url: str, tmp_path: Path, trusted_proxies: int = 0):
    class SharedDatabaseConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        IMPORT_UPLOAD_DIR = str(tmp_path / "uploads")
        TRUSTED_PROXIES = trusted_proxies

    app = create_app(SharedDatabaseConfig)
    app.test_client_class = FreshContextClient
    return app


@contextmanager
def _in_fresh_schema(app) -> Iterator:
    with app.app_context():
        reset_schema()
        try:
            yield app
        finally:
            db.session.rollback()
            db.session.remove()
            wipe_tables()  # PostgreSQL: the next test's `app` shares this database
            db.engine.dispose()
            limiter.reset()


def _shared_url(tmp_path: Path) -> str:
    url = TestConfig.SQLALCHEMY_DATABASE_URI
    return f"sqlite:///{tmp_path / 'cadre.sqlite3'}" if url.startswith("sqlite") else url


@pytest.fixture
def file_app(tmp_path):
    """An app whose requests in real threads each get their own connection, in its app context.

    A SQLite file in tmp_path (WAL, BEGIN IMMEDIATE: as in production), or the
    PostgreSQL database of TEST_DATABASE_URL. In-memory SQLite has one connection,
    which serialises every request and so hides races. Tables are emptied afterwards.
    """
    with _in_fresh_schema(_threaded_app(_shared_url(tmp_path), tmp_path)) as app:
        yield app


@pytest.fixture
def proxied_app(tmp_path):
    """`file_app` behind one trusted proxy (TRUSTED_PROXIES=1: ProxyFix wraps the app)."""
    with _in_fresh_schema(_threaded_app(_shared_url(tmp_path), tmp_path, trusted_proxies=1)) as app:
        yield app


@pytest.fixture
def sqlite_file_app(tmp_path):
    """Like `file_app`, but always a SQLite file (tests of SQLite's own locking)."""
    with _in_fresh_schema(_threaded_app(f"sqlite:///{tmp_path / 'cadre.sqlite3'}", tmp_path)) as app:
        yield app


# ---------------------------------------------------------------- browser tests


@pytest.fixture(scope="module")
def server(tmp_path_factory, request):
    """Base URL of the app served by `flask run` in a subprocess, one per browser test module."""
    from tests.browser_support import running_server

    with running_server(tmp_path_factory.mktemp(request.module.__name__.rpartition(".")[2])) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium through Playwright."""
    from tests.browser_support import chromium

    with chromium() as browser:
        yield browser


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test is a failure: a skip there would hide a broken check."""
    if not os.environ.get("CI"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and session.exitstatus == 0:
        reporter.write_line(f"CI: {skipped} test(s) were skipped; failing the run.", red=True)
        session.exitstatus = 1
