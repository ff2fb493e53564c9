"""The one cleaning rule for free text, wherever it comes from (forms, imported cells, CLI).

Pure: plain strings in, plain strings out, standard library only.

What a person can type or paste into a field is kept; what only breaks things
is taken out:

- control characters (C0, DEL, C1): openpyxl refuses them in a cell (an export
  would fail), PostgreSQL cannot store NUL, a terminal obeys ``\\x1b[31m``.
  Multi-line fields keep tab and newline (CR LF and CR become LF); single-line
  fields turn tab, newline and the Unicode line separators into a space;
- bidi embeddings, overrides, isolates and marks (U+202A–U+202E, U+2066–U+2069,
  U+200E, U+200F, U+061C): a right-to-left override makes "gpj.exe" look like
  "exe.jpg" and reverses a name on every page that shows it;
- zero-width and other invisible characters (U+200B–U+200D, U+2060–U+2064,
  U+FEFF, U+180E) that come along when text is pasted from web pages;
- the noncharacters U+FFFE and U+FFFF, which XML (and so .xlsx) cannot hold.

Then the text is NFC-normalised (one code point for "é" whether typed or pasted)
and trimmed. What is left of a blank or invisible-only value is the empty
string, so that a required field says "required" instead of storing nothing
that looks like something.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["clean_text", "clean_multiline", "clean_value", "is_blank", "INVISIBLE"]

# Characters removed everywhere (tab, LF and CR are handled separately below).
_C0 = "\x00-\x08\x0b\x0c\x0e-\x1f"
_DEL_C1 = "\x7f-\x9f"
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_ZERO_WIDTH = "\u180e\u200b-\u200d\u2060-\u2064\ufeff"
_NONCHARACTERS = "\ufffe\uffff"
INVISIBLE = _C0 + _DEL_C1 + _BIDI + _ZERO_WIDTH + _NONCHARACTERS

_REMOVE = re.compile(f"[{INVISIBLE}]")
# Lone surrogates cannot be encoded as UTF-8 (nor stored, nor written to a file).
_SURROGATES = re.compile("[\ud800-\udfff]")
_NEWLINES = re.compile("\r\n?|[\u2028\u2029\x85]")
_LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029\x85]+")


def _strip_invisible(text: str) -> str:
    return _SURROGATES.sub("", _REMOVE.sub("", text))


def clean_text(value: str | None) -> str | None:
    """A single-line value: line breaks and tabs become one space; invisible characters go; trimmed.

    None stays None; blank or invisible-only text becomes "".
    """
    if value is None:
        return None
    text = _LINE_BREAKS.sub(" ", str(value))
    text = _strip_invisible(text)
    return unicodedata.normalize("NFC", text).strip()


def clean_multiline(value: str | None) -> str | None:
    """A multi-line value (notes, reasons): keeps tab and newline (as LF), else as clean_text."""
    if value is None:
        return None
    text = _NEWLINES.sub("\n", str(value))
    text = _strip_invisible(text)
    text = unicodedata.normalize("NFC", text)
    # Trailing spaces on each line are invisible noise; leading ones may be indentation.
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return text.strip()


def clean_value(value, multiline: bool = False):
    """clean_text / clean_multiline for strings; any other value (number, date, None) unchanged."""
    if not isinstance(value, str):
        return value
    return clean_multiline(value) if multiline else clean_text(value)


def is_blank(value: str | None) -> bool:
    """True when nothing visible is left once the value is cleaned."""
    return not clean_text(value)
