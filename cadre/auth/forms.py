from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from cadre.forms import CadreForm as FlaskForm


class LoginForm(FlaskForm):
    username = StringField(
        _l("用户名"),
        validators=[DataRequired(_l("请输入用户名。")), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("密码"),
        validators=[DataRequired(_l("请输入密码。")), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("在此设备上保持登录"))
    submit = SubmitField(_l("登录"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("当前密码"),
        validators=[DataRequired(_l("请输入当前密码。"))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("新密码"),
        validators=[
            DataRequired(_l("请输入新密码。")),
            Length(min=8, max=128, message=_l("新密码至少 8 位。")),
        ],
        description=_l("密码至少 8 位。"),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("再次输入新密码"),
        validators=[EqualTo("new_password", message=_l("两次输入的新密码不一致。"))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("修改密码"))

    def validate_new_password(self, field):
        if field.data and field.data == self.current_password.data:
            raise ValidationError(_l("新密码不能与当前密码相同。"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("退出登录"))
    # A second button: ends the account's logins on every device, this one included.
    everywhere = SubmitField(_l("在所有设备上退出登录"))
