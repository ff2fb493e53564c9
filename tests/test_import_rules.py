"""Pure rules of the roster import: headers, rows, duplicates, changes (no app needed)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from cadre.models import ClassRole, EnrollmentStatus, Gender
from cadre.rules import roster_import as rules

TODAY = date(2025, 5, 1)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("姓名", "name"),
        ("姓  名", "name"),
        ("姓　名", "name"),
        ("*姓名", "name"),
        ("姓名＊", "name"),
        ("联系电话（必填）", "phone"),
        ("手机号码", "phone"),
        ("手机号", "phone"),
        ("电话", "phone"),
        ("出生\n年月", "birth"),
        ("出生日期", "birth"),
        ("出生年月日", "birth"),
        ("所在居民区", "community"),
        ("所在单位", "community"),
        ("居民区（单位）", "community"),
        ("所在居民区/单位", "community"),
        ("职务", "position"),
        ("现任职务", "position"),
        ("文化程度", "education"),
        ("组别", "group"),
        ("小组", "group"),
        ("分组", "group"),
        ("班委", "class_role"),
        ("担任职务", "class_role"),
        ("班级职务", "class_role"),
        ("序号", "seq"),
        ("备注：", "notes"),
        ("Phone", "phone"),
    ],
)
def test_headers_are_recognised_with_their_synonyms(header, field):
    assert rules.field_for_header(header) == field


@pytest.mark.parametrize("header", ["身份证号", "青蓝接力培训班学员名单", "", None, "（备用）"])
def test_other_texts_are_not_headers(header):
    assert rules.field_for_header(header) is None


def test_header_row_is_found_below_a_title_and_blank_rows():
    rows = [
        (1, ("青蓝接力培训班学员名单",)),
        (3, ("填报单位：天目西路街道",)),
        (4, ("序号", "姓名", "身份证号", "手机", "电话", "小组")),
        (5, (1, "王芳", "", "13800138000", "", "第一组")),
    ]
    header = rules.find_header_row(rows)
    assert header.row_no == 4
    assert header.columns == {0: "seq", 1: "name", 3: "phone", 5: "group"}
    assert header.labels["phone"] == "手机"
    assert header.ignored == ("身份证号",)
    assert header.repeated == ("电话",)


def test_a_row_with_the_name_column_wins_over_a_row_with_more_known_words():
    rows = [
        (1, ("性别", "学历", "组别", "备注")),  # e.g. a legend above the table
        (2, ("姓名", "手机")),
    ]
    assert rules.find_header_row(rows).row_no == 2


def test_no_known_header_in_the_first_rows_finds_nothing():
    assert rules.find_header_row([(1, ("a", "b")), (2, ("c", "d"))]) is None


def _header(*names):
    return rules.read_header(1, names)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1990.05", (1990, 5)),
        ("1990-05", (1990, 5)),
        ("1990年5月", (1990, 5)),
        ("1990/5/12", (1990, 5)),
        (datetime(1990, 5, 12), (1990, 5)),
        (1990.05, (1990, 5)),
        (1990.1, (1990, 10)),
        ("１９９０．０５", (1990, 5)),
        ("1979", (1979, None)),
        ("1979年", (1979, None)),
        (1979, (1979, None)),
        ("", None),
    ],
)
def test_birth_cells_in_office_forms(raw, expected):
    row = rules.parse_row(2, ("张三", raw), _header("姓名", "出生年月"), TODAY)
    assert row.errors == []
    assert row.values["birth"] == expected


@pytest.mark.parametrize(
    "raw",
    [
        13812345678,
        13812345678.0,
        "138 1234 5678",
        "１３８１２３４５６７８",
        "13812345678 ",
        "138-1234-5678",
        "+86 138 1234 5678",
    ],
)
def test_phone_cells_in_office_forms(raw):
    row = rules.parse_row(2, ("张三", raw), _header("姓名", "手机"), TODAY)
    assert row.errors == []
    assert row.phone == "13812345678"


def test_names_lose_padding_and_trailing_spaces():
    header = _header("姓名")
    assert rules.parse_row(2, ("王　芳 ",), header, TODAY).name == "王芳"
    assert rules.parse_row(2, ("王  芳",), header, TODAY).name == "王芳"
    assert rules.parse_row(2, ("阿依古丽·买买提",), header, TODAY).name == "阿依古丽·买买提"
    assert rules.parse_row(2, ("Anna Li",), header, TODAY).name == "Anna Li"


@pytest.mark.parametrize(
    ("cells", "field", "code"),
    [
        (("张三", "1381234567", "男", "1990.05"), "phone", "phone_invalid"),
        (("张三", "12812345678", "男", "1990.05"), "phone", "phone_invalid"),
        (("张三", "13812345678", "男", "2030.01"), "birth", "birth_future"),
        (("张三", "13812345678", "男", "2030"), "birth", "birth_future"),
        (("张三", "13812345678", "男", "1800"), "birth", "birth_invalid"),
        (("张三", "13812345678", "男", "九零年"), "birth", "birth_invalid"),
        (("张三", "13812345678", "未知", "1990.05"), "gender", "gender_invalid"),
        (("", "13812345678", "男", "1990.05"), "name", "name_required"),
    ],
)
def test_bad_cells_are_errors_of_their_column(cells, field, code):
    row = rules.parse_row(7, cells, _header("姓名", "手机", "性别", "出生年月"), TODAY)
    assert [(e.field, e.code) for e in row.errors] == [(field, code)]
    assert row.row_no == 7


def test_role_and_status_columns():
    header = _header("姓名", "班级职务", "状态", "退出日期")
    row = rules.parse_row(2, ("张三", "组长", "已退出", "2025年5月20日"), header, TODAY)
    assert row.values["class_role"] == ClassRole.GROUP_LEADER
    assert row.values["status"] == EnrollmentStatus.WITHDRAWN
    assert row.values["withdrawn_on"] == date(2025, 5, 20)
    blank = rules.parse_row(3, ("李四", "", "", ""), header, TODAY)
    assert blank.values["class_role"] == ClassRole.MEMBER
    assert blank.values["status"] == EnrollmentStatus.ACTIVE
    bad = rules.parse_row(4, ("王五", "副班长", "休学", "5月"), header, TODAY)
    assert {e.code for e in bad.errors} == {"class_role_invalid", "status_invalid", "date_invalid"}


def test_blank_rows_example_rows_and_footer_notes_are_not_trainees():
    header = _header("序号", "姓名", "手机")
    assert rules.parse_row(5, (30, "", None), header, TODAY) is None
    assert rules.parse_row(5, ("示例", "张三", "13800138000"), header, TODAY).skip == "example"
    assert rules.parse_row(6, ("", "合计：29人", ""), header, TODAY).skip == "note"
    assert rules.parse_row(7, ("", "填表人：李老师", ""), header, TODAY).skip == "note"


def test_text_longer_than_the_column_is_an_error():
    row = rules.parse_row(2, ("张三", "组" * 40), _header("姓名", "组别"), TODAY)
    assert [(e.field, e.code) for e in row.errors] == [("group", "too_long")]


def _rows(*cells, header=("姓名", "手机")):
    h = _header(*header)
    return rules.parse_rows([(1, header)] + [(i + 2, c) for i, c in enumerate(cells)], h, TODAY)


def test_two_rows_with_one_phone_are_both_errors_naming_each_other():
    rows = _rows(("王芳", "13800138000"), ("李娜", "13900139000"), ("王 芳", "138 0013 8000"))
    first, second, third = rows
    assert second.errors == []
    assert [(e.field, e.code, e.params["rows"]) for e in first.errors] == [
        ("phone", "duplicate_in_file", [4])
    ]
    assert [(e.field, e.code, e.params["rows"]) for e in third.errors] == [
        ("phone", "duplicate_in_file", [2])
    ]


def test_two_rows_with_one_name_and_no_phone_are_both_errors():
    rows = _rows(("王芳", ""), ("王芳", ""), ("王芳", "13800138000"))
    assert [e.code for e in rows[0].errors] == ["duplicate_in_file"]
    assert [e.field for e in rows[1].errors] == ["name"]
    assert rows[2].errors == []


def test_namesakes_with_different_phones_are_different_people():
    rows = _rows(("张伟", "13800138000"), ("张伟", "13900139000"))
    assert all(r.errors == [] for r in rows)


def test_personal_changes_fill_and_correct_but_never_erase():
    current = {
        "gender": Gender.MALE,
        "birth": (1990, 5),
        "community": "新梅居民区",
        "position": None,
        "notes": "x",
    }
    incoming = {
        "gender": Gender.MALE,
        "birth": (1990, 6),
        "community": None,
        "position": "社工",
        "notes": " x ",
    }
    assert rules.personal_changes(current, incoming) == {
        "birth": ((1990, 5), (1990, 6)),
        "position": (None, "社工"),
    }


def test_a_bare_year_does_not_overwrite_a_known_month():
    assert rules.personal_changes({"birth": (1990, 5)}, {"birth": (1990, None)}) == {}
    assert rules.personal_changes({"birth": (1990, 5)}, {"birth": (1991, None)}) == {
        "birth": ((1990, 5), (1991, None))
    }


def test_enrollment_changes_follow_the_file_only_for_its_columns():
    current = {"group": "第一组", "class_role": ClassRole.GROUP_LEADER, "status": EnrollmentStatus.ACTIVE}
    assert rules.enrollment_changes(current, {"group": None}) == {"group": ("第一组", None)}
    assert rules.enrollment_changes(current, {"class_role": ClassRole.GROUP_LEADER}) == {}
    assert rules.enrollment_changes(current, {}) == {}
    withdrawn = rules.enrollment_changes(
        current,
        {
            "status": EnrollmentStatus.WITHDRAWN,
            "withdrawn_on": date(2025, 5, 20),
            "withdrawal_reason": "工作调动",
        },
    )
    assert set(withdrawn) == {"status", "withdrawn_on", "withdrawal_reason"}


@pytest.mark.parametrize("text", ["=1+1", "+8613800138000", "-5", "@SUM(A1)", '=HYPERLINK("http://x")'])
def test_formulas_are_neutralised_and_come_back_unchanged(text):
    neutral = rules.neutralize_formula(text)
    assert neutral[0] not in "=+-@"
    assert rules.strip_neutralizer(neutral) == text


@pytest.mark.parametrize("text", ["王芳", "'quoted'", "1990.05", ""])
def test_ordinary_text_is_left_alone(text):
    assert rules.neutralize_formula(text) == text
    assert rules.strip_neutralizer(text) == text


def test_a_file_naming_two_monitors_is_an_error_on_both_rows():
    rows = _rows(
        ("王芳", "13800138000", "班长"),
        ("李娜", "13900139000", "组长"),
        ("张伟", "13700137000", "班长"),
        header=("姓名", "手机", "班委"),
    )
    assert [(e.field, e.code, e.params["rows"]) for e in rows[0].errors] == [
        ("class_role", "two_monitors", [4])
    ]
    assert rows[1].errors == []
    assert [e.params["rows"] for e in rows[2].errors] == [[2]]
