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


def test_upgrade_from_the_initial_schema_keeps_sessions_stops_and_attendance(migrated_app):
    """Batch rebuilds of training_sessions cascaded deletes into stops and attendance (env.py stops it)."""
    flask_db(migrated_app, "upgrade", "cbc110282738")
    rows = [
        "INSERT INTO venues (id, name) VALUES (1, '街道党群服务中心')",
        "INSERT INTO speakers (id, name, title) VALUES (1, '张雪梅', '教授')",
        "INSERT INTO cohorts (id, code, name, minutes_per_credit_hour, min_attendance_percent,"
        " require_required_sessions, created_at)"
        " VALUES (1, 'QLJL2025', '青蓝接力', 45, 80, TRUE, '2025-05-01 00:00:00')",
        "INSERT INTO trainees (id, name, phone, created_at, updated_at)"
        " VALUES (1, '王学员', '13900000001', '2025-05-01 00:00:00', '2025-05-01 00:00:00')",
        "INSERT INTO training_sessions (id, cohort_id, kind, title, starts_at, ends_at, venue_id, speaker_id,"
        " credit_hours, is_required) VALUES (1, 1, 'site_visit', '红色研学', '2025-05-09 01:00:00',"
        " '2025-05-09 04:00:00', 1, 1, 4, TRUE)",
        "INSERT INTO training_sessions (id, cohort_id, kind, title, starts_at, ends_at,"
        " credit_hours, is_required)"
        " VALUES (2, 1, 'lecture', '专题讲座', '2025-05-16 01:00:00', '2025-05-16 03:00:00', 2.5, FALSE)",
        "INSERT INTO visit_stops (id, session_id, position, name, host) VALUES (1, 1, 1, '慧华苑', '王书记')",
        "INSERT INTO visit_stops (id, session_id, position, name) VALUES (2, 1, 2, '锦华苑')",
        "INSERT INTO attendance_records (id, session_id, trainee_id, status, method, created_at, updated_at)"
        " VALUES (1, 1, 1, 'present', 'qr', '2025-05-09 01:00:00', '2025-05-09 01:00:00')",
    ]
    with db.engine.begin() as conn:
        for sql in rows:
            conn.execute(text(sql))

    flask_db(migrated_app, "upgrade")

    with db.engine.connect() as conn:
        sessions = conn.execute(
            text("SELECT id, title, credit_hours FROM training_sessions ORDER BY id")
        ).all()
        stops = conn.execute(
            text("SELECT session_id, position, name, host FROM visit_stops ORDER BY id")
        ).all()
        attendance = conn.execute(text("SELECT session_id, trainee_id, status FROM attendance_records")).all()
        speakers = conn.execute(text("SELECT session_id, speaker_id, position FROM session_speakers")).all()
    assert [(s.id, s.title, float(s.credit_hours)) for s in sessions] == [
        (1, "红色研学", 4.0),
        (2, "专题讲座", 2.5),
    ]
    assert [tuple(s) for s in stops] == [(1, 1, "慧华苑", "王书记"), (1, 2, "锦华苑", None)]
    assert [tuple(a) for a in attendance] == [(1, 1, "present")]
    assert [tuple(s) for s in speakers] == [(1, 1, 0)]
    assert schema_drift() == []
