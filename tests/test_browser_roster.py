"""Issue 3 end to end, in Chromium: an organizer imports an office roster, exports it,
opens accounts for the trainees and prints their login slips; one trainee logs in on
a phone, changes the initial password and finds the cohort in their training record.

Screenshots at phone size (390x844) go to /tmp/e2e/ for a person to look at.
"""

from __future__ import annotations

import io
import os
import random
import re
import subprocess
from contextlib import contextmanager
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.browser_support import (
    COHORT_NAME,
    DESKTOP,
    ORGANIZER,
    PHONE,
    log_in,
)
from tests.data.rosters import OFFICE_TRAINEES, docx_bytes, office_xlsx
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser

# Screenshots and the slips PDF (throwaway test data), for a person to look at.
SHOTS = Path(os.environ.get("CADRE_E2E_SHOTS", "/tmp/e2e"))  # noqa: S108
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROSTER_FILE = "天目西路街道青蓝接力学员名单.xlsx"
NEW_PASSWORD = "qinglan-2025-wf"


@contextmanager
def at_phone_size(page):
    """The page at phone size for a while, then back to its own size."""
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    try:
        yield
    finally:
        page.set_viewport_size(size)


def phone_shot(page, name: str) -> None:
    """A full-page screenshot at phone width."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    with at_phone_size(page):
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def hidden_width(page, selector: str) -> int:
    """How many pixels of an element's content lie beyond its right edge (scrolled out of view)."""
    return page.eval_on_selector(selector, "e => e.scrollWidth - e.clientWidth")


def upload(page, name: str, data: bytes, mime: str = XLSX) -> None:
    files = [{"name": name, "mimeType": mime, "buffer": data}]
    page.set_input_files("input[type=file][name=file]", files=files)
    page.get_by_role("button", name="上传并预览").first.click()


def open_cohort(page, base: str) -> None:
    page.goto(base + "/cohorts/")
    page.get_by_role("link", name=COHORT_NAME).first.click()
    page.get_by_role("heading", name=COHORT_NAME).first.wait_for()


def roster_count(page, base: str) -> str:
    open_cohort(page, base)
    page.locator(".cohort-actions").get_by_role("link", name="学员名单").click()
    return page.get_by_text(re.compile(r"在训 \d+ 人，共 \d+ 人")).inner_text()


