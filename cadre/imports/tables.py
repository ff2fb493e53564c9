"""What reading an uploaded roster gives: a table of rows, or a refusal with a code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
