"""Forms of the timetable area: feed actions (buttons) and the next 期次."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, StopValidation

from cadre.cohorts.forms import CohortForm, LocalDateField
from cadre.forms import CadreForm as FlaskForm

FEED_ACTIONS = ("regenerate", "revoke", "reminders_on", "reminders_off")


class FeedActionForm(FlaskForm):
    """A button on the subscription page; which one is in `action`."""

    action = StringField()

    def validate_action(self, field):
        if field.data not in FEED_ACTIONS:
            raise StopValidation(str(_l("请求有误，请检查后重试。")))


class CopyCohortForm(FlaskForm):
    # The new cohort's name and code are asked and checked exactly as on the cohort form.
    name = CohortForm.name
    code = CohortForm.code
    start_date = LocalDateField(
        _l("开班日期"),
        message=_l("开班日期无效，请按 2025-05-09 的格式填写。"),
        validators=[DataRequired(_l("请填写新一期的开班日期。"))],
        description=_l(
            "课程按原来的星期几和时间排到新的日期；不是同一个星期几时，从其后的第一个同一星期几开始。"
        ),
    )
    submit = SubmitField(_l("复制为下一期"))

    validate_code = CohortForm.validate_code
