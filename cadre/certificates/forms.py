"""Forms of the certificates area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from cadre.forms import CadreForm as FlaskForm
from cadre.rules.certificates import SEAL_SIZE_MM


class VerifyForm(FlaskForm):
    """Typing a serial on the public page: a GET, no session, no CSRF."""

    class Meta:
        csrf = False

    serial = StringField(
        _l("证书编号"),
        validators=[DataRequired(_l("请输入证书编号。")), Length(max=60, message=_l("证书编号太长。"))],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    submit = SubmitField(_l("核验"))


class IssueAllForm(FlaskForm):
    submit = SubmitField(_l("为全部达到结业条件的学员颁发证书"))


class IssueOneForm(FlaskForm):
    trainee_id = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("原因（未达到结业条件时必填）"), validators=[Length(max=500)])
    submit = SubmitField(_l("颁发"))


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("撤销原因"), validators=[DataRequired(_l("请填写撤销原因。")), Length(max=500)])
    submit = SubmitField(_l("撤销"))


class ReissueForm(FlaskForm):
    reason = TextAreaField(_l("更换原因"), validators=[DataRequired(_l("请填写更换原因。")), Length(max=500)])
    submit = SubmitField(_l("更换（新编号）"))


class SettingsForm(FlaskForm):
    serial_pattern = StringField(
        _l("编号规则"),
        validators=[DataRequired(_l("请填写编号规则。")), Length(max=64)],
        description=_l("{code} 班级代码，{year} 年份，{seq:03} 三位序号"),
    )
    issuer = StringField(_l("发证单位"), validators=[Length(max=128)])
    issue_date = DateField(_l("发证日期"), validators=[Optional()])
    seal_position = SelectField(
        _l("印章位置"),
        choices=[
            ("issuer", _l("盖在发证单位和日期上")),
            ("center", _l("正文下方居中")),
            ("left", _l("左下方")),
        ],
    )
    seal_size_mm = IntegerField(
        _l("印章大小（毫米）"),
        validators=[InputRequired(_l("请填写印章大小。")), NumberRange(*SEAL_SIZE_MM)],
        default=40,
    )
    submit = SubmitField(_l("保存设置"))


class SealForm(FlaskForm):
    seal = FileField(_l("印章或签名图片（PNG，透明背景，不超过 2 MB）"))
    submit = SubmitField(_l("上传印章"))


class RemoveSealForm(FlaskForm):
    submit = SubmitField(_l("删除印章"))
