"""Forms of the timetable area: feed actions (buttons) and the next 期次."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length, StopValidation

from cadre.cohorts.forms import LocalDateField
from cadre.forms import CadreForm as FlaskForm
from cadre.rules import cohort_rules

FEED_ACTIONS = ("regenerate", "revoke", "reminders_on", "reminders_off")


class FeedActionForm(FlaskForm):
    """A button on the subscription page; which one is in `action`."""

    action = StringField()

    def validate_action(self, field):
        if field.data not in FEED_ACTIONS:
            raise StopValidation(str(_l("请求有误，请检查后重试。")))


class CopyCohortForm(FlaskForm):
    name = StringField(
        _l("培训班名称"),
        validators=[
            DataRequired(_l("请输入培训班名称。")),
            Length(max=128, message=_l("培训班名称最多 128 个字。")),
        ],
    )
    code = StringField(
        _l("班级代码"),
        description=_l("2–32 位字母、数字、- 或 _，如 QLJL2025；用于证书编号和命令行，保存为大写。"),
        render_kw={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"},
    )
    start_date = LocalDateField(
        _l("开班日期"),
        message=_l("开班日期无效，请按 2025-05-09 的格式填写。"),
        validators=[DataRequired(_l("请填写新一期的开班日期。"))],
        description=_l(
            "课程按原来的星期几和时间排到新的日期；不是同一个星期几时，从其后的第一个同一星期几开始。"
        ),
    )
    submit = SubmitField(_l("复制为下一期"))

    def validate_code(self, field):
        try:
            field.data = cohort_rules.normalize_code(field.data)
        except cohort_rules.CohortRuleError as err:
            messages = {
                "code_required": _l("请输入班级代码。"),
                "code_chars": _l("班级代码只能包含字母 A–Z、数字 0–9、- 和 _（不能有空格或汉字）。"),
                "code_length": _l("班级代码应为 2 到 32 位。"),
            }
            raise StopValidation(str(messages[err.code])) from err