def test_office_roster_goes_in_through_the_web_and_a_trainee_finds_their_record(server, browser):
    from playwright.sync_api import expect

    organizer = browser.new_context(viewport=DESKTOP, locale="zh-CN", accept_downloads=True)
    page = organizer.new_page()
    try:
        # 1. The organizer imports the office's roster: upload, preview, commit.
        log_in(page, server, ORGANIZER, PASSWORD)
        expect(page.get_by_role("heading", name="我的培训班")).to_be_visible()
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        open_cohort(page, server)
        page.locator(".cohort-actions").get_by_role("link", name="导入学员").click()
        expect(page.get_by_role("heading", name="导入学员名单")).to_be_visible()
        upload(page, ROSTER_FILE, office_xlsx())

        expect(page.get_by_role("heading", name="导入预览")).to_be_visible()
        expect(page.get_by_text("逐行预览（29 行）")).to_be_visible()
        expect(page.get_by_text("新学员 29", exact=True)).to_be_visible()
        expect(page.get_by_text("表头在第 3 行")).to_be_visible()
        expect(page.locator(".alert-danger")).to_have_count(0)
        expect(page.locator("table.import-rows tbody tr")).to_have_count(29)
        phone_shot(page, "1-import-preview")
        page.get_by_role("button", name="确认导入").click()

        expect(page.get_by_text("导入完成：新建学员 29 人。")).to_be_visible()
        assert roster_count(page, server) == "在训 29 人，共 29 人"
        expect(page.locator("table.roster tbody tr")).to_have_count(29)
        for person in (OFFICE_TRAINEES[0], OFFICE_TRAINEES[-1]):
            expect(page.locator("table.roster").get_by_text(person.name, exact=True)).to_be_visible()

        # 5. Files that are not spreadsheets are refused in Chinese, and nothing is written.
        open_cohort(page, server)
        page.locator(".cohort-actions").get_by_role("link", name="导入学员").click()
        for name, data, message in (
            ("学员名单.xlsx", docx_bytes(), "这是 Word 文档，不是 Excel 表格。"),
            ("学员名单（新）.xlsx", random.Random(3).randbytes(4096), "这不是表格文件。"),
        ):
            upload(page, name, data)
            expect(page.locator(".invalid-feedback")).to_contain_text(message)
            expect(page.get_by_text("没有导入任何数据。")).to_be_visible()
            expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
        assert roster_count(page, server) == "在训 29 人，共 29 人"

        # 2. The exported roster, downloaded as the browser does it.
        open_cohort(page, server)
        with page.expect_download() as download_info:
            page.locator(".cohort-actions").get_by_role("link", name="导出名单").click()
        download = download_info.value
        assert download.suggested_filename.endswith(".xlsx")
        exported = Path(download.path()).read_bytes()
        assert exported[:2] == b"PK"  # an Office Open XML package
        sheet = load_workbook(io.BytesIO(exported), read_only=True).active
        rows = [r for r in sheet.iter_rows(values_only=True) if any(c not in (None, "") for c in r)]
        header_at = next(i for i, r in enumerate(rows) if "姓名" in r)
        data_rows = rows[header_at + 1 :]
        assert len(data_rows) == 29
        name_col = rows[header_at].index("姓名")
        assert {r[name_col] for r in data_rows} == {p.name for p in OFFICE_TRAINEES}

        # 3. Accounts for the whole cohort in one step; passwords shown once; login slips.
        open_cohort(page, server)
        page.locator(".cohort-actions").get_by_role("link", name="学员账号").click()
        page.get_by_role("button", name="为 29 名学员开通账号").click()
        expect(page.get_by_role("heading", name="初始密码")).to_be_visible()
        expect(page.get_by_text("本次开通 29 个账号")).to_be_visible()
        expect(page.get_by_text("密码只显示这一次。")).to_be_visible()
        expect(page.locator("td.password-once")).to_have_count(29)
        with at_phone_size(page):  # on a phone too, every password is whole without scrolling sideways
            assert hidden_width(page, ".table-responsive:has(td.password-once)") == 0
        phone_shot(page, "2-accounts-result")

        with page.expect_download() as download_info:
            page.get_by_role("link", name=re.compile(r"下载登录条 PDF")).click()
        assert download_info.value.suggested_filename.endswith(".pdf")
        SHOTS.mkdir(parents=True, exist_ok=True)
        slips = SHOTS / "login-slips.pdf"
        download_info.value.save_as(slips)
        assert slips.read_bytes()[:4] == b"%PDF"
        text = subprocess.run(
            ["pdftotext", "-layout", str(slips), "-"], check=True, capture_output=True, text=True
        ).stdout
        for person in OFFICE_TRAINEES:
            assert person.name in text

        trainee = OFFICE_TRAINEES[0]  # 王芳, the class monitor
        row = page.locator("tbody tr").filter(has=page.get_by_role("cell", name=trainee.name, exact=True))
        cells = row.locator("td")
        username = cells.nth(2).inner_text().strip()
        initial_password = cells.nth(3).inner_text().strip()
        assert username == trainee.phone
        assert initial_password and initial_password in text

        # The passwords are gone once the page is left.
        page.get_by_role("link", name="返回学员账号").click()
        expect(page.get_by_text("没有待开通的学员。")).to_be_visible()
        expect(page.locator("td.password-once")).to_have_count(0)
        expect(page.get_by_text(initial_password)).to_have_count(0)

        # 4. The organizer logs out; the trainee logs in on a phone with the initial password.
        page.get_by_role("button", name="退出").click()
        expect(page.get_by_text("您已退出登录。")).to_be_visible()
    finally:
        organizer.close()

    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = phone.new_page()
    try:
        log_in(page, server, username, initial_password)
        expect(page.get_by_role("heading", name="修改密码")).to_be_visible()
        expect(page.get_by_text("首次登录，请先修改初始密码。")).to_be_visible()
        phone_shot(page, "3-trainee-change-password")
        page.goto(server + "/")  # nothing else opens before the password is changed
        expect(page.get_by_role("heading", name="修改密码")).to_be_visible()

        page.fill("input[name=current_password]", initial_password)
        page.fill("input[name=new_password]", NEW_PASSWORD)
        page.fill("input[name=confirm]", NEW_PASSWORD)
        page.get_by_role("button", name="修改密码").click()

        expect(page.get_by_text("密码已修改。")).to_be_visible()
        expect(page.get_by_role("heading", name=f"您好，{trainee.name}")).to_be_visible()
        page.get_by_role("link", name="我的培训档案").click()
        expect(page.get_by_role("heading", name="培训档案")).to_be_visible()
        cohort_card = page.locator(".card").filter(has=page.get_by_role("heading", name=COHORT_NAME))
        expect(cohort_card).to_be_visible()
        expect(cohort_card).to_contain_text("第一组 · 班长")
        phone_shot(page, "4-trainee-record")
    finally:
        phone.close()
