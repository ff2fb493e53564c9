from flask_babel import lazy_gettext as _l
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from cadre.forms import CadreForm as FlaskForm


class CodeForm(FlaskForm):
    code = StringField(
        _l("大屏上的 6 位数字码"),
        validators=[DataRequired(_l("请输入大屏上的 6 位数字码。")), Length(max=20)],
        render_kw={
            "inputmode": "numeric",
            "autocomplete": "one-time-code",
            "pattern": "[0-9 ]*",
            "maxlength": "20",
            "autofocus": True,
        },
    )
    submit = SubmitField(_l("签到 / 签退"))


class ReviewForm(FlaskForm):
    note = TextAreaField(
        _l("核查说明"),
        validators=[Length(max=500, message=_l("核查说明最多 500 字。"))],
    )
    submit = SubmitField(_l("标记为已核查"))
