"""Migrations build the models' schema from nothing, on the dialect of TEST_DATABASE_URL.

SQLite: a fresh file in tmp_path. PostgreSQL: a scratch database created on
TEST_DATABASE_URL's server and dropped afterwards.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from cadre import create_app
from cadre.extensions import db
from config import TestConfig, normalize_database_url

ROOT = Path(__file__).resolve().parent.parent
TEST_URL = make_url(normalize_database_url(os.environ.get("TEST_DATABASE_URL", "sqlite://")))
DIALECT = TEST_URL.get_backend_name()


@pytest.fixture(autouse=True)
def _keep_logging_config():
    """Alembic's env.py runs logging.fileConfig(), which would silence loggers for later tests."""
    manager = logging.Logger.manager
    root = logging.getLogger()
    saved_root = (root.level, root.handlers[:])
    saved = {
        name: (lg.disabled, lg.level, lg.handlers[:], lg.propagate)
        for name, lg in manager.loggerDict.items()
        if isinstance(lg, logging.Logger)
    }
    yield
    root.setLevel(saved_root[0])
    root.handlers[:] = saved_root[1]
    for name, lg in list(manager.loggerDict.items()):
        if not isinstance(lg, logging.Logger):
            continue
        if name in saved:
            lg.disabled, lg.level, lg.handlers[:], lg.propagate = saved[name]
        else:
            lg.disabled = False


@pytest.fixture
def scratch_url(tmp_path):
    """The URL of an empty database of the active dialect."""
    if DIALECT == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    name = f"cadre_migrate_{secrets.token_hex(4)}"
    admin = create_engine(TEST_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield TEST_URL.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture
def migrated_app(scratch_url):
    """An app over the empty scratch database, inside its app context."""

    class ScratchConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = scratch_url

    app = create_app(ScratchConfig)
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def flask_db(app, *args: str) -> None:
    result = app.test_cli_runner().invoke(args=["db", *args])
    assert result.exit_code == 0, result.output


def schema_drift() -> list:
    """What autogenerate would change to make the database match the models (empty: no drift)."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def table_names() -> set[str]:
    return set(inspect(db.engine).get_table_names())


def test_upgrade_builds_an_empty_database_that_matches_the_models(migrated_app):
    assert table_names() == set()

    flask_db(migrated_app, "upgrade")

    assert table_names() == set(db.metadata.tables) | {"alembic_version"}
    assert schema_drift() == []


def test_downgrade_to_base_then_upgrade_again(migrated_app):
    flask_db(migrated_app, "upgrade")

    flask_db(migrated_app, "downgrade", "base")
    assert table_names() <= {"alembic_version"}

    flask_db(migrated_app, "upgrade")
    assert table_names() == set(db.metadata.tables) | {"alembic_version"}
    assert schema_drift() == []


def test_upgrade_is_idempotent(migrated_app):
    flask_db(migrated_app, "upgrade")
    flask_db(migrated_app, "upgrade")
    assert schema_drift() == []


def test_migrations_have_a_single_head():
    from alembic.config import Config

    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
