"""In a real browser: Debian's Chromium, driven by Playwright, against a running server.

The server is a separate process (`flask run`) with the production-like default
configuration (CSRF on) over a SQLite file holding the demo's cohort and
organizer, so the test sees what a user sees.
"""

from __future__ import annotations

import pytest

from tests.browser_support import COHORT_NAME, DESKTOP
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
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
