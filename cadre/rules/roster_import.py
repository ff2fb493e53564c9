"""Reading an office's trainee roster: header recognition, row parsing, duplicates, changes.

Pure functions over plain values (cells as openpyxl or csv give them). Errors
carry a code and parameters; cadre/imports/messages.py turns them into text.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from cadre.enums import ClassRole, EnrollmentStatus
from cadre.rules import trainee_fields as rules
from cadre.rules.roster_headers import (  # noqa: F401 - the import reads headers through this module too
    ENROLLMENT_FIELDS,
    FIELDS,
    MAX_LENGTHS,
    PERSONAL_FIELDS,
    HeaderRow,
    field_for_header,
    find_header_row,
    normalize_header,
    read_header,
)
from cadre.rules.text import clean_value
from cadre.rules.trainee_fields import FieldError


@dataclass
class CellError:
    """A problem in one cell (or, with field "name" and code "name_required", a row)."""

    field: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ParsedRow:
    row_no: int
    raw: dict[str, str]  # field → the cell as text, for the preview
    values: dict[str, Any]  # field → clean value; only fields whose column exists
    errors: list[CellError] = field(default_factory=list)
    skip: str | None = None  # "example" or "note": a row that is not a trainee

    @property
    def phone(self) -> str | None:
        return self.values.get("phone")

    @property
    def name(self) -> str | None:
        return self.values.get("name")

    def error_fields(self) -> set[str]:
        return {e.field for e in self.errors}


_NEUTRALIZED = re.compile(r"^'[=+\-@]")


def neutralize_formula(value: str) -> str:
    """A text cell that cannot run as a formula: "=1+1" → "'=1+1" (the export writes this)."""
    if value and value[0] in "=+-@":
        return "'" + value
    return value


def strip_neutralizer(value: Any) -> Any:
    """Undo neutralize_formula so that an exported roster re-imports unchanged."""
    if isinstance(value, str) and _NEUTRALIZED.match(value):
        return value[1:]
    return value


_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}·])\s+(?=[{_CJK}·])")


def normalize_name(raw: Any) -> str | None:
    """A name as typed, without the padding spaces offices put inside 2-character names ("王  芳")."""
    text = rules.clean_text(raw)
    if text is None:
        return None
    return _CJK_GAP.sub("", text)


_STATUSES = {
    "在训": EnrollmentStatus.ACTIVE,
    "在读": EnrollmentStatus.ACTIVE,
    "在学": EnrollmentStatus.ACTIVE,
    "正常": EnrollmentStatus.ACTIVE,
    "active": EnrollmentStatus.ACTIVE,
    "退训": EnrollmentStatus.WITHDRAWN,
    "已退训": EnrollmentStatus.WITHDRAWN,
    "已退出": EnrollmentStatus.WITHDRAWN,
    "退出": EnrollmentStatus.WITHDRAWN,
    "已退学": EnrollmentStatus.WITHDRAWN,
    "退学": EnrollmentStatus.WITHDRAWN,
    "withdrawn": EnrollmentStatus.WITHDRAWN,
}


def parse_status(raw: Any) -> EnrollmentStatus:
    text = rules.clean_text(raw)
    if text is None:
        return EnrollmentStatus.ACTIVE
    status = _STATUSES.get(text.lower())
    if status is None:
        raise FieldError("status_invalid", value=text)
    return status


_DATE = re.compile(r"^(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*[.\-/月]\s*(\d{1,2})\s*日?$")


def parse_date(raw: Any) -> date | None:
    """A calendar date from a date cell, 2025-05-20, 2025.5.20, 2025/5/20 or 2025年5月20日."""
    if raw is None:
        return None
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if not text:
        return None
    match = _DATE.match(text)
    if match:
        try:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            pass
    raise FieldError("date_invalid", value=text)


def cell_text(value: Any) -> str:
    """A cell as the preview shows it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.strftime("%Y-%m-%d")
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def parse_birth(raw: Any, today: date) -> tuple[int, int | None] | None:
    """(year, month), (year, None) for a bare year, or None for an empty cell."""
    year, month = rules.parse_birth(raw, today)
    return (year, month) if year is not None else None


_EXAMPLE_MARKS = {"示例", "例", "样例", "例子", "举例", "example"}
_NOTE_PREFIXES = ("合计", "总计", "共计", "小计", "填表", "制表", "审核", "注", "说明", "备注", "联系人")


def _clean(name: str, raw: Any, today: date) -> Any:
    if name == "name":
        value = normalize_name(raw)
        if value is not None and len(value) > MAX_LENGTHS["name"]:
            raise FieldError("too_long", max=MAX_LENGTHS["name"])
        return value
    if name == "phone":
        return rules.normalize_phone(raw)
    if name == "gender":
        return rules.parse_gender(raw)
    if name == "birth":
        return parse_birth(raw, today)
    if name == "class_role":
        return rules.parse_class_role(raw)
    if name == "status":
        return parse_status(raw)
    if name == "withdrawn_on":
        return parse_date(raw)
    return rules.clean_text(raw, MAX_LENGTHS.get(name))


