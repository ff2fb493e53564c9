"""`flask cadre backup`: a consistent copy taken while the app writes, and restorable.

The database-facing tests run against the dialect of TEST_DATABASE_URL: a file
SQLite database by default, the PostgreSQL database when it is set (restored
into a scratch database that is dropped afterwards).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import URL, make_url

from cadre import create_app
from cadre.backup import BackupError, backup_database, pg_dump_command
from cadre.extensions import db
from cadre.models import AuditEvent, Cohort, Trainee
from config import TestConfig, normalize_database_url
from tests.factories import make_cohort

TEST_URL = make_url(normalize_database_url(os.environ.get("TEST_DATABASE_URL", "sqlite://")))
DIALECT = TEST_URL.get_backend_name()


@pytest.fixture
def live_app(request, tmp_path):
    """An app whose database other connections reach: a file on SQLite, TEST_DATABASE_URL on PostgreSQL."""
    if DIALECT != "sqlite":
        yield request.getfixturevalue("app")
        return

    class FileConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'cadre.sqlite3'}"

    app = create_app(FileConfig)
    with app.app_context():
        db.create_all()
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


class Writer(threading.Thread):
    """Another connection inserting trainees in short transactions until stopped."""

    def __init__(self, engine):
        super().__init__(daemon=True)
        self.engine = engine
        self.written = 0
        self.error: BaseException | None = None
        self.stop = threading.Event()

    def run(self):
        try:
            while not self.stop.is_set():
                n = self.written + 1
                with self.engine.begin() as conn:
                    conn.execute(insert(Trainee.__table__).values(name=f"写入学员{n}", phone=f"137{n:08d}"))
                self.written = n
                time.sleep(0.002)
        except BaseException as exc:  # reported by the test
            self.error = exc

    def wait_for(self, count: int, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while self.written < count and self.error is None:
            assert time.monotonic() < deadline, "the writer made no progress"
            time.sleep(0.01)

    def finish(self) -> None:
        self.stop.set()
        self.join(timeout=20)
        if self.error is not None:
            raise self.error


def restored_contents(backup: Path, tmp_path: Path) -> tuple[set[str], int]:
    """Restore a backup the way the README says; return its cohort names and trainee count."""
    if DIALECT == "sqlite":
        return _restore_sqlite(backup, tmp_path)
    return _restore_postgresql(backup)


def _restore_sqlite(backup: Path, tmp_path: Path) -> tuple[set[str], int]:
    # Restoring SQLite: stop the app, copy the backup into place, start the app.
    restored = tmp_path / "restored.sqlite3"
    shutil.copyfile(backup, restored)

    class RestoredConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{restored}"

    app = create_app(RestoredConfig)
    with app.app_context():
        try:
            names = set(db.session.scalars(select(Cohort.name)))
            trainees = db.session.scalar(select(func.count()).select_from(Trainee))
        finally:
            db.session.remove()
            db.engine.dispose()
    return names, trainees


def _restore_postgresql(backup: Path) -> tuple[set[str], int]:
    # Restoring PostgreSQL: pg_restore into a database of its own.
    name = f"cadre_restore_{secrets.token_hex(4)}"
    admin = create_engine(TEST_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            target = TEST_URL.set(database=name)
            completed = subprocess.run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--exit-on-error",
                    "--dbname",
                    URL.create(
                        "postgresql",
                        username=target.username,
                        host=target.host,
                        port=target.port,
                        database=target.database,
                    ).render_as_string(),
                    str(backup),
                ],
                env={**os.environ, **({"PGPASSWORD": str(TEST_URL.password)} if TEST_URL.password else {})},
                capture_output=True,
                text=True,
                check=False,
            )
            assert completed.returncode == 0, completed.stderr
            engine = create_engine(target)
            try:
                with engine.connect() as conn:
                    names = set(conn.scalars(text("SELECT name FROM cohorts")))
                    trainees = conn.scalar(text("SELECT count(*) FROM trainees"))
            finally:
                engine.dispose()
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
    return names, trainees


def test_backup_taken_while_another_connection_writes_restores_the_data(live_app, tmp_path):
    make_cohort(code="QLJL2025", name="青蓝接力")
    writer = Writer(db.engine)
    writer.start()
    try:
        writer.wait_for(5)
        written_before = writer.written
        out = tmp_path / "backups" / "cadre.backup"
        result = live_app.test_cli_runner().invoke(args=["cadre", "backup", "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert "Backup written to" in result.output
        written_after = writer.written
        writer.wait_for(written_after + 3)  # still writing after the backup finished
    finally:
        writer.finish()

    names, trainees = restored_contents(out, tmp_path)
    assert "青蓝接力" in names
    # A snapshot from some moment during the backup: every row committed before it started,
    # none that only came later.
    assert written_before <= trainees <= writer.written


def test_backup_leaves_out_a_transaction_not_yet_committed(live_app, tmp_path):
    make_cohort(code="QLJL2025", name="青蓝接力")
    out = tmp_path / "cadre.backup"
    with db.engine.connect() as other:
        transaction = other.begin()
        other.execute(insert(Cohort.__table__).values(code="OPEN01", name="尚未提交的培训班"))
        backup_database(db.engine.url, out)
        transaction.rollback()

    names, _ = restored_contents(out, tmp_path)
    assert names == {"青蓝接力"}


def test_backup_records_an_audit_event(live_app, tmp_path):
    out = tmp_path / "cadre.backup"
    result = live_app.test_cli_runner().invoke(args=["cadre", "backup", "-o", str(out)])
    assert result.exit_code == 0, result.output

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "database.backup"))
    assert event is not None
    assert event.object_type == "database"
    assert event.after["file"] == str(out)
    assert event.after["dialect"] == DIALECT
    assert event.after["bytes"] == out.stat().st_size > 0


def test_backup_replaces_an_existing_file(live_app, tmp_path):
    make_cohort(code="QLJL2025", name="青蓝接力")
    out = tmp_path / "cadre.backup"
    out.write_bytes(b"an older backup")
    backup_database(db.engine.url, out)

    names, _ = restored_contents(out, tmp_path)
    assert names == {"青蓝接力"}
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_backup_refuses_an_in_memory_database(tmp_path):
    with pytest.raises(BackupError, match="in memory"):
        backup_database(make_url("sqlite://"), tmp_path / "x.sqlite3")
    assert not (tmp_path / "x.sqlite3").exists()


def test_backup_of_a_missing_sqlite_file_fails_and_writes_nothing(tmp_path):
    with pytest.raises(BackupError, match="does not exist"):
        backup_database(make_url(f"sqlite:///{tmp_path / 'gone.sqlite3'}"), tmp_path / "x.sqlite3")
    assert list(tmp_path.iterdir()) == []


def test_backup_without_pg_dump_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr("cadre.backup.shutil.which", lambda name: None)
    with pytest.raises(BackupError, match="pg_dump was not found.*postgresql-client"):
        backup_database(make_url("postgresql+psycopg://cadre@db.example/cadre"), tmp_path / "x.dump")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("file_name", "fmt", "flag"),
    [("cadre.dump", None, "c"), ("cadre.sql", None, "p"), ("cadre.sql", "custom", "c")],
)
def test_pg_dump_format_follows_the_file_name_unless_given(monkeypatch, file_name, fmt, flag):
    from cadre.backup import default_format

    monkeypatch.setattr("cadre.backup.shutil.which", lambda name: f"/usr/bin/{name}")
    args, _ = pg_dump_command(
        make_url("postgresql+psycopg://h/db"), Path(file_name), fmt or default_format(file_name)
    )
    assert args[args.index("--format") + 1] == flag


def test_pg_dump_gets_the_password_from_the_environment_not_the_command_line(monkeypatch):
    monkeypatch.setattr("cadre.backup.shutil.which", lambda name: f"/usr/bin/{name}")
    url = URL.create(
        "postgresql+psycopg",
        username="cadre",
        password="s3cret:/@",
        host="db.example",
        port=5433,
        database="cadre",
        query={"sslmode": "require"},
    )
    args, env = pg_dump_command(url, Path("/backups/cadre.dump"), "custom")

    assert env == {"PGPASSWORD": "s3cret:/@"}
    assert not any("s3cret" in arg for arg in args)
    assert args[args.index("--dbname") + 1] == "postgresql://cadre@db.example:5433/cadre?sslmode=require"
    assert args[args.index("--file") + 1] == "/backups/cadre.dump"
