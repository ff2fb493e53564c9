"""In a real browser: Debian's Chromium, driven by Playwright, against a running server.

The server is a separate process (`flask run`) with the production-like default
configuration (CSRF on) over a SQLite file holding the demo's cohort and
organizer, so the test sees what a user sees.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from cadre import create_app
from cadre.extensions import db
from cadre.models import Role
from config import TestConfig
from tests.factories import PASSWORD, make_cohort, make_user

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
COHORT_NAME = "2025年居民区后备队伍“青蓝接力”计划培训班"  # as in the demo


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(database: Path) -> None:
    """The demo's cohort and its organizer, in a fresh SQLite file."""

    class SeedConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{database}"

    app = create_app(SeedConfig)
    with app.app_context():
        try:
            db.create_all()
            organizer = make_user(Role.ORGANIZER, username="organizer", display_name="李老师")
            make_cohort(organizers=[organizer], code="QLJL2025", name=COHORT_NAME)
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Base URL of the app served by `flask run` in a subprocess."""
    database = tmp_path_factory.mktemp("browser") / "cadre.sqlite3"
    seed(database)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        CADRE_CONFIG="development",
        CADRE_CHECK_PRINTING="0",
        SECRET_KEY="browser-test",
        RATELIMIT_STORAGE_URI="memory://",
        PYTHONWARNINGS="ignore",
    )
    log = (database.parent / "server.log").open("w+")
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


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        yield context.new_page()
    finally:
        context.close()


def test_organizer_logs_in_sees_the_cohort_in_chinese_then_switches_to_english(server, page):
    from playwright.sync_api import expect

    page.goto(server + "/")
    # Not logged in: the login form, in Chinese.
    expect(page.locator("form input[name=username]")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "zh-CN"

    page.fill("input[name=username]", "organizer")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form [type=submit]").first.click()

    expect(page.get_by_role("heading", name="我的培训班")).to_be_visible()
    expect(page.get_by_text(COHORT_NAME).first).to_be_visible()
    expect(page.get_by_text("李老师").first).to_be_visible()

    # The visible language switch.
    switch = page.get_by_role("button", name="English")
    expect(switch).to_be_visible()
    switch.click()
    expect(page.get_by_role("button", name="中文")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.get_by_role("heading", name="My cohorts")).to_be_visible()
    expect(page.get_by_text(COHORT_NAME).first).to_be_visible()  # data is not translated


def test_wrong_password_shows_a_chinese_message_in_the_browser(server, page):
    from playwright.sync_api import expect

    page.goto(server + "/auth/login")
    page.fill("input[name=username]", "organizer")
    page.fill("input[name=password]", "not-the-password")
    page.locator("form [type=submit]").first.click()

    expect(page.get_by_text("用户名或密码错误。")).to_be_visible()
    expect(page.locator("form input[name=username]")).to_be_visible()
