"""Forms of the attendance pages. Rows of a roll call are read from the POST by the views."""

from __future__ import annotations

import re
from datetime import time

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from cadre.forms import CadreForm as FlaskForm

_TIME = re.compile(r"^\s*(\d{1,2})\s*[:：.]?\s*(\d{2})\s*$")


def parse_wall_time(text: str) -> time | None:
    """08:55, 8:55, 0855, 855 → 08:55; anything else None (the caller says what is wrong)."""
    match = _TIME.match(text or "")
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RollCallForm(FlaskForm):
    """The CSRF token and a reason for the audit log; the statuses come as status-<trainee id>."""

    reason = StringField(
        _l("原因（写入修改记录，可不填）"),
        validators=[Optional(), Length(max=200, message=_l("原因最多 200 个字。"))],
    )


class PlainForm(FlaskForm):
    """Only the CSRF token (buttons that change something)."""


class LeaveForm(FlaskForm):
    sessions = MultiCheckboxField(
        _l("请假的课程"),
        coerce=int,
        validate_choice=False,  # the service says why a session cannot be chosen (past, twice)
        validators=[DataRequired(message=_l("请至少选择一次课程。"))],
    )
    reason = TextAreaField(
        _l("请假事由"),
        validators=[
            DataRequired(message=_l("请填写请假事由。")),
            Length(max=500, message=_l("事由最多 500 个字。")),
        ],
    )


class CorrectionForm(FlaskForm):
    reason = TextAreaField(
        _l("补签原因"),
        description=_l("例如：手机没电、扫码失败。班主任核实后会为您补签。"),
        validators=[
            DataRequired(message=_l("请填写补签原因。")),
            Length(max=500, message=_l("原因最多 500 个字。")),
        ],
    )


class DecisionForm(FlaskForm):
    note = TextAreaField(
        _l("审批意见"),
        validators=[Optional(), Length(max=500, message=_l("意见最多 500 个字。"))],
    )
