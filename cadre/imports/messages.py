"""Translated messages for import refusals and row errors (codes come from pure code)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cadre.rules.text import clean_text
from cadre.rules.trainee_fields import FieldError
from cadre.trainees.field_messages import field_error_message

# Column names as the preview and the CLI show them when the file has no such column.
FIELD_LABELS = {
    "seq": _l("序号"),
    "name": _l("姓名"),
    "gender": _l("性别"),
    "birth": _l("出生年月"),
    "phone": _l("联系电话"),
    "community": _l("所在居民区/单位"),
    "position": _l("现任职务"),
    "political_status": _l("政治面貌"),
    "education": _l("学历"),
    "group": _l("小组"),
    "class_role": _l("班内职务"),
    "status": _l("状态"),
    "withdrawn_on": _l("退出日期"),
    "withdrawal_reason": _l("退出原因"),
    "notes": _l("备注"),
}


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def _sheet_name(raw) -> str:
    """A name from the file, as the message shows it (Excel allows 31 characters for a sheet)."""
    return (clean_text(str(raw or "")) or "")[:40]


def file_error_message(code: str, params: dict) -> str:
    """Why a whole file is refused."""
    p = params
    messages = {
        "empty_file": lambda: _("文件是空的，没有可导入的内容。"),
        "no_rows": lambda: _("表格中没有任何内容。"),
        "not_spreadsheet": lambda: _("这不是表格文件。请上传 Excel 表格（.xlsx）或 CSV 文件。"),
        "word_document": lambda: _("这是 Word 文档，不是 Excel 表格。请上传 .xlsx 或 .csv 文件。"),
        "ods": lambda: _("暂不支持 WPS/OpenOffice 的 .ods 格式，请另存为 .xlsx 后再上传。"),
        "legacy_xls": lambda: _(
            "这是旧版 Excel（.xls）文件或设有密码的文件，无法读取。"
            "请在 Excel 中“另存为”Excel 工作簿（.xlsx），并去掉密码后再上传。"
        ),
        "damaged": lambda: _("文件已损坏或格式不正确，无法读取。请用 Excel 打开后重新保存为 .xlsx 再上传。"),
        "unsafe_xml": lambda: _("文件中含有不安全的内容，已拒绝读取。请用 Excel 重新保存后再上传。"),
        "zip_bomb": lambda: _(
            "文件解压后异常巨大（超过 %(mb)s MB），已拒绝读取。请检查文件是否正确。", mb=200
        ),
        "too_large": lambda: _(
            "文件太大：上限为 %(mb)s MB。请删去无关的工作表或图片，或分成几个文件导入。", mb=p.get("max_mb")
        ),
        "too_many_rows": lambda: _(
            "文件行数超过上限（最多 %(max)s 行），请分成几个文件导入。", max=p.get("max")
        ),
        "too_many_sheets": lambda: _(
            "工作簿中的工作表超过 %(max)s 个，不像是一份学员名单。"
            "请把名单复制到一个新的工作簿，或另存为 CSV 后再上传。",
            max=p.get("max"),
        ),
        "too_many_cells": lambda: _(
            "工作表“%(sheet)s”的单元格太多（超过 %(max)s 个），无法导入。"
            "请删除与名单无关的行、列和格式，或分成几个文件导入。",
            sheet=_sheet_name(p.get("sheet")),
            max=p.get("max"),
        ),
        "too_complex": lambda: _(
            "文件的结构异常复杂（%(part)s），已拒绝读取。请用 Excel 打开后另存为新的 .xlsx 文件再上传。",
            part=_sheet_name(p.get("part")),
        ),
        "sheet_too_big": lambda: _(
            "工作表“%(sheet)s”的范围太大（到第 %(rows)s 行、第 %(columns)s 列），"
            "超过导入的上限（%(max)s 行、%(max_columns)s 列）。"
            "如果下方或右侧并没有内容，请删除多余的空行和空列，保存后再上传；否则请分成几个文件导入。",
            sheet=_sheet_name(p.get("sheet")),
            rows=p.get("rows"),
            columns=p.get("columns"),
            max=p.get("max"),
            max_columns=p.get("max_columns"),
        ),
        "unknown_encoding": lambda: _(
            "无法识别 CSV 文件的文字编码。请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后再上传。"
        ),
        "no_header": lambda: _(
            "在文件的前 %(n)s 行中没有找到表头（如“姓名”“联系电话”等列名）。", n=p.get("scan")
        ),
        "no_name_column": lambda: _("表头（第 %(row)s 行）中没有“姓名”列，无法导入。", row=p.get("row")),
        "no_trainee_rows": lambda: _("表头下面没有学员数据。"),
        "cohort_archived": lambda: _("该培训班已归档，不能再导入学员。"),
    }
    make = messages.get(code)
    return make() if make else _("无法导入此文件（%(code)s）。", code=code)


def cell_error_message(code: str, params: dict) -> str:
    """What is wrong in one cell of one row."""
    p = params
    messages = {
        "name_required": lambda: _("缺少姓名。"),
        "phone_required": lambda: _("缺少手机号码。手机号码用于识别学员和开通登录账号，必须填写。"),
        "duplicate_in_file": lambda: _(
            "与第 %(rows)s 行是同一个人（“%(value)s”），请只保留一行。",
            rows="、".join(str(r) for r in p.get("rows", [])),
            value=p.get("value"),
        ),
        "phone_other_person": lambda: _(
            "手机号码 %(phone)s 已属于学员“%(other)s”，与本行姓名不符。请核对手机号码。",
            phone=p.get("phone"),
            other=p.get("other"),
        ),
        "ambiguous_name": lambda: _(
            "系统中有 %(n)s 位没有手机号码的“%(name)s”，无法确定是哪一位，请填写手机号码。",
            n=p.get("count"),
            name=p.get("name"),
        ),
        "two_monitors": lambda: _(
            "一个班只能有一名班长，第 %(rows)s 行也填了班长。",
            rows="、".join(str(r) for r in p.get("rows", [])),
        ),
        "status_invalid": lambda: _("状态“%(value)s”无法识别，请填“在训”或“退训”。", value=p.get("value")),
        "date_invalid": lambda: _("无法识别日期“%(value)s”，请写成 2025-05-20。", value=p.get("value")),
    }
    make = messages.get(code)
    if make is not None:
        return make()
    return field_error_message(FieldError(code, **params))


SKIP_REASONS = {
    "example": _l("示例行，不导入"),
    "note": _l("说明行，不导入"),
}
