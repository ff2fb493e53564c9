"""Recognising the columns of an office's roster: the fields the import understands, and their header names.

Pure; the rest of reading a roster (rows, values, duplicates, changes) is cadre.rules.roster_import.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cadre.rules import trainee_fields as rules
from cadre.rules.text import clean_value

# Columns the import understands, in the order the export and the template write them.
FIELDS = (
    "seq",
    "name",
    "gender",
    "birth",
    "phone",
    "community",
    "position",
    "political_status",
    "education",
    "group",
    "class_role",
    "status",
    "withdrawn_on",
    "withdrawal_reason",
    "notes",
)

# The person's data (name and phone identify the person and are not "changed" by an import).
PERSONAL_FIELDS = ("gender", "birth", "community", "position", "political_status", "education", "notes")
# The person's place in this cohort.
ENROLLMENT_FIELDS = ("group", "class_role", "status", "withdrawn_on", "withdrawal_reason")

MAX_LENGTHS = {
    "name": 64,
    "community": 128,
    "position": 128,
    "political_status": 32,
    "education": 32,
    "group": 32,
    "withdrawal_reason": 500,
    "notes": 2000,
}

# Header texts as offices write them (compared after normalize_header).
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "编号", "序", "no", "no.", "#"),
    "name": ("姓名", "学员姓名", "名字", "name"),
    "gender": ("性别", "gender", "sex"),
    "birth": (
        "出生年月",
        "出生日期",
        "出生年月日",
        "出生时间",
        "生日",
        "birth",
        "date of birth",
        "birthdate",
    ),
    "phone": (
        "联系电话",
        "手机号码",
        "手机",
        "电话",
        "手机号",
        "联系方式",
        "移动电话",
        "电话号码",
        "联系手机",
        "phone",
        "mobile",
    ),
    "community": (
        "所在居民区",
        "所在单位",
        "居民区",
        "单位",
        "居民区(单位)",
        "所在居民区(单位)",
        "居民区/单位",
        "所在居民区/单位",
        "所在居民区/所在单位",
        "工作单位",
        "所在社区",
        "社区",
        "居委",
        "居委会",
        "所在居委",
        "所在居委会",
        "community",
    ),
    "position": ("职务", "现任职务", "职务名称", "现任职务名称", "现职务", "职位", "现岗位", "position"),
    "political_status": ("政治面貌", "political status"),
    "education": ("学历", "文化程度", "最高学历", "education"),
    "group": ("组别", "小组", "分组", "组", "所在小组", "group"),
    "class_role": ("班级职务", "班委", "担任职务", "班内职务", "班级角色", "class role", "role"),
    "status": ("状态", "学籍状态", "status"),
    "withdrawn_on": ("退出日期", "退学日期"),
    "withdrawal_reason": ("退出原因", "退学原因"),
    "notes": ("备注", "说明", "notes", "remark", "remarks"),
}


def normalize_header(text: Any) -> str:
    """Header text without spaces, stars, full-width forms or case: "联系电话 *" → "联系电话"."""
    if text is None:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).lower()
    text = re.sub(r"\s+", "", text)
    return text.replace("*", "").rstrip(":：")


def _synonym_table() -> dict[str, str]:
    table = {}
    for name, synonyms in HEADER_SYNONYMS.items():
        for synonym in synonyms:
            table[normalize_header(synonym)] = name
    return table


_SYNONYMS = _synonym_table()
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】")


def field_for_header(text: Any) -> str | None:
    """The field a header names, or None; "联系电话（必填）" and "居民区(单位)" are understood."""
    key = normalize_header(text)
    if not key:
        return None
    if key in _SYNONYMS:
        return _SYNONYMS[key]
    stripped = _PARENS.sub("", key)
    return _SYNONYMS.get(stripped) if stripped else None


@dataclass(frozen=True)
class HeaderRow:
    """The header row found in a sheet: which column holds which field."""

    row_no: int
    columns: dict[int, str]  # column index (0-based) → field
    labels: dict[str, str]  # field → the header text as written in the file
    ignored: tuple[str, ...] = ()  # headers the import does not read
    repeated: tuple[str, ...] = ()  # a second column for a field already found

    @property
    def fields(self) -> set[str]:
        return set(self.columns.values())

    @property
    def has_name(self) -> bool:
        return "name" in self.fields


def read_header(row_no: int, cells: Sequence[Any]) -> HeaderRow:
    columns: dict[int, str] = {}
    labels: dict[str, str] = {}
    ignored: list[str] = []
    repeated: list[str] = []
    for index, cell in enumerate(cells):
        text = rules.clean_text(clean_value(cell)) if cell is not None else None
        if not text:
            continue
        name = field_for_header(text)
        if name is None:
            ignored.append(text)
        elif name in labels:
            repeated.append(text)
        else:
            columns[index] = name
            labels[name] = text
    return HeaderRow(row_no, columns, labels, tuple(ignored), tuple(repeated))


def find_header_row(rows: Sequence[tuple[int, Sequence[Any]]], scan: int = 10) -> HeaderRow | None:
    """The row among the first `scan` non-empty rows that names the most known columns.

    Offices put a title row and blank rows above the header; exact header
    matches only, so a title like "青蓝接力培训班学员名单" scores nothing.
    A row naming the 姓名 column wins over one that does not.
    """
    best: HeaderRow | None = None
    best_score = (0, 0)
    for row_no, cells in rows[:scan]:
        header = read_header(row_no, cells)
        score = (int(header.has_name), len(header.columns))
        if score[1] and score > best_score:
            best, best_score = header, score
    return best
