"""Shared by the browser tests: the app served by `flask run`, and Debian's Chromium.

The server is a separate process with the production-like default configuration
(CSRF on) over its own SQLite file, whatever database the rest of the suite uses,
so the browser tests run the same in both CI passes.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cadre import create_app
from cadre.extensions import db
from cadre.models import Role
from config import TestConfig
from tests.factories import make_cohort, make_user

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
COHORT_CODE = "QLJL2025"
COHORT_NAME = "2025年居民区后备队伍“青蓝接力”计划培训班"  # as in the demo
ORGANIZER = "organizer"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(database: Path) -> None:
    """The demo's cohort and its organizer (李老师), in a fresh SQLite file."""

    class SeedConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{database}"

    app = create_app(SeedConfig)
    with app.app_context():
        try:
            db.create_all()
            organizer = make_user(Role.ORGANIZER, username=ORGANIZER, display_name="李老师")
            make_cohort(organizers=[organizer], code=COHORT_CODE, name=COHORT_NAME)
        finally:
            db.session.remove()
            db.engine.dispose()


@contextmanager
def running_server(directory: Path) -> Iterator[str]:
    """Seed a SQLite file in `directory`, serve it with `flask run`; yields the base URL."""
    database = directory / "cadre.sqlite3"
    seed(database)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        CADRE_CONFIG="development",
        CADRE_CHECK_PRINTING="0",
        SECRET_KEY="browser-test",
        # As bin/serve does: printed and subscribed links carry the address the server is on.
        CADRE_PUBLIC_URL=f"http://127.0.0.1:{port}/",
        RATELIMIT_STORAGE_URI="memory://",
        PYTHONWARNINGS="ignore",
    )
    log = (directory / "server.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "run", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310 (http, ours)
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"the app server did not start:\n{log.read()}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextmanager
def chromium() -> Iterator:
    """Headless Debian Chromium (Playwright cannot download its own browser here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def log_in(page, base: str, username: str, password: str) -> None:
    """Fill in and submit the login form."""
    page.goto(base + "/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form [type=submit]").first.click()
