"""What an import will do (the plan shown in the preview) and what it did: plain value types."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _

from cadre.imports.messages import SKIP_REASONS, cell_error_message, field_label, file_error_message
from cadre.imports.tables import FileRefused
from cadre.labels import label_for
from cadre.models import Enrollment, Trainee
from cadre.rules.roster_headers import HeaderRow
from cadre.rules.roster_import import CellError, ParsedRow
from cadre.rules.trainee_fields import format_birth
from cadre.services import ServiceError

NEW = "new"  # a person not yet known: created and enrolled
ENROLL = "enroll"  # a known person (same phone), enrolled in this cohort
UPDATE = "update"  # already in this cohort; something changes
SAME = "same"  # already in this cohort; nothing changes
ERROR = "error"
SKIP = "skip"  # an example or note row


class ImportConflict(ServiceError):
    """Someone changed the same trainees while the import was being written (the caller rolls back)."""

    def __init__(self, message: str | None = None):
        super().__init__(
            message or _("其他人刚刚修改了相关学员的数据，本次没有导入任何内容。请重新预览后再确认。")
        )


@dataclass
class ErrorLine:
    row_no: int
    column: str
    message: str

    def __str__(self) -> str:
        return _(
            "第 %(row)s 行 [%(column)s]：%(message)s",
            row=self.row_no,
            column=self.column,
            message=self.message,
        )


@dataclass
class RowPlan:
    parsed: ParsedRow
    outcome: str = ERROR
    trainee: Trainee | None = None
    enrollment: Enrollment | None = None
    person_changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    enrollment_changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    errors: list[CellError] = field(default_factory=list)

    @property
    def row_no(self) -> int:
        return self.parsed.row_no

    @property
    def values(self) -> dict[str, Any]:
        return self.parsed.values

    @property
    def skip_reason(self) -> str:
        return str(SKIP_REASONS.get(self.parsed.skip or "", ""))

    def changes(self) -> list[tuple[str, str, str]]:
        """(column, before, after) for the preview.

        A person not yet in this cohort may be managed by someone else: their current
        values are not shown (the file's phone number is all the uploader needs to know).
        """
        hide_before = self.outcome == ENROLL
        out = []
        for name, (old, new) in {**self.person_changes, **self.enrollment_changes}.items():
            before = "***" if hide_before and old not in (None, "") else display_value(name, old)
            out.append((field_label(name), before, display_value(name, new)))
        return out


@dataclass
class ImportPlan:
    cohort_id: int
    filename: str
    sha256: str
    kind: str | None = None
    sheet_name: str | None = None
    encoding: str | None = None
    header: HeaderRow | None = None
    file_error: FileRefused | None = None
    rows: list[RowPlan] = field(default_factory=list)
    # 班长 of the cohort not in the file, who become 学员 because the file names another 班长.
    demoted: list[Enrollment] = field(default_factory=list)
    stale: bool = False  # the database changed between preview and commit

    @property
    def ok(self) -> bool:
        return self.file_error is None and not any(r.errors for r in self.rows)

    @property
    def file_error_message(self) -> str | None:
        if self.file_error is None:
            return None
        return file_error_message(self.file_error.code, self.file_error.params)

    @property
    def counts(self) -> Counter:
        counts = Counter(r.outcome for r in self.rows)
        counts["rows"] = sum(1 for r in self.rows if r.outcome != SKIP)
        return counts

    def column_label(self, name: str) -> str:
        """The header as written in the file, or the usual name when the file has no such column."""
        if self.header is not None and name in self.header.labels:
            return self.header.labels[name]
        return field_label(name)

    def error_lines(self) -> list[ErrorLine]:
        """Every error, with the sheet row number and the column header."""
        if self.file_error is not None:
            return []
        return [line for row in self.rows for line in self.row_error_lines(row)]

    def row_error_lines(self, row: RowPlan) -> list[ErrorLine]:
        return [
            ErrorLine(row.row_no, self.column_label(e.field), cell_error_message(e.code, e.params))
            for e in row.errors
        ]

    @property
    def fingerprint(self) -> str:
        """What the commit will do, as a hash: the preview's promise, checked again at commit."""
        summary = [
            [
                r.row_no,
                r.outcome,
                r.trainee.id if r.trainee is not None else None,
                sorted((k, str(v[0]), str(v[1])) for k, v in r.person_changes.items()),
                sorted((k, str(v[0]), str(v[1])) for k, v in r.enrollment_changes.items()),
            ]
            for r in self.rows
        ]
        demoted = sorted(e.id for e in self.demoted)
        blob = json.dumps([self.cohort_id, self.sha256, summary, demoted], ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()


@dataclass
class ImportResult:
    created: list[int] = field(default_factory=list)  # trainee ids
    enrolled: list[int] = field(default_factory=list)  # trainee ids of known people newly enrolled
    updated: list[int] = field(default_factory=list)  # trainee ids already in the cohort, changed
    unchanged: int = 0
    demoted: list[int] = field(default_factory=list)  # trainee ids of a former 班长 not in the file

    @property
    def total(self) -> int:
        return len(self.created) + len(self.enrolled) + len(self.updated) + self.unchanged


def display_value(name: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if name == "birth":
        return format_birth(*value)
    if isinstance(value, date):
        return value.isoformat()
    return label_for(value)
