"""Translated messages for the field rules' error codes."""

from flask_babel import gettext as _

from cadre.rules.trainee_fields import FieldError


def field_error_message(error: FieldError) -> str:
    p = error.params
    messages = {
        "too_long": lambda: _("内容太长，最多 %(max)s 个字。", max=p.get("max")),
        "phone_invalid": lambda: _(
            "“%(value)s”不是有效的大陆手机号码（11 位，以 1 开头）。", value=p.get("value")
        ),
        "birth_invalid": lambda: _(
            "无法识别出生年月“%(value)s”，请写成 1990.05 或 1990年5月。", value=p.get("value")
        ),
        "birth_future": lambda: _("出生年月“%(value)s”晚于今天。", value=p.get("value")),
        "gender_invalid": lambda: _("性别“%(value)s”无法识别，请填“男”或“女”。", value=p.get("value")),
        "class_role_invalid": lambda: _(
            "班级职务“%(value)s”无法识别，请填“班长”“组长”或“学员”。", value=p.get("value")
        ),
        "required": lambda: _("此项必填。"),
    }
    make = messages.get(error.code)
    return make() if make else _("内容无效：%(code)s", code=error.code)
