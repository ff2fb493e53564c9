"""Reading an uploaded roster file (.xlsx or .csv) into rows of cells, defensively.

The kind of file is decided by its content, not its name. Every refusal is a
FileRefused with a code and parameters (messages in cadre/imports/messages.py).
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import posixpath
import re
import warnings
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

log = logging.getLogger(__name__)

# Excel's own limit; a crafted sheet may claim rows far beyond it.
EXCEL_MAX_ROW = 1_048_576
# No roster has more columns; cells beyond are not read.
MAX_COLUMNS = 64
# Rows read to find the header row.
HEADER_SCAN_ROWS = 10
# Sheet rows looked at while searching a sheet for the header row.
HEADER_SCAN_MAX_ROW = 200
# Work bounds for a workbook, checked before openpyxl parses it. Office rosters have one
# to three sheets; 200 sheets with one cell each on row 1,048,576 held a worker for ten
# minutes (openpyxl walks every empty row up to the last one).
MAX_SHEETS = 20
# A sheet may span the import's row limit plus this many rows (title, blank and note rows).
EXTRA_SHEET_ROWS = 100
# The widest range a sheet may claim; no roster comes near it (only MAX_COLUMNS are read).
MAX_SHEET_COLUMNS = 256
# Cells a sheet may hold per row of the row limit (a roster has about 15 columns);
# openpyxl parses every cell, also those beyond MAX_COLUMNS.
CELLS_PER_ROW = 16
# XML elements another part (shared strings, styles) may have per cell allowed.
ELEMENTS_PER_CELL = 4
# Defences against an .xlsx that explodes when unpacked: bounds on the declared
# sizes of its parts (Python's zipfile never inflates a part beyond its declared size).
MAX_ZIP_ENTRIES = 1000
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_PART_RATIO = 100
RATIO_CHECK_ABOVE = 5 * 1024 * 1024

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


class FileRefused(Exception):
    """The file cannot be read as a roster; nothing is imported."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


Row = tuple[int, tuple[Any, ...]]  # (row number as the sheet shows it, cells)


@dataclass
class Table:
    kind: str  # "xlsx" or "csv"
    rows: list[Row]  # non-empty rows only, with their sheet row numbers
    sheet_name: str | None = None
    encoding: str | None = None
    delimiter: str | None = None


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int


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


