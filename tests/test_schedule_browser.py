"""Issue 8 in Chromium: an organizer builds a site visit with two stops, is warned of a venue clash,
confirms and saves. Screenshots at phone and desktop size go to /tmp/shots-schedule/.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser_support import COHORT_NAME, DESKTOP, ORGANIZER, PHONE, log_in
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("CADRE_SCHEDULE_SHOTS", "/tmp/shots-schedule"))  # noqa: S108


def shots(page, name: str) -> None:
    """Full-page screenshots of the current page at phone and desktop width."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(size)


def pick(page, picker: str, typed: str, choice: str) -> None:
    """Type into a search-as-you-type field and click the suggestion."""
    field = page.locator(f".picker[data-mode={picker}] input[type=text]").first
    field.fill(typed)
    page.locator(f".picker[data-mode={picker}] .picker-option", has_text=choice).first.click()


def fill_session(page, title: str, kind: str, start: str, end: str) -> None:
    page.fill("input[name=title]", title)
    page.select_option("select[name=kind]", kind)
    page.fill("input[name=day]", "2025-05-09")
    page.fill("input[name=start_time]", start)
    page.fill("input[name=end_time]", end)


def test_organizer_builds_a_site_visit_sees_the_clash_and_saves(server, browser):
    page = browser.new_page(viewport=DESKTOP)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, server, ORGANIZER, PASSWORD)

    # A venue and a speaker to choose from.
    page.goto(server + "/venues/new")
    page.fill("input[name=name]", "街道党群服务中心")
    page.click("form [type=submit]")
    page.goto(server + "/speakers/new")
    page.fill("input[name=name]", "张雪梅")
    page.fill("input[name=affiliation]", "复旦大学")
    page.fill("input[name=title]", "教授")
    page.click("form [type=submit]")

    # From the cohort to its schedule.
    page.goto(server + "/cohorts/")
    page.get_by_role("link", name=COHORT_NAME).first.click()
    page.get_by_role("link", name="课程安排", exact=True).click()
    schedule_url = page.url

    # A lecture in the hall, 09:00–11:00.
    page.get_by_role("link", name="新建课程").click()
    fill_session(page, "开班第一课", "lecture", "09:00", "11:00")
    pick(page, "venue", "党群", "街道党群服务中心")
    page.click("#session-form input[type=submit]")
    page.wait_for_url(schedule_url + "#s*")
    assert page.locator(".schedule-item", has_text="开班第一课").count() == 1

    # A site visit from the same hall at 10:00, with a speaker and two stops.
    page.get_by_role("link", name="新建课程").click()
    fill_session(page, "红色研学", "site_visit", "10:00", "12:00")
    pick(page, "venue", "党群", "街道党群服务中心")
    pick(page, "speaker", "复旦", "张雪梅（复旦大学教授）")
    assert page.locator(".chosen-speakers li").count() == 1
    page.fill("input[name=meeting_point]", "街道大门口")
    page.fill("input[name=departs_time]", "09:40")
    page.select_option("select[name=transport]", "bus")
    page.get_by_role("button", name="添加教学点").click()
    page.fill("input[name='stops-0-name']", "慧华苑居民区")
    page.fill("input[name='stops-0-host']", "王书记")
    page.fill("input[name='stops-0-arrives_time']", "10:10")
    page.get_by_role("button", name="添加教学点").click()
    page.fill("input[name='stops-1-name']", "锦华苑居民区")
    assert (
        page.locator("input[name=venue_name]").input_value() == "街道党群服务中心"
    )  # kept across the round trips
    assert page.locator(".chosen-speakers li").count() == 1
    page.click("#session-form input[type=submit]")

    # Not saved: the clash is named, and saving needs a tick.
    alert = page.locator(".alert-danger", has_text="场地冲突")
    assert alert.count() == 1 and "开班第一课" in alert.inner_text()
    shots(page, "clash")
    page.get_by_label("仍然保存").check()
    page.click("#session-form input[type=submit]")
    page.wait_for_url(schedule_url + "#s*")

    visit = page.locator(".schedule-item", has_text="红色研学")
    assert visit.count() == 1
    assert "慧华苑居民区" in visit.inner_text() and "锦华苑居民区" in visit.inner_text()
    assert "张雪梅" in visit.inner_text()
    shots(page, "schedule")

    page.get_by_role("link", name="检查冲突").click()
    assert page.locator("tbody tr", has_text="场地冲突").count() == 1
    shots(page, "conflicts")
    page.go_back()
    visit.get_by_role("link", name="编辑").click()
    shots(page, "edit")
    assert errors == []
