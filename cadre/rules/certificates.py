"""Certificate rules over plain values: serial patterns, verification tokens, seal PNG headers, status.

No Flask, no database: the certificates area (cadre/certificates) calls these.
"""

from __future__ import annotations

import re
import string
import struct
import unicodedata
from dataclasses import dataclass

VALID, REVOKED, REPLACED = "valid", "revoked", "replaced"

SERIAL_FIELDS = frozenset({"code", "year", "seq"})
MAX_SERIAL_LENGTH = 40

# secrets.token_urlsafe() text; anything else is answered "not found" without a query.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{8,64}")
# What a person may type as a serial: letters, digits, dashes, slashes, dots, underscores.
_SERIAL_SHAPE = re.compile(r"[A-Za-z0-9_./-]{1,40}")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_SEAL_BYTES = 2 * 1024 * 1024
MAX_SEAL_SIDE = 4000

SEAL_POSITIONS = ("issuer", "center", "left")
SEAL_SIZE_MM = (20, 60)


def certificate_status(revoked: bool, replaced: bool) -> str:
    """有效 / 已撤销 / 已更换, as valid / revoked / replaced."""
    if replaced:
        return REPLACED
    return REVOKED if revoked else VALID


def pattern_problem(pattern: str, code: str = "X" * 20) -> str | None:
    """Why a serial pattern cannot be used (a code for the caller to word), or None.

    ``code`` is the cohort's code the serials will carry. Codes: empty, syntax, unknown_field
    (a field other than code/year/seq), no_seq, bad_spec (a format spec that does not format a
    number), too_long, bad_chars (a serial that could not be typed back on the verification page).
    """
    if not pattern or not pattern.strip():
        return "empty"
    try:
        parts = list(string.Formatter().parse(pattern))
    except ValueError:
        return "syntax"
    fields = [(name, spec, conv) for _, name, spec, conv in parts if name is not None]
    for name, spec, conv in fields:
        if name not in SERIAL_FIELDS or conv:
            return "unknown_field"
        if spec and (name != "seq" or not re.fullmatch(r"0?\d{1,2}d?", spec)):
            return "bad_spec"
    if "seq" not in {name for name, _, _ in fields}:
        return "no_seq"
    try:
        sample = format_serial(pattern, code=code, year=2025, seq=999)
    except (ValueError, KeyError, IndexError):
        return "syntax"
    return serial_problem(sample)


def serial_problem(serial: str) -> str | None:
    """too_long or bad_chars when a serial could not be stored or typed back as it is; else None."""
    if len(serial) > MAX_SERIAL_LENGTH:
        return "too_long"
    if normalize_serial(serial) != serial:
        return "bad_chars"
    return None


def format_serial(pattern: str, *, code: str, year: int, seq: int) -> str:
    """The serial of the seq-th certificate: "{code}-{year}-{seq:03}" → QLJL2025-2025-001."""
    return pattern.format(code=code, year=year, seq=seq)


def token_has_shape(token: str) -> bool:
    return bool(_TOKEN_SHAPE.fullmatch(token or ""))


def normalize_serial(typed: str) -> str | None:
    """A typed serial as stored (trimmed, upper case, dashes folded); None when it cannot be one."""
    text = unicodedata.normalize("NFKC", typed or "").strip().upper()
    text = text.replace("－", "-").replace("—", "-").replace("–", "-").replace(" ", "")
    return text if _SERIAL_SHAPE.fullmatch(text) else None


@dataclass(frozen=True)
class PngHeader:
    width: int
    height: int


def png_problem(data: bytes) -> tuple[str | None, PngHeader | None]:
    """(problem code, header) of an uploaded seal, read from the bytes before anything decodes them.

    Codes: empty, too_large (> 2 MB), not_png (signature or IHDR missing),
    too_many_pixels (a side above MAX_SEAL_SIDE: a PNG bomb decompresses to gigabytes),
    animated (an APNG: a seal is one still image).
    """
    if not data:
        return "empty", None
    if len(data) > MAX_SEAL_BYTES:
        return "too_large", None
    # Signature, then the first chunk must be IHDR (length 13): width, height as big-endian uint32.
    if len(data) < 33 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return "not_png", None
    (length,) = struct.unpack(">I", data[8:12])
    if length != 13:
        return "not_png", None
    width, height = struct.unpack(">II", data[16:24])
    if width == 0 or height == 0:
        return "not_png", None
    header = PngHeader(width, height)
    if width > MAX_SEAL_SIDE or height > MAX_SEAL_SIDE:
        return "too_many_pixels", header
    if b"acTL" in _chunk_types(data):
        return "animated", header
    return None, header


def _chunk_types(data: bytes) -> set[bytes]:
    """The chunk types of a PNG, read from the chunk lengths (no decoding)."""
    types, pos = set(), 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        types.add(data[pos + 4 : pos + 8])
        pos += 12 + length
    return types


_DIGITS = "〇一二三四五六七八九"


def _chinese_number(n: int) -> str:
    """1–31 as in official dates: 一, 十, 十一, 二十, 二十七, 三十一."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def chinese_date(year: int, month: int, day: int) -> str:
    """The date as official documents print it: 二〇二五年六月二十七日."""
    return (
        "".join(_DIGITS[int(d)] for d in str(year))
        + "年"
        + _chinese_number(month)
        + "月"
        + _chinese_number(day)
        + "日"
    )