def check_zip(data: bytes) -> None:
    """Refuse a zip that is not a workbook, or whose parts would unpack to something huge."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise FileRefused("damaged") from err
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if len(infos) > MAX_ZIP_ENTRIES:
            raise FileRefused("zip_bomb")
        total = 0
        for info in infos:
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > RATIO_CHECK_ABOVE and ratio > MAX_PART_RATIO:
                raise FileRefused("zip_bomb")
        if total > MAX_UNZIPPED_BYTES:
            raise FileRefused("zip_bomb")
        if "xl/workbook.xml" not in names:
            if "word/document.xml" in names:
                raise FileRefused("word_document")
            if any(name.startswith("ppt/") for name in names):
                raise FileRefused("not_spreadsheet")
            if "content.xml" in names and "mimetype" in names:
                raise FileRefused("ods")
            raise FileRefused("not_spreadsheet")


def sheet_row_limit(limits: Limits) -> int:
    """The last sheet row an import reads (rows beyond it are refused, never silently left out)."""
    return limits.max_rows + EXTRA_SHEET_ROWS


def cell_limit(limits: Limits) -> int:
    """The most cells a sheet may hold; openpyxl parses every one (~15 µs each)."""
    return limits.max_rows * CELLS_PER_ROW


_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


def _cell_position(ref: str) -> tuple[int, int] | None:
    """(row, column) of "B12" / "$B$12"; None when it is no cell reference."""
    match = _CELL_REF.match(ref.strip())
    if not match:
        return None
    column = 0
    for letter in match.group(1).upper():
        column = column * 26 + ord(letter) - 64
    return int(match.group(2)), column


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _expat_scan(stream, start) -> None:
    """Feed an XML part to expat with our handlers; no DTD, no entities (OOXML has none).

    expat calls back only on opening tags (no tree is built), about 1 µs each here: a
    bounded look at a part costs a few percent of what openpyxl spends parsing it.
    """

    def unsafe(*_args):
        raise FileRefused("unsafe_xml")

    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartDoctypeDeclHandler = unsafe
    parser.EntityDeclHandler = unsafe
    parser.ExternalEntityRefHandler = unsafe
    parser.StartElementHandler = start
    while chunk := stream.read(256 * 1024):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _workbook_sheets(archive: zipfile.ZipFile) -> list[tuple[str, str | None]]:
    """(name, part path) of every sheet the workbook lists; refused beyond MAX_SHEETS."""
    sheets: list[tuple[str, str | None]] = []

    def on_sheet(tag, attrs):
        if _local(tag) != "sheet":
            return
        rel = next((v for k, v in attrs.items() if _local(k) == "id"), None)
        sheets.append((attrs.get("name") or "", rel))
        if len(sheets) > MAX_SHEETS:
            raise FileRefused("too_many_sheets", max=MAX_SHEETS)

    with archive.open("xl/workbook.xml") as f:
        _expat_scan(f, on_sheet)

    targets: dict[str, str] = {}

    def on_relationship(tag, attrs):
        if _local(tag) == "Relationship" and (attrs.get("Type") or "").endswith("/worksheet"):
            target = attrs.get("Target") or ""
            path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            targets[attrs.get("Id") or ""] = posixpath.normpath(path)

    if "xl/_rels/workbook.xml.rels" in archive.namelist():
        with archive.open("xl/_rels/workbook.xml.rels") as f:
            _expat_scan(f, on_relationship)
    return [(name, targets.get(rel or "")) for name, rel in sheets]


def _scan_sheet(archive: zipfile.ZipFile, name: str, path: str, limits: Limits) -> None:
    """Refuse a sheet that claims or holds more than the import reads, from its XML alone.

    The <dimension> is what Excel says the used range is; other programs leave it out or
    write it wrong, so the cells themselves are checked too: a cell with a value beyond
    the row limit, any cell beyond MAX_SHEET_COLUMNS, or more cells than cell_limit(),
    refuses the file. Formatted empty cells below the row limit are allowed (and never read).
    """
    row_limit = sheet_row_limit(limits)
    max_cells = cell_limit(limits)

    def too_far(rows: int, columns: int) -> FileRefused:
        return FileRefused(
            "sheet_too_big",
            sheet=name,
            rows=rows,
            columns=columns,
            max=row_limit,
            max_columns=MAX_SHEET_COLUMNS,
        )

    max_elements = max_cells * ELEMENTS_PER_CELL
    row = cells = elements = 0
    # The cell just opened (its row until its first child; its column until the next cell).
    pending_row = pending_column = 0

    def start(tag, attrs):
        nonlocal row, cells, elements, pending_row, pending_column
        elements += 1
        if elements > max_elements:
            raise FileRefused("too_many_cells", sheet=name, max=max_cells)
        local = tag[tag.rfind("}") + 1 :]
        if local == "c":
            cells += 1
            if cells > max_cells:
                raise FileRefused("too_many_cells", sheet=name, max=max_cells)
            position = _cell_position(attrs.get("r") or "")
            pending_row, pending_column = position or (row, pending_column + 1)
            if pending_column > MAX_SHEET_COLUMNS:
                raise too_far(pending_row, pending_column)
            return
        # The first child of a cell (<f>, <v> or <is>) means it holds something.
        if pending_row > row_limit and local in ("v", "is", "f"):
            raise too_far(pending_row, pending_column)
        pending_row = 0
        if local == "row":
            r = attrs.get("r") or ""
            row = int(r) if r.isdigit() else row + 1
            pending_column = 0
        elif local == "dimension":
            last = (attrs.get("ref") or "").split(":")[-1]
            position = _cell_position(last) if last else None
            if position and (position[0] > row_limit or position[1] > MAX_SHEET_COLUMNS):
                raise too_far(*position)

    with archive.open(path) as f:
        _expat_scan(f, start)


def _scan_other_part(archive: zipfile.ZipFile, path: str, limits: Limits) -> None:
    """Shared strings, styles, document properties: openpyxl parses them in full; bound their size."""
    budget = cell_limit(limits) * ELEMENTS_PER_CELL
    count = 0

    def start(_tag, _attrs):
        nonlocal count
        count += 1
        if count > budget:
            raise FileRefused("too_complex", part=path)

    with archive.open(path) as f:
        _expat_scan(f, start)


def check_workbook(data: bytes, limits: Limits) -> None:
    """Bound the work of reading a workbook before openpyxl parses any of it.

    Too many sheets, a sheet whose range goes beyond the row limit or with too many
    cells, or another part with an absurd number of elements, is refused.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            sheet_parts = set()
            for name, path in _workbook_sheets(archive):
                if path is not None and path in names:
                    sheet_parts.add(path)
                    _scan_sheet(archive, name, path, limits)
            for path in sorted(names - sheet_parts):
                if path.endswith((".xml", ".rels")) and not path.startswith("xl/worksheets/"):
                    _scan_other_part(archive, path, limits)
    except FileRefused:
        raise
    except Exception as err:  # a damaged part: bad XML, CRC error
        log.info("could not read an .xlsx: %r", err)
        raise FileRefused("damaged") from err


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
