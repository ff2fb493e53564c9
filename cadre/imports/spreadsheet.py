"""Reading an uploaded roster file (.xlsx or .csv) into rows of cells, defensively.

The kind of file is decided by its content, not its name. Every refusal is a
FileRefused with a code and parameters (messages in cadre/imports/messages.py).
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from cadre.imports.tables import FileRefused, Limits, Row, Table
from cadre.imports.xlsx_scan import check_workbook, check_zip, sheet_row_limit

log = logging.getLogger(__name__)

# Excel's own limit; a crafted sheet may claim rows far beyond it.
EXCEL_MAX_ROW = 1_048_576
# No roster has more columns; cells beyond are not read.
MAX_COLUMNS = 64
# Rows read to find the header row.
HEADER_SCAN_ROWS = 10
# Sheet rows looked at while searching a sheet for the header row.
HEADER_SCAN_MAX_ROW = 200
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


def file_kind(data: bytes) -> str:
    """'xlsx', 'csv' or a refusal, from the first bytes."""
    if not data:
        raise FileRefused("empty_file")
    if data.startswith(OLE_MAGIC):
        # Excel 97-2003 .xls, or an .xlsx protected by a password (both are OLE files).
        raise FileRefused("legacy_xls")
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    if data.startswith(b"%PDF"):
        raise FileRefused("not_spreadsheet")
    return "csv"


def read_table(
    data: bytes,
    limits: Limits,
    accept_header: Callable[[Sequence[Row]], bool] | None = None,
) -> Table:
    """The rows of the roster in `data`.

    `accept_header(first_rows)` tells which sheet of a workbook holds the roster;
    the first sheet it accepts is read (the first sheet when none is accepted).
    """
    if len(data) > limits.max_bytes:
        raise FileRefused("too_large", max_mb=limits.max_bytes // (1024 * 1024))
    kind = file_kind(data)
    if kind == "xlsx":
        return _read_xlsx(data, limits, accept_header)
    return _read_csv(data, limits)


# --- .xlsx ---------------------------------------------------------------------------------


def _read_xlsx(data: bytes, limits: Limits, accept_header) -> Table:
    check_zip(data)
    check_workbook(data, limits)
    import openpyxl
    from defusedxml import DefusedXmlException

    # openpyxl parses with defusedxml when it is installed: no entity expansion, no DTDs.
    from openpyxl.xml import DEFUSEDXML

    if not DEFUSEDXML:  # pragma: no cover - requirements.txt pins defusedxml
        raise RuntimeError("defusedxml is required to read uploaded workbooks safely")
    try:
        with warnings.catch_warnings():
            # Real workbooks carry extensions (data validation, conditional formats) openpyxl
            # warns about; they do not matter for reading values.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                return _read_workbook(workbook, limits, accept_header)
            finally:
                workbook.close()
    except FileRefused:
        raise
    except Exception as err:  # openpyxl raises many kinds on a damaged file
        if _caused_by(err, DefusedXmlException):
            log.info("refused an .xlsx with unsafe XML: %r", err)
            raise FileRefused("unsafe_xml") from err
        log.info("could not read an .xlsx: %r", err)
        raise FileRefused("damaged") from err


def _caused_by(err: BaseException, kind: type) -> bool:
    """openpyxl wraps parser errors in ValueError; look down the chain."""
    seen = 0
    current: BaseException | None = err
    while current is not None and seen < 10:
        if isinstance(current, kind):
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False


def _read_workbook(workbook, limits: Limits, accept_header) -> Table:
    sheets = [ws for ws in workbook.worksheets if hasattr(ws, "iter_rows")]
    if not sheets:
        raise FileRefused("no_rows")
    chosen = sheets[0]
    if accept_header is not None and len(sheets) > 1:
        for sheet in sheets:
            first_rows = _sheet_rows(sheet, limits, stop_after=HEADER_SCAN_ROWS, max_row=HEADER_SCAN_MAX_ROW)
            if accept_header(first_rows):
                chosen = sheet
                break
    rows = _sheet_rows(chosen, limits)
    if not rows:
        raise FileRefused("no_rows")
    return Table("xlsx", rows, sheet_name=chosen.title)


def _sheet_rows(
    sheet, limits: Limits, stop_after: int | None = None, max_row: int | None = None
) -> list[Row]:
    # Dimensions written by other programs can be wrong (and cut columns off), or huge;
    # check_workbook has refused values beyond the row limit, so stop there whatever they say.
    sheet.reset_dimensions()
    last_row = min(max_row or EXCEL_MAX_ROW, sheet_row_limit(limits))
    rows: list[Row] = []
    cells_by_row = sheet.iter_rows(max_row=last_row, max_col=MAX_COLUMNS, values_only=True)
    for row_no, cells in enumerate(cells_by_row, start=1):
        if not any(_filled(c) for c in cells):
            continue
        rows.append((row_no, tuple(cells)))
        if stop_after is not None and len(rows) >= stop_after:
            break
        if len(rows) > limits.max_rows:
            raise FileRefused("too_many_rows", max=limits.max_rows)
    return rows


def _filled(cell: Any) -> bool:
    if cell is None:
        return False
    if isinstance(cell, str):
        return bool(cell.strip())
    return True


# --- .csv ----------------------------------------------------------------------------------

_ENCODING_NAMES = {"utf-8-sig": "UTF-8 (BOM)", "utf-8": "UTF-8", "gb18030": "GBK", "utf-16": "UTF-16"}


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the name of its encoding.

    Excel saves "CSV UTF-8" with a BOM, plain "CSV" in the machine's code page
    (GBK on a Chinese Windows), and "Unicode text" as tab-separated UTF-16.
    """
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        if b"\x00" in data[:8192]:
            raise FileRefused("not_spreadsheet")
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise FileRefused("unknown_encoding")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def sniff_delimiter(text: str) -> str:
    """Comma, tab or semicolon: whichever the first lines use most."""
    sample = text[:20000].splitlines()[:20]
    counts = {d: sum(line.count(d) for line in sample) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _read_csv(data: bytes, limits: Limits) -> Table:
    text, encoding = decode_text(data)
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise FileRefused("empty_file")
    # A NUL anywhere (not only in the bytes sniffed above): PostgreSQL text cannot hold it.
    if "\x00" in text or len(_CONTROL.findall(text[:20000])) > 5:
        raise FileRefused("not_spreadsheet")
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[Row] = []
    try:
        for row_no, cells in enumerate(reader, start=1):
            if not any(c.strip() for c in cells):
                continue
            rows.append((row_no, tuple(cells[:MAX_COLUMNS])))
            if len(rows) > limits.max_rows:
                raise FileRefused("too_many_rows", max=limits.max_rows)
    except csv.Error as err:
        raise FileRefused("damaged") from err
    if not rows:
        raise FileRefused("empty_file")
    return Table("csv", rows, encoding=_ENCODING_NAMES.get(encoding, encoding), delimiter=delimiter)
