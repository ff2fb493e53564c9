"""A class logging in at the same moment, and an admin's double-clicked form, under real threads.

Run against a database file (SQLite in memory has one connection and would serialise
the requests, hiding the "database is locked" trap) and against PostgreSQL when
TEST_DATABASE_URL is set. Every request gets its answer: no 500.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, insert, select

from cadre import create_app
from cadre.auth.passwords import hash_password
from cadre.extensions import db, limiter
from cadre.models import AuditEvent, LoginSession, Role, User
from config import TestConfig
from tests.factories import PASSWORD, login

BACKENDS = ["sqlite-file"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def _wipe() -> None:
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(params=BACKENDS)
def threaded_app(request, tmp_path, monkeypatch):
    """An app on a database that several connections really share, emptied afterwards."""
    monkeypatch.setattr("cadre.auth.passwords.PASSWORD_METHOD", "pbkdf2:sha256:1")

    class SharedDatabaseConfig(TestConfig):
        if request.param == "sqlite-file":
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'cadre.sqlite3'}"
        SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 10, "max_overflow": 50, "pool_timeout": 60}

    app = create_app(SharedDatabaseConfig)
    with app.app_context():
        db.create_all()
        _wipe()
        try:
            yield app
        finally:
            db.session.remove()
            _wipe()
            db.engine.dispose()
            limiter.reset()


def run_at_once(count: int, job) -> list:
    """Run job(i) in `count` threads released together; the results in order."""
    barrier = threading.Barrier(count)

    def released(i):
        barrier.wait()
        return job(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(released, range(count)))


def test_fifty_trainees_log_in_at_the_same_moment(threaded_app):
    app = threaded_app
    password_hash = hash_password(PASSWORD)
    phones = [f"1390000{n:04d}" for n in range(50)]
    db.session.execute(
        insert(User),
        [
            {"username": p, "display_name": p, "password_hash": password_hash, "role": Role.TRAINEE}
            for p in phones
        ],
    )
    db.session.commit()

    def log_in(i):
        response = app.test_client().post("/auth/login", data={"username": phones[i], "password": PASSWORD})
        return response.status_code, response.headers.get("Location")

    answers = run_at_once(len(phones), log_in)
    assert answers == [(302, "/")] * len(phones)
    db.session.rollback()  # a fresh snapshot: the threads wrote through their own connections
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == len(phones)
    assert db.session.scalar(select(func.count()).where(User.last_login_at.is_(None))) == 0


def test_twenty_identical_new_account_posts_make_one_account(threaded_app):
    app = threaded_app
    admin = User(username="boss", display_name="管理员", role=Role.ADMIN)
    admin.set_password(PASSWORD)
    db.session.add(admin)
    db.session.commit()
    browser = app.test_client()
    assert login(browser, "boss", follow_redirects=False).status_code == 302
    cookie = browser.get_cookie("session").value
    form = {"username": "zhang.wei", "display_name": "张伟", "role": "organizer", "is_active_account": "y"}

    def post(_i):
        client = app.test_client()
        client.set_cookie("session", cookie)  # the same browser clicking twenty times
        response = client.post("/admin/users/new", data=form)
        return response.status_code, response.get_data(as_text=True)

    answers = run_at_once(20, post)
    assert [status for status, _page in answers] == [200] * 20
    created = [page for _status, page in answers if 'class="password-once"' in page]
    refused = [page for _status, page in answers if "该用户名已被使用。" in page]
    assert (len(created), len(refused)) == (1, 19)
    db.session.rollback()  # a fresh snapshot: the threads wrote through their own connections
    assert db.session.scalar(select(func.count()).where(User.username == "zhang.wei")) == 1
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "user.created")) == 1
