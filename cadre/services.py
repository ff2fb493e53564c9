"""The service contract, and the plumbing every area shares.

How a write goes, in every area (cohorts, trainees, imports, auth, admin, and the
schedule, attendance and certificates to come):

- A **view** (or CLI command) validates its form, turns it into plain values
  (a dataclass or arguments) and calls services inside ``with writing():``.
  ``writing()`` opens the write transaction at once (``BEGIN IMMEDIATE`` on SQLite,
  so a read-then-write cannot fail with "database is locked" when another request
  writes), commits when the block ends, and rolls back on any error.
- A **service** takes plain values and rows, never a form or a request; it loads
  what it needs, calls the pure rules in ``cadre.rules``, changes rows, flushes
  and records an audit event (``cadre.audit.record``). It never commits, never
  aborts with an HTTP status; a refusal is a ``ServiceError`` with a translated
  message, raised before anything is written (``writing()`` rolls back anyway).
- **Rules** (``cadre.rules.*``) take and return plain values and import neither
  Flask nor SQLAlchemy; enums they share with the models live in ``cadre.enums``.

Only ``writing()`` (and ``cli_writing()``, its CLI form, built on it) and the
demo loader commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cadre.extensions import db

__all__ = ["ServiceError", "NotFound", "begin_write", "writing", "cli_writing", "lock_cohort", "ensure_open"]


class ServiceError(Exception):
    """A refused change, with a translated message and the form field it concerns (if any)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ServiceError):
    """The row a service was asked to act on does not exist (a view answers 404)."""

    def __init__(self, message: str | None = None):
        super().__init__(message or _("找不到该记录，可能已被删除。"))


def _in_write() -> bool:
    session = db.session()
    return session.in_transaction() and bool(session.connection().get_execution_options().get("cadre_write"))


def begin_write() -> None:
    """Start the session's next transaction as a write transaction (no-op inside one).

    On SQLite a transaction that reads and then writes fails at once with
    "database is locked" when another writer is active; BEGIN IMMEDIATE waits
    for the lock instead. A read-only transaction still open is ended first
    (it holds no changes: views read, then open the write).
    """
    session = db.session()
    if session.in_transaction():
        if _in_write():
            return
        session.commit()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE", "cadre_write": True})


@contextmanager
def writing(conflict_message: str | None = None, field: str | None = None) -> Iterator[None]:
    """Open a write transaction, run the service calls of the block, commit; roll back on error.

    A unique constraint hit by a concurrent request (at flush or commit)
    becomes a ServiceError with a message instead of a 500.
    """
    begin_write()
    try:
        yield
        db.session.commit()
    except IntegrityError as err:
        db.session.rollback()
        raise ServiceError(
            conflict_message or _("刚才有人同时修改了这些数据，请刷新页面后重试。"), field
        ) from err
    except BaseException:
        db.session.rollback()
        raise


@contextmanager
def cli_writing() -> Iterator[None]:
    """``writing()`` for CLI commands: a refusal becomes a click error with its message."""
    import click

    try:
        with writing():
            yield
    except ServiceError as err:
        raise click.ClickException(err.message) from err


def lock_cohort(cohort_id: int) -> None:
    """Hold the cohort's row until the transaction ends: changes to one cohort's roster take turns.

    PostgreSQL: SELECT ... FOR UPDATE. SQLite: the write transaction already holds the
    database's single write lock.
    """
    from cadre.models import Cohort

    db.session.execute(select(Cohort.id).where(Cohort.id == cohort_id).with_for_update())


def ensure_open(cohort) -> None:
    """Archived cohorts keep their roster as it was."""
    if cohort.is_archived:
        raise ServiceError(_("培训班“%(name)s”已归档，不能再修改学员名单。请先取消归档。", name=cohort.name))
