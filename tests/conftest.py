"""Fixtures: one app per test run, a clean database for each test.

The suite runs on SQLite in memory by default and on PostgreSQL when
TEST_DATABASE_URL is set (CI runs both).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from cadre import create_app
from cadre.extensions import db, limiter
from config import TestConfig

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
