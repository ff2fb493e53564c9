"""Write transactions on SQLite take the write lock at once (BEGIN IMMEDIATE)."""

import sqlite3

import pytest

from cadre.extensions import db
from cadre.models import Venue
from cadre.services import begin_write


@pytest.fixture
def path(sqlite_file_app):
    """The database file of `sqlite_file_app` (from conftest)."""
    return db.engine.url.database


def _other_writer_is_locked_out(path) -> bool:
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as err:
        assert "locked" in str(err)
        return True
    finally:
        other.close()


def test_begin_write_takes_the_sqlite_write_lock_before_the_first_read(path):
    begin_write()
    db.session.execute(db.select(Venue)).all()  # a read only, yet the lock is held
    assert _other_writer_is_locked_out(path)
    db.session.rollback()
    assert not _other_writer_is_locked_out(path)


def test_begin_write_commits_what_was_pending(sqlite_file_app):
    db.session.add(Venue(name="天目西路街道党群服务中心"))
    begin_write()
    db.session.rollback()  # the new transaction's rollback must not lose the earlier add
    assert db.session.scalar(db.select(db.func.count()).select_from(Venue)) == 1


def test_plain_reads_do_not_hold_the_write_lock(path):
    db.session.execute(db.select(Venue)).all()
    assert not _other_writer_is_locked_out(path)
    db.session.rollback()
