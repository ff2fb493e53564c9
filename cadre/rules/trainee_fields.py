"""Cleaning and checking the fields of a trainee as offices type them.

Pure functions: plain values in, plain values out. A refusal raises
FieldError with a code and parameters; the UI layer turns codes into
translated messages (cadre/trainees/field_messages.py).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from cadre.enums import ClassRole, Gender

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
# Zero-width spaces and joiners and the BOM come along when text is pasted from web pages.
_INVISIBLE_RE = re.compile("[\u200b-\u200d\u2060\ufeff]")


def _normalize(raw) -> str:
    """NFKC (full-width digits and letters to ASCII), without invisible characters."""
    return _INVISIBLE_RE.sub("", unicodedata.normalize("NFKC", str(raw)))


class FieldError(ValueError):
    """A field value that cannot be accepted. `code` names the rule, `params` fill the message."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def clean_text(raw, max_length: int | None = None) -> str | None:
    """Trim (also full-width and non-breaking spaces), collapse inner runs; None when empty."""
    if raw is None:
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = _normalize(raw)
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return None
    if max_length is not None and len(text) > max_length:
        raise FieldError("too_long", max=max_length)
    return text


def normalize_phone(raw) -> str | None:
    """A mainland mobile number as 11 digits; None when empty.

    Accepts full-width digits, spaces and dashes inside, a +86/86 prefix and
    numbers stored by Excel as numbers (13812345678.0).
    """
    if raw is None:
        return None
    if isinstance(raw, float):
        if not raw.is_integer():
            raise FieldError("phone_invalid", value=str(raw))
        raw = int(raw)
    text = _normalize(raw).strip()
    if not text:
        return None
    digits = re.sub(r"[\s\-()（）]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if not PHONE_RE.match(digits):
        raise FieldError("phone_invalid", value=text)
    return digits


_BIRTH_PATTERNS = (
    re.compile(r"^(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*(?:[.\-/月]\s*(?:\d{1,2}\s*日?)?)?$"),
    re.compile(r"^(\d{4})(\d{2})(?:\d{2})?$"),
)


_YEAR_ONLY = re.compile(r"^(\d{4})\s*年?$")


def parse_birth(raw, today: date) -> tuple[int | None, int | None]:
    """(year, month) from 1990.05, 1990-05, 1990/5, 1990年5月, 199005, 1990-05-12 or a date cell;
    (year, None) from a bare year such as 1979, which is how format_birth writes it."""
    if raw is None:
        return None, None
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, date):
        year, month = raw.year, raw.month
    else:
        if isinstance(raw, float):
            # Excel may store 1990.05 as the number 1990.05 (or 1990.1 for October).
            text = f"{raw:.2f}"
        else:
            text = _normalize(str(raw)).strip()
        if not text:
            return None, None
        if match := _YEAR_ONLY.match(text):
            year, month = int(match.group(1)), None
        else:
            for pattern in _BIRTH_PATTERNS:
                match = pattern.match(text)
                if match:
                    year, month = int(match.group(1)), int(match.group(2))
                    break
            else:
                raise FieldError("birth_invalid", value=text)
    if month is not None and not 1 <= month <= 12:
        raise FieldError("birth_invalid", value=str(raw))
    if year < 1900:
        raise FieldError("birth_invalid", value=str(raw))
    if (year, month or 1) > (today.year, today.month):
        raise FieldError("birth_future", value=format_birth(year, month))
    return year, month


_GENDERS = {
    "男": Gender.MALE,
    "男性": Gender.MALE,
    "m": Gender.MALE,
    "male": Gender.MALE,
    "女": Gender.FEMALE,
    "女性": Gender.FEMALE,
    "f": Gender.FEMALE,
    "female": Gender.FEMALE,
}


def parse_gender(raw) -> Gender | None:
    text = clean_text(raw)
    if text is None:
        return None
    gender = _GENDERS.get(text.lower())
    if gender is None:
        raise FieldError("gender_invalid", value=text)
    return gender


_CLASS_ROLES = {
    "班长": ClassRole.MONITOR,
    "monitor": ClassRole.MONITOR,
    "组长": ClassRole.GROUP_LEADER,
    "小组长": ClassRole.GROUP_LEADER,
    "group leader": ClassRole.GROUP_LEADER,
    "group_leader": ClassRole.GROUP_LEADER,
    "学员": ClassRole.MEMBER,
    "组员": ClassRole.MEMBER,
    "member": ClassRole.MEMBER,
}


def parse_class_role(raw) -> ClassRole:
    text = clean_text(raw)
    if text is None:
        return ClassRole.MEMBER
    role = _CLASS_ROLES.get(text.lower())
    if role is None:
        raise FieldError("class_role_invalid", value=text)
    return role


def format_birth(year: int | None, month: int | None) -> str:
    """1990.05, as offices write it."""
    if year is None:
        return ""
    return f"{year}.{month:02d}" if month else str(year)
