"""Pure certificate rules: serial patterns, typed serials, tokens, seal PNG headers, names, dates."""

from __future__ import annotations

import struct
import zlib

import pytest

from cadre.rules.certificates import (
    MAX_SEAL_BYTES,
    certificate_status,
    chinese_date,
    format_serial,
    normalize_serial,
    pattern_problem,
    png_problem,
    token_has_shape,
)
from cadre.rules.privacy import mask_name


def png(width: int, height: int, body: bytes = b"") -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + body + chunk(b"IEND", b"")


def test_the_default_pattern_makes_the_issue_example():
    assert format_serial("{code}-{year}-{seq:03}", code="QLJL2025", year=2025, seq=1) == "QLJL2025-2025-001"
    assert pattern_problem("{code}-{year}-{seq:03}") is None
    assert pattern_problem("TMX{year}{seq:04d}") is None


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("{code}-{year}", "no_seq"),
        ("{code}-{seq", "syntax"),
        ("{name}-{seq}", "unknown_field"),
        ("{seq!r}", "unknown_field"),
        ("{seq:>8}", "bad_spec"),
        ("{year:04}-{seq}", "bad_spec"),
        ("{code}{code}{code}-{seq:03}", "too_long"),
        ("{0}{seq}", "unknown_field"),
    ],
)
def test_unusable_patterns_are_named(pattern, problem):
    assert pattern_problem(pattern) == problem


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (" qljl2025-2025-001 ", "QLJL2025-2025-001"),
        ("QLJL2025－2025－001", "QLJL2025-2025-001"),
        ("QLJL2025 -2025-001", "QLJL2025-2025-001"),
        ("", None),
        ("<script>", None),
        ("x" * 41, None),
        ("证书", None),
    ],
)
def test_typed_serials_are_folded_or_refused(typed, stored):
    assert normalize_serial(typed) == stored


@pytest.mark.parametrize(
    ("token", "ok"),
    [
        ("A" * 32, True),
        ("abc-DEF_123456", True),
        ("short", False),
        ("a" * 65, False),
        ("../../etc", False),
        ("%00abcdefgh", False),
        ("", False),
    ],
)
def test_token_shape(token, ok):
    assert token_has_shape(token) is ok


def test_names_are_masked_as_the_issue_shows():
    assert mask_name("张晓明") == "张*明"
    assert mask_name("李娜") == "李*"
    assert mask_name("欧阳建国") == "欧**国"
    assert mask_name("王") == "*"
    assert mask_name("") == ""


def test_official_dates_in_chinese_numerals():
    assert chinese_date(2025, 6, 27) == "二〇二五年六月二十七日"
    assert chinese_date(2025, 10, 1) == "二〇二五年十月一日"
    assert chinese_date(2026, 12, 10) == "二〇二六年十二月十日"


def test_status_of_a_replaced_certificate_is_replaced_not_revoked():
    assert certificate_status(False, False) == "valid"
    assert certificate_status(True, False) == "revoked"
    assert certificate_status(True, True) == "replaced"


def test_a_png_header_is_read_without_decoding():
    assert png_problem(png(400, 300)) == (None, png_problem(png(400, 300))[1])
    assert png_problem(png(400, 300))[1].width == 400


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "empty"),
        (b"GIF89a" + b"\0" * 40, "not_png"),
        (b"\x89PNG\r\n\x1a\n", "not_png"),
        (png(0, 10), "not_png"),
        (png(100_000, 100_000), "too_many_pixels"),
        (png(4001, 10), "too_many_pixels"),
        (png(10, 10) + b"\0" * MAX_SEAL_BYTES, "too_large"),
    ],
)
def test_bad_seal_files_are_named_before_decoding(data, problem):
    assert png_problem(data)[0] == problem
