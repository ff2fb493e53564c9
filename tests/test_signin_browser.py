"""In headless Chromium: the projector's count goes up when a phone signs in, without a reload.

The organizer opens the projector page (desktop); a second browser context with a
phone viewport opens the URL of the projector's `data-signin-url`, logs in as a
trainee (the login sends it back), taps once; the projector shows 1 / 1.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from cadre import create_app
from cadre.extensions import db
from cadre.models import Cohort
from cadre.models.types import utcnow
from config import TestConfig
from tests.browser_support import COHORT_CODE, DESKTOP, ORGANIZER, PHONE, log_in, running_server
from tests.factories import PASSWORD, make_session, make_trainee_user

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """The app served over a SQLite file with the demo cohort, one trainee and a session now."""
    directory = tmp_path_factory.mktemp("signin_browser")
    with running_server(directory) as base:

        class SeedConfig(TestConfig):
            SQLALCHEMY_DATABASE_URI = f"sqlite:///{directory / 'cadre.sqlite3'}"

        app = create_app(SeedConfig)
        with app.app_context():
            cohort = db.session.query(Cohort).filter_by(code=COHORT_CODE).one()
            make_trainee_user(cohort, name="陈晓雪", phone="13900000001")
            session = make_session(cohort, starts_at=utcnow() - timedelta(minutes=3), title="开班仪式")
            session_id = session.id
            db.session.remove()
            db.engine.dispose()
        yield base, session_id, directory


def test_projector_count_goes_up_when_a_phone_signs_in(live_server, browser):
    from playwright.sync_api import expect

    base, session_id, shots = live_server  # screenshots at 1280 and 390 wide go next to the database
    screen = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    try:
        projector = screen.new_page()
        log_in(projector, base, ORGANIZER, PASSWORD)
        projector.goto(f"{base}/sessions/{session_id}/projector")
        expect(projector.locator("#signed-in")).to_have_text("0")
        expect(projector.locator("#expected")).to_have_text("1")
        expect(projector.locator("#qr")).to_be_visible()
        projector.screenshot(path=str(shots / "projector-1280.png"))
        signin_url = projector.locator("#projector").get_attribute("data-signin-url")
        assert "/s/" in signin_url

        mobile = phone.new_page()
        mobile.goto(signin_url)
        mobile.fill("input[name=username]", "13900000001")
        mobile.fill("input[name=password]", PASSWORD)
        mobile.check("input[name=remember]")
        mobile.locator("form [type=submit]").first.click()
        expect(mobile.locator("#confirm")).to_be_visible()
        mobile.screenshot(path=str(shots / "confirm-390.png"))
        mobile.locator("#confirm").click()
        expect(mobile.get_by_text("签到成功")).to_be_visible()
        mobile.screenshot(path=str(shots / "result-390.png"))

        # The projector was not reloaded: its poll brings the new count and the name.
        expect(projector.locator("#signed-in")).to_have_text("1", timeout=15000)
        expect(projector.locator("#latest")).to_contain_text("陈晓雪")
        projector.screenshot(path=str(shots / "projector-after-1280.png"))
    finally:
        phone.close()
        screen.close()
