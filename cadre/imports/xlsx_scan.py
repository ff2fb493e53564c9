"""Bounding the work of an .xlsx before openpyxl parses it.

A crafted workbook can be small and still cost minutes: 200 sheets with one cell
each on row 1,048,576, a dimension claiming a million rows, shared strings with
millions of elements. These checks stream the parts' XML with expat (cheap, no
tree) and refuse what no office roster looks like, with a FileRefused code.
"""

from __future__ import annotations

import io
import logging
import posixpath
import re
import zipfile
from xml.parsers import expat

from cadre.imports.tables import FileRefused, Limits

log = logging.getLogger(__name__)

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
