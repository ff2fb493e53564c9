"""An uploaded workbook costs bounded work: too many sheets or a sheet reaching too far is
refused before openpyxl parses it, and reading stops at the row limit."""

from __future__ import annotations

import io
import re
import time
import zipfile

import pytest
from openpyxl import Workbook
from openpyxl.styles import Font

from cadre.imports import workbooks
from cadre.imports.spreadsheet import read_table
from cadre.imports.tables import FileRefused, Limits
from cadre.imports.xlsx_scan import MAX_SHEETS, sheet_row_limit
from cadre.models import Role
from tests import upload_support
from tests.data import rosters
from tests.factories import login, make_cohort, make_user
from tests.upload_support import post_roster

upload_dir = upload_support.upload_dir  # the fixture

LIMITS = Limits(max_bytes=20 * 1024 * 1024, max_rows=20_000)
LAST_EXCEL_ROW = 1_048_576
SHEET = "xl/worksheets/sheet1.xml"


def _save(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def far_cells_workbook(sheets: int) -> bytes:
    """The attack: many sheets, each with one cell on Excel's last row (63 KB for 201 sheets)."""
    wb = Workbook()
    for index in range(sheets):
        ws = wb.active if index == 0 else wb.create_sheet()
        ws.cell(row=LAST_EXCEL_ROW, column=1, value="x")
    return _save(wb)


def roster_with_far_cell(styled_only: bool = False) -> bytes:
    """A real roster on top; one cell (with a value, or only a format) on the last row."""
    wb = Workbook()
    ws = wb.active
    for row in rosters.simple_rows([{"姓名": "王芳", "联系电话": "13800138000"}]):
        ws.append(row)
    far = ws.cell(row=LAST_EXCEL_ROW, column=1)
    if styled_only:
        far.font = Font(bold=True)
    else:
        far.value = "x"
    return _save(wb)


def rewrite_sheet(data: bytes, change, part: str = SHEET) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info.filename, change(content) if info.filename == part else content)
    return out.getvalue()


def set_dimension(ref: str | None):
    def change(xml: bytes) -> bytes:
        new = b"" if ref is None else f'<dimension ref="{ref}"/>'.encode()
        return re.sub(rb"<dimension ref=\"[^\"]*\"\s*/>", new, xml)

    return change


def refusal(data: bytes, limits: Limits = LIMITS) -> FileRefused:
    with pytest.raises(FileRefused) as info:
        read_table(data, limits, accept_header=lambda rows: False)
    return info.value


def test_201_sheets_reaching_the_last_row_are_refused_in_under_a_second():
    data = far_cells_workbook(201)
    assert len(data) < 100 * 1024
    started = time.perf_counter()
    err = refusal(data)
    elapsed = time.perf_counter() - started
    assert (err.code, err.params) == ("too_many_sheets", {"max": MAX_SHEETS})
    assert elapsed < 1.0


def test_as_many_sheets_as_allowed_each_reaching_the_last_row_are_refused_in_under_a_second():
    data = far_cells_workbook(MAX_SHEETS)
    started = time.perf_counter()
    err = refusal(data)
    assert time.perf_counter() - started < 1.0
    assert err.code == "sheet_too_big"
    assert err.params["rows"] == LAST_EXCEL_ROW
    assert err.params["max"] == sheet_row_limit(LIMITS)


def test_a_sheet_whose_dimension_claims_a_million_rows_is_refused_before_parsing():
    data = rewrite_sheet(rosters.office_xlsx(), set_dimension("A1:O1048576"))
    err = refusal(data)
    assert err.code == "sheet_too_big"
    assert err.params["sheet"] == "Sheet1"
    assert (err.params["rows"], err.params["columns"]) == (LAST_EXCEL_ROW, 15)


def test_a_sheet_whose_dimension_claims_every_column_is_refused():
    data = rewrite_sheet(rosters.office_xlsx(), set_dimension("A1:XFD30"))
    err = refusal(data)
    assert err.code == "sheet_too_big"
    assert err.params["columns"] == 16384


@pytest.mark.parametrize("dimension", [None, "A1:B2"], ids=["no dimension", "lying dimension"])
def test_a_value_beyond_the_row_limit_is_refused_whatever_the_dimension_says(dimension):
    data = rewrite_sheet(roster_with_far_cell(), set_dimension(dimension))
    started = time.perf_counter()
    err = refusal(data)
    assert time.perf_counter() - started < 1.0
    assert (err.code, err.params["rows"]) == ("sheet_too_big", LAST_EXCEL_ROW)


