"""Reading roster files: formats, encodings, and every kind of bad file (no app needed)."""

from __future__ import annotations

import io
import random
import re
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook

from cadre.imports.spreadsheet import read_table
from cadre.imports.tables import FileRefused, Limits
from tests.data import rosters

LIMITS = Limits(max_bytes=20 * 1024 * 1024, max_rows=20_000)


def refused(data: bytes, limits: Limits = LIMITS) -> str:
    with pytest.raises(FileRefused) as info:
        read_table(data, limits)
    return info.value.code


def test_xlsx_rows_keep_the_row_numbers_excel_shows():
    table = read_table(rosters.office_xlsx(), LIMITS)
    assert table.kind == "xlsx"
    numbers = [n for n, _cells in table.rows]
    # Row 1 is the title, row 2 is blank (left out), row 3 the header.
    assert numbers[:3] == [1, 3, 4]
    assert numbers[-1] == 3 + len(rosters.OFFICE_TRAINEES)


def test_xlsx_cells_keep_their_types():
    table = read_table(rosters.office_xlsx(), LIMITS)
    first = table.rows[2][1]
    assert isinstance(first[5], datetime)  # a date cell
    assert first[8] == int(rosters.OFFICE_TRAINEES[0].phone)  # a phone stored as a number


@pytest.mark.parametrize(
    ("encoding", "name"),
    [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 (BOM)"), ("gbk", "GBK"), ("gb18030", "GBK")],
)
def test_csv_as_excel_saves_it_in_a_chinese_locale(encoding, name):
    table = read_table(rosters.office_csv(encoding), LIMITS)
    assert table.kind == "csv"
    assert table.encoding == name
    assert table.rows[0] == (1, (rosters.OFFICE_TITLE,))
    assert table.rows[1][1][1] == "姓  名"
    assert len(table.rows) == 2 + len(rosters.OFFICE_TRAINEES)


def test_unicode_text_from_excel_is_tab_separated_utf16():
    data = rosters.csv_bytes(rosters.office_cells(as_text=True), "utf-16", delimiter="\t")
    table = read_table(data, LIMITS)
    assert table.delimiter == "\t"
    assert table.rows[1][1][1] == "姓  名"


def test_semicolon_separated_csv():
    data = rosters.csv_bytes([["姓名", "手机"], ["王芳", "13800138000"]], delimiter=";")
    assert read_table(data, LIMITS).rows[1] == (2, ("王芳", "13800138000"))


def test_a_roster_on_the_second_sheet_is_found():
    wb = Workbook()
    wb.active.title = "说明"
    wb.active.append(["请按表格填写"])
    roster = wb.create_sheet("名单")
    roster.append(["姓名", "手机"])
    roster.append(["王芳", "13800138000"])
    out = io.BytesIO()
    wb.save(out)
    table = read_table(out.getvalue(), LIMITS, accept_header=lambda rows: rows and rows[0][1][0] == "姓名")
    assert table.sheet_name == "名单"


def _rewrite_part(data: bytes, part: str, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == part:
                content = change(content)
            target.writestr(info.filename, content)
    return out.getvalue()


def test_a_wrong_dimension_written_by_another_program_cuts_no_column_off():
    data = _rewrite_part(
        rosters.office_xlsx(),
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:A1"/>', xml),
    )
    table = read_table(data, LIMITS)
    assert len(table.rows[2][1]) >= len(rosters.OFFICE_HEADERS)


# --- bad files ---------------------------------------------------------------------------------


def test_empty_file_is_refused():
    assert refused(b"") == "empty_file"
    assert refused(b"\r\n  \r\n") == "empty_file"


def test_random_bytes_are_refused():
    noise = random.Random(3).randbytes(4096)
    assert refused(noise) in ("not_spreadsheet", "unknown_encoding")


def test_a_word_document_renamed_xlsx_is_refused():
    assert refused(rosters.docx_bytes()) == "word_document"


def test_a_pdf_is_refused():
    assert refused(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj") == "not_spreadsheet"


def test_an_old_xls_file_is_refused_with_advice():
    assert refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600) == "legacy_xls"


def test_a_truncated_xlsx_is_refused():
    data = rosters.office_xlsx()
    assert refused(data[: len(data) // 2]) == "damaged"


def test_a_file_over_the_size_limit_is_refused_stating_the_limit():
    limits = Limits(max_bytes=1024 * 1024, max_rows=20_000)
    with pytest.raises(FileRefused) as info:
        read_table(b"a" * (1024 * 1024 + 1), limits)
    assert info.value.code == "too_large"
    assert info.value.params == {"max_mb": 1}


def test_a_csv_over_the_row_limit_is_refused():
    rows = [["姓名", "手机"]] + [[f"学员{i}", f"139{i:08d}"] for i in range(20_000)]
    with pytest.raises(FileRefused) as info:
        read_table(rosters.csv_bytes(rows), LIMITS)
    assert (info.value.code, info.value.params) == ("too_many_rows", {"max": 20_000})


def test_an_xlsx_over_the_row_limit_is_refused():
    limits = Limits(max_bytes=20 * 1024 * 1024, max_rows=500)
    rows = [["姓名", "手机"]] + [[f"学员{i}", f"139{i:08d}"] for i in range(500)]
    with pytest.raises(FileRefused) as info:
        read_table(rosters.xlsx_bytes(rows), limits)
    assert info.value.code == "too_many_rows"


def test_an_xlsx_that_explodes_when_unpacked_is_refused_before_parsing():
    bomb = rosters.zip_bomb_xlsx(uncompressed_mb=60)
    assert len(bomb) < 1024 * 1024
    assert refused(bomb) == "zip_bomb"


def test_an_xlsx_lying_about_its_unpacked_size_is_refused():
    """Declared sizes are what zipfile inflates to at most; a lie ends in a CRC error, not a flood."""
    bomb = rosters.zip_bomb_xlsx(uncompressed_mb=8)
    source = zipfile.ZipFile(io.BytesIO(bomb))
    info = source.getinfo("xl/worksheets/sheet1.xml")
    real = info.file_size.to_bytes(4, "little")
    lie = (1000).to_bytes(4, "little")
    assert bomb.count(real) == 2  # local header and central directory
    assert refused(bomb.replace(real, lie)) == "damaged"


def test_xml_entities_are_refused_by_defusedxml():
    """openpyxl parses with defusedxml when it is installed: no billion laughs."""
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData>'
        b"</worksheet>"
    )
    data = _rewrite_part(rosters.office_xlsx(), "xl/worksheets/sheet1.xml", lambda _xml: laughs)
    assert refused(data) == "unsafe_xml"


def test_a_zip_with_thousands_of_parts_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(1001):
            z.writestr(f"x/{i}", "")
    assert refused(out.getvalue()) == "zip_bomb"
