from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from cadre.forms import CadreForm as FlaskForm
from cadre.labels import choices
from cadre.models import Role

# Trainee accounts belong to a trainee record and are made from a cohort's trainee
# page; an admin cannot turn a staff account into one or back.
STAFF_ROLES = (Role.ADMIN, Role.ORGANIZER)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        # WTForms' own message for this case has no Chinese translation (fuzzy in its catalog).
        acceptable = {value for value, _label, *_rest in self.iter_choices()}
        if any(value not in acceptable for value in self.data or ()):
            raise ValidationError(_l("所选的项目已不存在，请刷新页面后重新选择。"))


class UserForm(FlaskForm):
    username = StringField(
        _l("用户名"),
        validators=[
            DataRequired(_l("请输入用户名。")),
            Length(max=64, message=_l("用户名最多 64 个字符。")),
            Regexp(r"^[A-Za-z0-9_.@-]+$", message=_l("用户名只能包含字母、数字和 _ . @ -。")),
        ],
    )
    display_name = StringField(_l("姓名"), validators=[DataRequired(_l("请输入姓名。")), Length(max=64)])
    role = SelectField(_l("角色"), choices=[], default=Role.ORGANIZER.value)
    password = PasswordField(
        _l("初始密码"),
        description=_l("留空则自动生成；用户首次登录时须修改。"),
        validators=[Optional(), Length(min=8, max=128, message=_l("密码至少 8 位。"))],
    )
    is_active_account = BooleanField(_l("账号可用"), default=True)
    cohorts = MultiCheckboxField(_l("负责的培训班"), coerce=int, choices=[])
    submit = SubmitField(_l("保存"))

    def __init__(self, *args, roles: tuple[Role, ...] = STAFF_ROLES, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [(value, label) for value, label in choices(Role) if Role(value) in roles]


class ResetPasswordForm(FlaskForm):
    submit = SubmitField(_l("重置密码"))
