"""Write transactions on SQLite take the write lock at once (BEGIN IMMEDIATE)."""

import sqlite3

import pytest

from cadre import create_app
from cadre.extensions import db
from cadre.models import Venue
from cadre.services import begin_write
from config import TestConfig


@pytest.fixture
def file_app(tmp_path):
    class FileConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'cadre.sqlite3'}"

    app = create_app(FileConfig)
    with app.app_context():
        db.create_all()
        yield app, tmp_path / "cadre.sqlite3"
        db.session.remove()
        db.engine.dispose()


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


def test_begin_write_takes_the_sqlite_write_lock_before_the_first_read(file_app):
    _app, path = file_app
    begin_write()
    db.session.execute(db.select(Venue)).all()  # a read only, yet the lock is held
    assert _other_writer_is_locked_out(path)
    db.session.rollback()
    assert not _other_writer_is_locked_out(path)


def test_begin_write_commits_what_was_pending(file_app):
    db.session.add(Venue(name="天目西路街道党群服务中心"))
    begin_write()
    db.session.rollback()  # the new transaction's rollback must not lose the earlier add
    assert db.session.scalar(db.select(db.func.count()).select_from(Venue)) == 1


def test_plain_reads_do_not_hold_the_write_lock(file_app):
    _app, path = file_app
    db.session.execute(db.select(Venue)).all()
    assert not _other_writer_is_locked_out(path)
    db.session.rollback()
