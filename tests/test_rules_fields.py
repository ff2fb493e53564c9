"""The field rules for trainee data, as offices type it (no app, no database)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from cadre.models import ClassRole, Gender
from cadre.rules.privacy import mask_phone
from cadre.rules.trainee_fields import (
    FieldError,
    clean_text,
    format_birth,
    normalize_phone,
    parse_birth,
    parse_class_role,
    parse_gender,
)

TODAY = date(2025, 6, 1)


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "１３８１２３４５６７８",  # full-width digits from a Chinese input method
        "138 1234 5678",
        "138-1234-5678",
        "138　1234　5678",  # full-width spaces
        " 13812345678 ",
        "\u200b13812345678\u200b",  # zero-width spaces pasted from a web page
        "+86 138 1234 5678",
        "+8613812345678",
        "＋８６１３８１２３４５６７８",
        "8613812345678",
        "(+86) 13812345678",
        13812345678,
        13812345678.0,  # Excel keeps a phone typed as a number as a float
    ],
)
def test_phone_is_normalized_to_eleven_digits(raw):
    assert normalize_phone(raw) == "13812345678"


@pytest.mark.parametrize("raw", [None, "", "   ", "　"])
def test_empty_phone_is_none(raw):
    assert normalize_phone(raw) is None


@pytest.mark.parametrize(
    "raw",
    [
        "12345",
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "10012345678",  # no mobile network starts with 10
        "23812345678",
        "021-62345678",  # a landline
        "138abcd5678",
        "13812345678x",
        1.5,
        13812345678.5,
        "+1 138 1234 5678",
    ],
)
def test_invalid_phone_is_refused_with_its_value(raw):
    with pytest.raises(FieldError) as err:
        normalize_phone(raw)
    assert err.value.code == "phone_invalid"
    assert err.value.params["value"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1990.05", (1990, 5)),
        ("1990.5", (1990, 5)),
        ("1990-05", (1990, 5)),
        ("1990/5", (1990, 5)),
        ("1990年5月", (1990, 5)),
        ("1990年05月", (1990, 5)),
        ("1990 年 5 月", (1990, 5)),
        ("1990年5月12日", (1990, 5)),
        ("1990-05-12", (1990, 5)),
        ("1990/5/12", (1990, 5)),
        ("1990.05.12", (1990, 5)),
        ("199005", (1990, 5)),
        ("19900512", (1990, 5)),
        ("１９９０．０５", (1990, 5)),  # full-width
        (" 1990.05 ", (1990, 5)),
        (1990.05, (1990, 5)),  # a number cell
        (1990.1, (1990, 10)),  # Excel drops the trailing zero of 1990.10: October, not January
        (1990.12, (1990, 12)),
        (199005, (1990, 5)),
        (date(1990, 5, 12), (1990, 5)),  # a real date cell
        (datetime(1990, 5, 12, 0, 0), (1990, 5)),
        ("2025.06", (2025, 6)),  # this month is not in the future
    ],
)
def test_birth_formats_give_year_and_month(raw, expected):
    assert parse_birth(raw, TODAY) == expected


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_empty_birth_is_unknown(raw):
    assert parse_birth(raw, TODAY) == (None, None)


@pytest.mark.parametrize(
    "raw", ["1990.13", "1990.00", "1990-0", "abc", "90.05", "1899.12", "1990年13月", "05/1990", "1990..05"]
)
def test_unreadable_birth_is_refused(raw):
    with pytest.raises(FieldError) as err:
        parse_birth(raw, TODAY)
    assert err.value.code == "birth_invalid"


@pytest.mark.parametrize("raw", ["2025.07", "2030-01", "2026年1月", date(2025, 7, 1), 2025.07])
def test_birth_in_the_future_is_refused(raw):
    with pytest.raises(FieldError) as err:
        parse_birth(raw, TODAY)
    assert err.value.code == "birth_future"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("男", Gender.MALE),
        (" 男 ", Gender.MALE),
        ("男性", Gender.MALE),
        ("M", Gender.MALE),
        ("male", Gender.MALE),
        ("女", Gender.FEMALE),
        ("女性", Gender.FEMALE),
        ("f", Gender.FEMALE),
        ("Female", Gender.FEMALE),
        (None, None),
        ("", None),
    ],
)
def test_genders(raw, expected):
    assert parse_gender(raw) == expected


@pytest.mark.parametrize("raw", ["未知", "x", "1"])
def test_unknown_gender_is_refused(raw):
    with pytest.raises(FieldError) as err:
        parse_gender(raw)
    assert err.value.code == "gender_invalid"
    assert err.value.params["value"] == raw


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("班长", ClassRole.MONITOR),
        ("组长", ClassRole.GROUP_LEADER),
        ("小组长", ClassRole.GROUP_LEADER),
        (" 组长 ", ClassRole.GROUP_LEADER),
        ("Group Leader", ClassRole.GROUP_LEADER),
        ("学员", ClassRole.MEMBER),
        ("组员", ClassRole.MEMBER),
        (None, ClassRole.MEMBER),
        ("", ClassRole.MEMBER),
    ],
)
def test_class_roles(raw, expected):
    assert parse_class_role(raw) == expected


def test_unknown_class_role_is_refused():
    with pytest.raises(FieldError) as err:
        parse_class_role("校长")
    assert err.value.code == "class_role_invalid"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  天目西路  街道 ", "天目西路 街道"),
        ("\u3000居委\u00a0会\u3000", "居委 会"),
        (None, None),
        ("   ", None),
        (42.0, "42"),
        ("ＡＢＣ１２３", "ABC123"),
    ],
)
def test_clean_text_trims_and_collapses_spaces(raw, expected):
    assert clean_text(raw) == expected


def test_clean_text_refuses_overlong_values():
    with pytest.raises(FieldError) as err:
        clean_text("长" * 11, max_length=10)
    assert err.value.code == "too_long"
    assert err.value.params == {"max": 10}


@pytest.mark.parametrize(
    ("year", "month", "expected"), [(1990, 5, "1990.05"), (1990, None, "1990"), (None, None, "")]
)
def test_format_birth_as_offices_write_it(year, month, expected):
    assert format_birth(year, month) == expected


def test_formatted_birth_parses_back():
    assert parse_birth(format_birth(1985, 11), TODAY) == (1985, 11)


@pytest.mark.parametrize("raw", ["1979", "1979年", 1979, 1979.0, " １９７９ "])
def test_a_bare_birth_year_is_kept_without_a_month(raw):
    assert parse_birth(raw, TODAY) == (1979, None)
    assert parse_birth(format_birth(1979, None), TODAY) == (1979, None)


@pytest.mark.parametrize("raw", ["2026", 2030])
def test_a_bare_birth_year_after_this_year_is_refused(raw):
    with pytest.raises(FieldError) as err:
        parse_birth(raw, TODAY)
    assert err.value.code == "birth_future"


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("13812345678", "138****5678"),
        (None, ""),
        ("", ""),
        ("12345", "***45"),
        ("62345678", "****5678"),  # a short number keeps no more than half its digits
    ],
)
def test_mask_phone(phone, expected):
    assert mask_phone(phone) == expected


def test_masked_phone_hides_the_middle_digits():
    masked = mask_phone("13987654321")
    assert "8765" not in masked
    assert masked.startswith("139") and masked.endswith("4321")
