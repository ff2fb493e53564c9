"""Issue 12 in Chromium: the import's ignored-column warning above the confirm button, the roster's
bulk bar collapsed until a trainee is ticked (40 px tap targets), the accounts list on a phone, a
destructive action's confirmation step, and the record page's download button on a phone.

Screenshots at 390x844 and 1280x900 go to $CADRE_E2E_SHOTS (default /tmp/e2e-fit) to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser_support import COHORT_NAME, DESKTOP, ORGANIZER, PHONE, log_in
from tests.data.rosters import xlsx_bytes
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("CADRE_E2E_SHOTS", "/tmp/e2e-fit"))  # noqa: S108
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROSTER = [
    ["姓名", "联系电话", "性别", "居委", "职务名称", "组别", "籍贯"],
    ["王芳", "13800138000", "女", "慧华苑居民区", "社工", "第一组", "上海"],
    ["李娜", "13900139000", "女", "天目西路第一居民区", "书记助理", "第一组", "江苏"],
    ["张伟", "13700137000", "男", "慧华苑居民区", "社工", "第二组", "浙江"],
]


def shots(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(size)


@pytest.fixture(scope="module")
def page(server, browser):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    log_in(page, server, ORGANIZER, PASSWORD)
    yield page
    context.close()


def open_cohort(page, base: str) -> None:
    page.goto(base + "/cohorts/")
    page.get_by_role("link", name=COHORT_NAME).first.click()
    page.get_by_role("heading", name=COHORT_NAME).first.wait_for()


def test_the_import_warns_about_ignored_columns_above_the_confirm_button(page, server):
    open_cohort(page, server)
    page.locator(".cohort-actions").get_by_role("link", name="导入学员").first.click()
    files = [{"name": "名单.xlsx", "mimeType": XLSX, "buffer": xlsx_bytes(ROSTER)}]
    page.set_input_files("input[type=file][name=file]", files=files)
    page.get_by_role("button", name="上传并预览").first.click()
    warning = page.locator(".ignored-columns")
    warning.wait_for()
    assert "籍贯" in warning.inner_text()
    assert "居委" not in warning.inner_text()  # recognised as 居民区
    confirm = page.get_by_role("button", name="确认导入")
    assert warning.bounding_box()["y"] < confirm.bounding_box()["y"]
    shots(page, "import-preview")
    confirm.click()
    page.get_by_text("导入完成").first.wait_for()


def test_the_roster_bulk_bar_stays_collapsed_until_a_trainee_is_ticked(page, server):
    page.set_viewport_size(PHONE)
    open_cohort(page, server)
    page.locator(".cohort-actions").get_by_role("link", name="学员名单").click()
    page.locator(".roster").wait_for()
    assert page.locator(".bulk-hint").is_visible()
    assert not page.locator("#bulk-role").is_visible()
    shots(page, "roster-nothing-ticked")
    target = page.locator(".roster .chk-hit").first.bounding_box()
    assert target["height"] >= 40 and target["width"] >= 40
    page.locator(".roster .chk-hit").first.click()
    assert page.locator("#bulk-role").is_visible()
    assert page.get_by_label("设为班内职务").is_visible()  # the select has a visible label
    bar = page.locator(".bulk-bar").bounding_box()
    assert bar["height"] < PHONE["height"] / 3
    page.set_viewport_size(DESKTOP)


def test_the_accounts_list_fits_a_phone(page, server):
    page.set_viewport_size(PHONE)
    open_cohort(page, server)
    page.locator(".cohort-actions").get_by_role("link", name="学员账号").click()
    page.get_by_role("button", name="为 3 名学员开通账号").click()
    page.locator(".cohort-actions").wait_for(state="detached")
    open_cohort(page, server)
    page.locator(".cohort-actions").get_by_role("link", name="学员账号").click()
    reset = page.get_by_role("button", name="重置密码").first
    box = reset.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]
    assert box["height"] >= 40
    state = page.locator(".account-state").first.bounding_box()
    assert state["height"] < 80  # 已开通 on one line, not one character per line
    shots(page, "accounts")
    page.set_viewport_size(DESKTOP)


def test_archiving_asks_first_and_names_what_will_happen(page, server):
    open_cohort(page, server)
    page.get_by_role("link", name="编辑培训班").first.click()
    page.get_by_role("button", name="归档", exact=True).click()
    step = page.locator(".confirm-step")
    step.wait_for()
    assert "只读" in step.inner_text()
    shots(page, "archive-confirm")
    page.get_by_role("button", name="确认归档").click()
    page.get_by_text("培训班已归档").first.wait_for()


def test_the_cohort_form_checkbox_is_a_40px_target_on_a_phone(page, server):
    page.set_viewport_size(PHONE)
    page.goto(server + "/cohorts/new")
    row = page.locator(".form-check:has(#require_required_sessions)").bounding_box()
    assert row["height"] >= 40
    assert page.get_by_label("联系人").is_visible() and page.get_by_label("联系电话").is_visible()
    shots(page, "cohort-form")
    page.set_viewport_size(DESKTOP)


def test_a_login_slips_qr_code_opens_the_login_form_filled_in(browser, server):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    phone = context.new_page()
    phone.goto(server + "/")
    assert "请先登录" not in phone.content()  # simply opening the site is no mistake
    phone.goto(server + "/auth/login?username=13800138000")
    assert phone.input_value("input[name=username]") == "13800138000"
    assert phone.evaluate("document.activeElement.name") == "password"
    shots(phone, "login-filled-in")
    context.close()