def parse_row(row_no: int, cells: Sequence[Any], header: HeaderRow, today: date) -> ParsedRow | None:
    """One row below the header; None when it holds nothing but (maybe) a 序号."""
    raw_cells: dict[str, Any] = {}
    for index, name in header.columns.items():
        value = cells[index] if index < len(cells) else None
        # The one text-cleaning rule (cadre/rules/text.py), as for form fields.
        raw_cells[name] = strip_neutralizer(clean_value(value))
    raw = {name: cell_text(value) for name, value in raw_cells.items()}
    filled = {name: text for name, text in raw.items() if text and name != "seq"}
    if not filled:
        return None
    row = ParsedRow(row_no, raw, {})
    seq = normalize_header(raw.get("seq"))
    if seq in _EXAMPLE_MARKS:
        row.skip = "example"
        return row
    if len(filled) == 1:
        only = next(iter(filled.values()))
        if only.startswith(_NOTE_PREFIXES):
            row.skip = "note"
            return row
    for name, value in raw_cells.items():
        if name == "seq":
            continue
        try:
            row.values[name] = _clean(name, value, today)
        except FieldError as err:
            row.errors.append(CellError(name, err.code, dict(err.params)))
    if not row.values.get("name") and "name" not in row.error_fields():
        row.errors.append(CellError("name", "name_required"))
    return row


def parse_rows(rows: Sequence[tuple[int, Sequence[Any]]], header: HeaderRow, today: date) -> list[ParsedRow]:
    """Every trainee row below the header, each with its clean values and errors."""
    parsed = []
    for row_no, cells in rows:
        if row_no <= header.row_no:
            continue
        row = parse_row(row_no, cells, header, today)
        if row is not None:
            parsed.append(row)
    mark_duplicates(parsed)
    mark_second_monitors(parsed)
    return parsed


def mark_second_monitors(rows: Sequence[ParsedRow]) -> None:
    """A cohort has one 班长: a file naming two is an error on each of those rows."""
    monitors = [r for r in rows if not r.skip and r.values.get("class_role") == ClassRole.MONITOR]
    if len(monitors) < 2:
        return
    for row in monitors:
        others = [r.row_no for r in monitors if r is not row]
        row.errors.append(CellError("class_role", "two_monitors", {"rows": others}))


def mark_duplicates(rows: Sequence[ParsedRow]) -> None:
    """Two rows for one person (same phone; or same name, both without phone): an error on each."""
    by_phone: dict[str, list[ParsedRow]] = defaultdict(list)
    by_name: dict[str, list[ParsedRow]] = defaultdict(list)
    for row in rows:
        if row.skip:
            continue
        if row.phone:
            by_phone[row.phone].append(row)
        elif row.name and "phone" not in row.error_fields():
            by_name[row.name].append(row)
    for column, groups in (("phone", by_phone), ("name", by_name)):
        for same in groups.values():
            if len(same) < 2:
                continue
            for row in same:
                others = [r.row_no for r in same if r is not row]
                row.errors.append(
                    CellError(column, "duplicate_in_file", {"rows": others, "value": row.values[column]})
                )


def _comparable(name: str, value: Any) -> Any:
    if isinstance(value, str):
        return rules.clean_text(value)
    return value


def personal_changes(current: dict[str, Any], incoming: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Personal fields the import will change: those the file fills and that differ.

    An empty cell never erases what is known: offices often leave columns blank
    for people already on file.
    """
    changes = {}
    for name in PERSONAL_FIELDS:
        new = incoming.get(name)
        if new is None:
            continue
        old = current.get(name)
        if name == "birth" and old is not None and new[1] is None and old[0] == new[0]:
            continue  # "1990" says less than the 1990.05 on file, not something else
        if _comparable(name, old) != _comparable(name, new):
            changes[name] = (old, new)
    return changes


def enrollment_changes(current: dict[str, Any], incoming: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Group, class role and status the import will change in an existing enrollment.

    For this cohort the file is the roster: when a column exists, a blank cell
    means "no group" or "学员". Withdrawal date and reason only matter for a
    withdrawn enrollment. Columns the file does not have change nothing.
    """
    changes = {}
    for name in ("group", "class_role", "status"):
        if name not in incoming:
            continue
        old, new = current.get(name), incoming[name]
        if _comparable(name, old) != _comparable(name, new):
            changes[name] = (old, new)
    status = incoming.get("status", current.get("status"))
    if status == EnrollmentStatus.WITHDRAWN:
        for name in ("withdrawn_on", "withdrawal_reason"):
            if name not in incoming or incoming[name] is None:
                continue
            old, new = current.get(name), incoming[name]
            if _comparable(name, old) != _comparable(name, new):
                changes[name] = (old, new)
    return changes


def names_match(a: str | None, b: str | None) -> bool:
    return normalize_name(a) == normalize_name(b)


DEFAULT_ROLE = ClassRole.MEMBER