def test_a_small_file_of_rows_thousands_of_cells_wide_is_refused_at_once():
    """4 MB of cells once unpacked, 13 KB uploaded: openpyxl would parse every cell."""
    data = rosters.zip_bomb_xlsx(uncompressed_mb=4)
    started = time.perf_counter()
    err = refusal(data)
    assert time.perf_counter() - started < 1.0
    assert (err.code, err.params["columns"]) == ("sheet_too_big", 257)


def test_a_sheet_with_more_cells_than_the_row_limit_allows_is_refused():
    limits = Limits(max_bytes=LIMITS.max_bytes, max_rows=100)
    rows = [[f"{r}-{c}" for c in range(20)] for r in range(100)]  # 2,000 cells > 100 × 16
    err = refusal(rosters.xlsx_bytes(rows), limits)
    assert (err.code, err.params) == ("too_many_cells", {"sheet": "Sheet1", "max": 1600})


def test_shared_strings_out_of_all_proportion_are_refused():
    limits = Limits(max_bytes=LIMITS.max_bytes, max_rows=10)
    strings = b"".join(b"<si><t>%d</t></si>" % i for i in range(1000))
    part = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1000">'
        + strings
        + b"</sst>"
    )
    out = io.BytesIO(rosters.xlsx_bytes([["姓名"], ["王芳"]]))
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr("xl/sharedStrings.xml", part)
    data = out.getvalue()
    err = refusal(data, limits)
    assert (err.code, err.params) == ("too_complex", {"part": "xl/sharedStrings.xml"})


def test_reading_stops_at_the_row_limit_past_a_formatted_empty_cell_on_the_last_row():
    """Without the bound openpyxl walks a million empty rows (about 2.4 s a sheet)."""
    data = rewrite_sheet(roster_with_far_cell(styled_only=True), set_dimension(None))
    started = time.perf_counter()
    table = read_table(data, LIMITS)
    assert time.perf_counter() - started < 1.0
    assert [cells[0] for _n, cells in table.rows] == ["姓名", "王芳"]


def test_a_normal_roster_and_the_template_still_read():
    assert len(read_table(rosters.office_xlsx(), LIMITS).rows) == 2 + len(rosters.OFFICE_TRAINEES)
    template = read_table(workbooks.template_workbook(), LIMITS)
    assert template.sheet_name == "学员名单"


def test_a_roster_on_the_third_of_three_sheets_is_found():
    wb = Workbook()
    wb.active.title = "封面"
    wb.active.append(["2025年培训班"])
    wb.create_sheet("说明").append(["请按表格填写"])
    roster = wb.create_sheet("名单")
    roster.append(["姓名", "手机"])
    roster.append(["王芳", "13800138000"])
    table = read_table(_save(wb), LIMITS, accept_header=lambda rows: bool(rows) and rows[0][1][0] == "姓名")
    assert table.sheet_name == "名单"


def test_a_wide_but_honest_roster_is_not_refused():
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "手机"] + [f"列{i}" for i in range(100)])
    ws.append(["王芳", "13800138000"] + ["x"] * 100)
    table = read_table(_save(wb), LIMITS)
    assert table.rows[1][1][:2] == ("王芳", "13800138000")


# --- through the web page ---------------------------------------------------------------------


def _upload(client, cohort, data: bytes):
    return post_roster(client, cohort.id, data)


def test_the_upload_page_refuses_the_201_sheet_file_with_a_message(client, upload_dir):
    organizer = make_user(Role.ORGANIZER)
    cohort = make_cohort(organizers=[organizer])
    login(client, organizer.username)
    started = time.perf_counter()
    response = _upload(client, cohort, far_cells_workbook(201))
    assert time.perf_counter() - started < 2.0
    assert response.status_code == 422
    assert f"工作簿中的工作表超过 {MAX_SHEETS} 个" in response.get_data(as_text=True)
    assert list(upload_dir.iterdir()) == []


def test_the_upload_page_names_the_sheet_that_reaches_too_far(client, upload_dir):
    organizer = make_user(Role.ORGANIZER)
    cohort = make_cohort(organizers=[organizer])
    login(client, organizer.username)
    data = rewrite_sheet(rosters.office_xlsx(), set_dimension("A1:O1048576"))
    response = _upload(client, cohort, data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "工作表“Sheet1”的范围太大（到第 1048576 行、第 15 列）" in page
