"""Writing workbooks: the cohort roster export and the blank import template.

Headers are the Chinese column names the import recognises, whatever the
interface language: the roster is an office document and must re-import
unchanged. Every text cell is stored as text, and text that Excel would take
for a formula (= + - @) is prefixed with an apostrophe; the import removes it.
Text goes through the one cleaning rule on the way out as well: a value stored
before the rule existed (a control character openpyxl refuses, a bidi override)
must not make the export fail.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from cadre.models import ClassRole, Enrollment, EnrollmentStatus, Gender
from cadre.rules.roster_headers import FIELDS
from cadre.rules.roster_import import neutralize_formula
from cadre.rules.text import clean_multiline, clean_text
from cadre.rules.trainee_fields import format_birth

# (field, header, width)
ROSTER_COLUMNS = (
    ("seq", "序号", 6),
    ("name", "姓名", 10),
    ("gender", "性别", 6),
    ("birth", "出生年月", 10),
    ("phone", "联系电话", 14),
    ("community", "所在居民区(单位)", 22),
    ("position", "现任职务", 18),
    ("political_status", "政治面貌", 12),
    ("education", "学历", 8),
    ("group", "小组", 8),
    ("class_role", "班内职务", 10),
    ("status", "状态", 8),
    ("withdrawn_on", "退出日期", 12),
    ("withdrawal_reason", "退出原因", 18),
    ("notes", "备注", 24),
)
# The template leaves out the withdrawal columns: a new roster has no withdrawals.
TEMPLATE_FIELDS = tuple(f for f in FIELDS if f not in ("status", "withdrawn_on", "withdrawal_reason"))
REQUIRED = {"name", "phone"}

# Values as offices write them; the import reads these back.
GENDER_TEXT = {Gender.MALE: "男", Gender.FEMALE: "女"}
ROLE_TEXT = {ClassRole.MONITOR: "班长", ClassRole.GROUP_LEADER: "组长", ClassRole.MEMBER: "学员"}
STATUS_TEXT = {EnrollmentStatus.ACTIVE: "在训", EnrollmentStatus.WITHDRAWN: "退训"}

TITLE_FONT = Font(bold=True, size=14)
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
EXAMPLE_FONT = Font(italic=True, color="808080")
TEXT = "@"


def _text_cell(ws: Worksheet, row: int, column: int, value: str | None):
    """A cell that holds text, never a formula, and nothing openpyxl would refuse."""
    cell = ws.cell(row=row, column=column)
    text = clean_multiline(str(value)) if value is not None else ""
    if not text:
        return cell
    cell.value = neutralize_formula(text)
    cell.data_type = "s"
    cell.number_format = TEXT
    return cell


def _sheet_layout(ws: Worksheet, title: str, columns: Sequence[tuple[str, str, int]]) -> None:
    ws.cell(row=1, column=1, value=neutralize_formula(clean_text(title))).font = TITLE_FONT
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    ws.row_dimensions[1].height = 24
    for index, (_field, header, width) in enumerate(columns, start=1):
        cell = ws.cell(row=2, column=index, value=header)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "C3"


def _save(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _enrollment_cells(seq: int, enrollment: Enrollment) -> dict[str, object]:
    trainee = enrollment.trainee
    withdrawn = enrollment.status == EnrollmentStatus.WITHDRAWN
    return {
        "seq": seq,
        "name": trainee.name,
        "gender": GENDER_TEXT.get(trainee.gender),
        "birth": format_birth(trainee.birth_year, trainee.birth_month),
        "phone": trainee.phone,
        "community": trainee.community,
        "position": trainee.position,
        "political_status": trainee.political_status,
        "education": trainee.education,
        "group": enrollment.group,
        "class_role": ROLE_TEXT.get(enrollment.class_role),
        "status": STATUS_TEXT.get(enrollment.status),
        "withdrawn_on": enrollment.withdrawn_on.isoformat()
        if withdrawn and enrollment.withdrawn_on
        else None,
        "withdrawal_reason": enrollment.withdrawal_reason if withdrawn else None,
        "notes": trainee.notes,
    }


def roster_workbook(title: str, enrollments: Sequence[Enrollment]) -> bytes:
    """The roster as .xlsx: a title row, the header row, one row per enrollment."""
    wb = Workbook()
    ws = wb.active
    ws.title = "学员名单"
    _sheet_layout(ws, title, ROSTER_COLUMNS)
    for offset, enrollment in enumerate(enrollments):
        row = 3 + offset
        cells = _enrollment_cells(offset + 1, enrollment)
        for index, (name, _header, _width) in enumerate(ROSTER_COLUMNS, start=1):
            value = cells[name]
            if name == "seq":
                ws.cell(row=row, column=index, value=value)
            else:
                _text_cell(ws, row, index, value)
    last = get_column_letter(len(ROSTER_COLUMNS))
    ws.auto_filter.ref = f"A2:{last}{max(2 + len(enrollments), 3)}"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    return _save(wb)


TEMPLATE_ROWS = 500

EXAMPLE = {
    "seq": "示例",
    "name": "张三",
    "gender": "男",
    "birth": "1990.05",
    "phone": "13800138000",
    "community": "某某居民区",
    "position": "居委会委员",
    "political_status": "中共党员",
    "education": "本科",
    "group": "第一组",
    "class_role": "学员",
    "notes": "序号为“示例”的行不会导入，可删除",
}

INSTRUCTIONS = (
    "填写说明",
    "1. 第 2 行是表头，请勿修改列名；列的顺序可以调整，不需要的列可以删除（“姓名”“联系电话”必须保留）。",
    "2. 带 * 的列必须填写。联系电话为 11 位大陆手机号码，也是学员登录系统的账号。",
    "3. 出生年月写成 1990.05、1990-05 或 1990年5月均可。",
    "4. 性别填“男”或“女”；班内职务填“班长”“组长”或“学员”（不填即为学员）。",
    "5. 同一个人只能出现一次。系统中已有的学员按手机号码匹配，不会重复建档。",
    "6. 序号为“示例”的行不会导入。",
    "7. 也可以另存为 CSV（UTF-8 或 GBK 编码均可）后导入。",
)


def template_workbook() -> bytes:
    """A blank roster to fill in: title row, starred required headers, one example row."""
    by_field = {c[0]: c for c in ROSTER_COLUMNS}
    columns = [
        (name, by_field[name][1] + ("*" if name in REQUIRED else ""), by_field[name][2])
        for name in TEMPLATE_FIELDS
    ]
    wb = Workbook()
    ws = wb.active
    ws.title = "学员名单"
    _sheet_layout(ws, "培训班学员名单", columns)
    position = {name: index for index, (name, _h, _w) in enumerate(columns, start=1)}
    for name, value in EXAMPLE.items():
        cell = _text_cell(ws, 3, position[name], value)
        cell.font = EXAMPLE_FONT
    # Typed phone numbers stay text (no 1.38E+10, no lost leading digits).
    for name in ("phone", "birth", "group"):
        letter = get_column_letter(position[name])
        for row in range(4, TEMPLATE_ROWS + 3):
            ws[f"{letter}{row}"].number_format = TEXT
    for name, options in (("gender", "男,女"), ("class_role", "班长,组长,学员")):
        letter = get_column_letter(position[name])
        validation = DataValidation(type="list", formula1=f'"{options}"', allow_blank=True)
        validation.error = "请从下拉列表中选择"
        validation.add(f"{letter}3:{letter}{TEMPLATE_ROWS + 2}")
        ws.add_data_validation(validation)

    notes = wb.create_sheet("填写说明")
    notes.column_dimensions["A"].width = 100
    for index, line in enumerate(INSTRUCTIONS, start=1):
        cell = notes.cell(row=index, column=1, value=line)
        if index == 1:
            cell.font = TITLE_FONT
    return _save(wb)


def roster_title(cohort_name: str, today: date | None = None) -> str:
    stamp = (today or date.today()).strftime("%Y-%m-%d")
    return f"{cohort_name} 学员名单（导出于 {stamp}）"
