"""`flask cadre backup`: a consistent copy of the database while the app serves.

SQLite is copied with its online backup API (one read transaction, so the copy
is a snapshot even while other connections write); PostgreSQL is dumped with
`pg_dump`, which reads inside one repeatable-read transaction. Restoring is
described in the README.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click
from sqlalchemy.engine import URL

FORMATS = ("custom", "plain")


class BackupError(Exception):
    """A backup that could not be written; the message says why and what to do."""


@dataclass
class BackupResult:
    path: Path
    dialect: str
    format: str
    size: int


def default_format(path: str | os.PathLike) -> str:
    """`plain` SQL for a .sql file, pg_dump's custom archive otherwise."""
    return "plain" if str(path).lower().endswith(".sql") else "custom"


def backup_database(url: URL, path: str | os.PathLike, fmt: str | None = None) -> BackupResult:
    """Write a consistent copy of the database at `url` to `path` (replaced atomically)."""
    target = Path(path).expanduser().resolve()
    if target.is_dir():
        raise BackupError(f"{target} is a directory; give a file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    dialect = url.get_backend_name()
    if dialect == "sqlite":
        backup_sqlite(url, target)
        fmt = "sqlite"
    elif dialect == "postgresql":
        fmt = fmt or default_format(target)
        backup_postgresql(url, target, fmt)
    else:
        raise BackupError(f"backups of {dialect} databases are not supported")
    return BackupResult(path=target, dialect=dialect, format=fmt, size=target.stat().st_size)


def _sqlite_path(url: URL) -> Path:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise BackupError("the database is in memory; there is nothing on disk to back up")
    return Path(database).expanduser().resolve()


def backup_sqlite(url: URL, target: Path) -> None:
    """Copy a SQLite database with the online backup API into a self-contained file."""
    source_path = _sqlite_path(url)
    if not source_path.exists():
        raise BackupError(f"database file {source_path} does not exist")
    if source_path == target:
        raise BackupError("the backup file must not be the database file itself")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        source = sqlite3.connect(source_path, timeout=30)
        try:
            dest = sqlite3.connect(tmp)
            try:
                # pages=-1: the whole database in one step, i.e. inside one read
                # transaction; in WAL mode writers carry on meanwhile.
                source.backup(dest, pages=-1)
                # The copy inherits WAL mode; a rollback-journal file is one
                # self-contained file, which is what a restore copies into place.
                dest.execute("PRAGMA journal_mode=DELETE")
                (check,) = dest.execute("PRAGMA quick_check").fetchone()
                if check != "ok":
                    raise BackupError(f"the copy failed its integrity check: {check}")
            finally:
                dest.close()
        finally:
            source.close()
        os.replace(tmp, target)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite backup failed: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def pg_dump_command(url: URL, target: Path, fmt: str) -> tuple[list[str], dict[str, str]]:
    """The pg_dump argument list and extra environment for a database URL.

    The password travels in PGPASSWORD, not on the command line where `ps` shows it.
    """
    if fmt not in FORMATS:
        raise BackupError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    executable = shutil.which("pg_dump")
    if executable is None:
        raise BackupError(
            "pg_dump was not found on PATH; install the PostgreSQL client tools "
            "(Debian: apt-get install postgresql-client) in the same major version as the server"
        )
    libpq_url = URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    )
    args = [
        executable,
        "--format",
        "c" if fmt == "custom" else "p",
        "--no-password",
        "--file",
        str(target),
        "--dbname",
        libpq_url.render_as_string(hide_password=False),
    ]
    env = {}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def backup_postgresql(url: URL, target: Path, fmt: str) -> None:
    """Dump a PostgreSQL database with pg_dump into `target`."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        args, extra_env = pg_dump_command(url, tmp, fmt)
        completed = subprocess.run(
            args,
            env={**os.environ, **extra_env},
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            message = completed.stderr.strip() or f"exit status {completed.returncode}"
            raise BackupError(f"pg_dump failed: {message}")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


@click.command("backup")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="File to write the backup to (replaced if it exists).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="PostgreSQL only: pg_dump custom archive (default) or plain SQL (default for *.sql).",
)
def backup_command(output: Path, fmt: str | None) -> None:
    """Write a consistent copy of the database to a file, while the app keeps serving."""
    from cadre import audit
    from cadre.extensions import db
    from cadre.services import cli_writing

    try:
        result = backup_database(db.engine.url, output, fmt)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    with cli_writing():
        audit.record(
            "database.backup",
            object_type="database",
            after={
                "file": str(result.path),
                "dialect": result.dialect,
                "format": result.format,
                "bytes": result.size,
            },
        )
    click.echo(f"Backup written to {result.path} ({result.dialect}, {result.format}, {result.size} bytes).")


def register(group) -> None:
    """Add the backup command to the `cadre` command group."""
    group.add_command(backup_command)
