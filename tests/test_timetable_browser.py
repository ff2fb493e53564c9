"""In Chromium at a phone's size: a trainee opens 我的课表 from the home page, sees where to be next
(the site visit's meeting point, time and stops, with a countdown), and subscribes to the calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cadre import create_app
from cadre.enums import Transport
from cadre.extensions import db
from cadre.models import Cohort, SessionKind, Venue, VisitStop
from config import TestConfig
from tests.browser_support import COHORT_CODE, PHONE, log_in, running_server
from tests.factories import PASSWORD, make_session, make_trainee_user

pytestmark = pytest.mark.browser

TRAINEE_PHONE = "13912345678"


def add_timetable(database) -> None:
    """A trainee of the seeded cohort, a lecture a week ago, a site visit meeting in 2 days 3 hours."""

    class SeedConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{database}"

    app = create_app(SeedConfig)
    with app.app_context():
        try:
            cohort = db.session.scalar(db.select(Cohort).where(Cohort.code == COHORT_CODE))
            soon = (datetime.now(UTC) + timedelta(days=2, hours=3)).replace(second=0, microsecond=0)
            cohort.start_date = (soon - timedelta(days=10)).date()
            cohort.end_date = (soon + timedelta(days=30)).date()
            make_trainee_user(cohort, name="王学员", phone=TRAINEE_PHONE)
            venue = Venue(name="党群服务中心", address="静安区长安路1138号")
            db.session.add(venue)
            make_session(
                cohort,
                title="已上过的讲座",
                starts_at=soon - timedelta(days=7),
                ends_at=soon - timedelta(days=7) + timedelta(hours=2),
                venue=venue,
            )
            visit = make_session(
                cohort,
                kind=SessionKind.SITE_VISIT,
                title="沉浸式研学：党建引领社区治理",
                starts_at=soon + timedelta(minutes=15),
                ends_at=soon + timedelta(hours=3),
                meeting_point="党群服务中心门口",
                departs_at=soon,
                transport=Transport.BUS,
            )
            visit.stops = [
                VisitStop(position=1, name="大场镇党群服务中心", host="王颖", host_phone="021-56688123"),
                VisitStop(position=2, name="慧华苑居民区党群服务站", host="李建明"),
            ]
            db.session.commit()
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    directory = tmp_path_factory.mktemp("timetable_browser")
    with running_server(directory) as base:
        add_timetable(directory / "cadre.sqlite3")
        yield base


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_trainee_on_a_phone_sees_where_to_be_next_and_subscribes(site, phone, tmp_path):
    from playwright.sync_api import expect

    log_in(phone, site, TRAINEE_PHONE, PASSWORD)
    phone.get_by_role("link", name="我的课表").first.click()

    expect(phone.get_by_role("heading", name="我的课表")).to_be_visible()
    next_card = phone.locator("section.tt-next")
    expect(next_card).to_contain_text("沉浸式研学：党建引领社区治理")
    expect(next_card).to_contain_text("还有2天")
    expect(next_card).to_contain_text("党群服务中心门口")
    expect(next_card).to_contain_text("统一乘车")
    expect(next_card.locator("ol li")).to_have_count(2)
    expect(next_card.get_by_role("link", name="021-56688123")).to_have_attribute("href", "tel:021-56688123")
    # Nothing wider than the phone: no sideways scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # The past lecture sits in the fold, greyed.
    phone.get_by_text("已结束的课程").click()
    expect(phone.locator(".tt-past", has_text="已上过的讲座")).to_be_visible()
    phone.screenshot(path=str(tmp_path / "mine.png"), full_page=True)

    phone.get_by_role("link", name="订阅到手机日历").click()
    url = phone.locator("#feed-url").inner_text().strip()
    assert url.startswith(site + "/calendar/") and url.endswith(".ics")
    expect(phone.get_by_role("link", name="一键订阅（iPhone / 电脑日历）")).to_have_attribute(
        "href", "webcal://" + url.removeprefix("http://")
    )
    feed = phone.request.get(url)
    assert feed.status == 200 and "沉浸式研学" in feed.text()

    phone.get_by_role("button", name="关闭提醒").click()
    expect(phone.get_by_text("已关闭课前提醒。")).to_be_visible()
    assert "VALARM" not in phone.request.get(url).text()
