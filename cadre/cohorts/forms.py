"""Forms for cohorts and their rosters. Every message is a clear Chinese sentence."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget, NumberInput

from cadre.forms import CadreForm as FlaskForm
from cadre.labels import label_for
from cadre.models import ClassRole
from cadre.rules import cohort_rules as rules
from cadre.trainees.forms import TraineeForm


def local_today() -> date:
    """Today where the office is (the server may run on UTC)."""
    from flask import current_app

    return datetime.now(ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])).date()


_MAX_ID = 2**31 - 1


def _safe_int(value) -> int | None:
    """Coerce for id selects: a tampered or out-of-range value becomes None instead of a crash."""
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= _MAX_ID else None


class BoundedIntegerField(IntegerField):
    """An integer within bounds, typed with a numeric keypad; one clear message for any mistake.

    Full-width digits are accepted. Blank is allowed only when `required` is False.
    """

    widget = NumberInput()

    def __init__(self, label=None, *, minimum: int, maximum: int | None, message, required=True, **kw):
        kw.setdefault("render_kw", {})
        kw["render_kw"].setdefault("inputmode", "numeric")
        kw["render_kw"].setdefault("min", minimum)
        if maximum is not None:
            kw["render_kw"].setdefault("max", maximum)
        super().__init__(label, **kw)
        self.minimum = minimum
        self.maximum = maximum
        self.message = message
        self.required = required
        self.raw: str | None = None

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.raw = unicodedata.normalize("NFKC", valuelist[0] or "").strip()
        try:
            self.data = int(self.raw) if self.raw else None
        except ValueError:
            self.data = None

    def pre_validate(self, form):
        if self.raw is None and self.data is not None:
            return  # default or object value, not typed
        if not self.raw:
            if self.required:
                raise StopValidation(str(self.message))
            self.data = None
            return
        if (
            self.data is None
            or self.data < self.minimum
            or (self.maximum is not None and self.data > self.maximum)
        ):
            raise StopValidation(str(self.message))

    def _value(self):
        if self.raw is not None:
            return self.raw
        return "" if self.data is None else str(self.data)


class LocalDateField(DateField):
    """A date picker; a typed date may also be 2025.5.9, 2025/5/9 or 2025年5月9日."""

    _FORMATS = ("%Y-%m-%d", "%Y.%m.%d", "%Y/%m/%d", "%Y年%m月%d日")

    def __init__(self, label=None, validators=None, *, message, **kw):
        super().__init__(label, validators, **kw)
        self.message = message
        self.invalid = False

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = unicodedata.normalize("NFKC", " ".join(valuelist)).strip()
        self.data = None
        self.invalid = False
        if not text:
            return
        for fmt in self._FORMATS:
            try:
                self.data = datetime.strptime(text, fmt).date()
                return
            except ValueError:
                continue
        self.invalid = True
        self.raw_data = [text]

    def pre_validate(self, form):
        if self.invalid:
            raise StopValidation(str(self.message))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        if self.data is None:
            self.data = []
        invalid = any(v is None for v in self.data)
        if not invalid and self.validate_choice and self.data:
            acceptable = {value for value, _label in self.choices}
            invalid = any(v not in acceptable for v in self.data)
        if invalid:
            raise StopValidation(str(_l("所选项目无效，请刷新页面后重试。")))


def _role_choices() -> list[tuple[str, str]]:
    return [(r.value, label_for(r)) for r in (ClassRole.MEMBER, ClassRole.GROUP_LEADER, ClassRole.MONITOR)]


class RoleSelectField(SelectField):
    """班长 / 组长 / 学员, with a Chinese message for a tampered value."""

    def __init__(self, label=None, *, allow_unchanged: bool = False, **kw):
        super().__init__(label, validate_choice=False, **kw)
        self.allow_unchanged = allow_unchanged
        self.type = "SelectField"  # styled like any select by the form macros

    def pre_validate(self, form):
        allowed = {r.value for r in ClassRole}
        if self.allow_unchanged:
            allowed.add("")
            self.data = self.data or ""
        if self.data not in allowed:
            raise StopValidation(_l("班级职务无效，请选择班长、组长或学员。"))

    @property
    def role(self) -> ClassRole | None:
        return ClassRole(self.data) if self.data else None


def _validate_group(form, field):
    try:
        field.data = rules.normalize_group(field.data)
    except rules.CohortRuleError as err:
        raise ValidationError(_l("小组名称最多 %(max)s 个字。", max=err.params["max"])) from err


class CohortForm(FlaskForm):
    name = StringField(
        _l("培训班名称"),
        validators=[
            DataRequired(_l("请输入培训班名称。")),
            Length(max=128, message=_l("培训班名称最多 128 个字。")),
        ],
    )
    code = StringField(
        _l("班级代码"),
        description=_l("2–32 位字母、数字、- 或 _，如 QLJL2025；印在证书编号上，保存为大写。"),
        render_kw={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"},
    )
    organizing_unit = StringField(
        _l("主办单位"),
        validators=[Optional(), Length(max=128, message=_l("主办单位最多 128 个字。"))],
    )
    contact_name = StringField(
        _l("联系人"),
        description=_l("学员遇到问题时找谁，印在学员登录条上，如：王老师。"),
        validators=[Optional(), Length(max=64, message=_l("联系人最多 64 个字。"))],
    )
    contact_phone = StringField(
        _l("联系电话"),
        validators=[Optional(), Length(max=32, message=_l("联系电话最多 32 个字符。"))],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    start_date = LocalDateField(
        _l("开班日期"), message=_l("开班日期无效，请按 2025-05-09 的格式填写。"), validators=[Optional()]
    )
    end_date = LocalDateField(
        _l("结业日期"), message=_l("结业日期无效，请按 2025-06-27 的格式填写。"), validators=[Optional()]
    )
    description = TextAreaField(
        _l("简介"),
        validators=[Optional(), Length(max=5000, message=_l("简介最多 5000 个字。"))],
        render_kw={"rows": 4},
    )
    default_venue_id = SelectField(_l("默认场地"), coerce=_safe_int, choices=[], validate_choice=False)
    new_venue = StringField(
        _l("或新增场地"),
        description=_l("列表中没有的场地，在这里填写名称即可新增，并设为默认场地。"),
        validators=[Optional(), Length(max=128, message=_l("场地名称最多 128 个字。"))],
    )
    minutes_per_credit_hour = BoundedIntegerField(
        _l("每学时分钟数"),
        minimum=1,
        maximum=240,
        default=45,
        message=_l("每学时分钟数应为 1 到 240 之间的整数。"),
    )
    min_attendance_percent = BoundedIntegerField(
        _l("结业要求：最低出勤率（占总学时的百分比）"),
        minimum=0,
        maximum=100,
        default=80,
        message=_l("最低出勤率应为 0 到 100 之间的整数。"),
    )
    require_required_sessions = BooleanField(_l("结业要求：必修课程必须出勤"), default=True)
    max_unexcused_absences = BoundedIntegerField(
        _l("结业要求：无故缺勤最多次数"),
        minimum=0,
        maximum=999,
        required=False,
        description=_l("留空表示不限。"),
        message=_l("无故缺勤最多次数应为 0 到 999 之间的整数，留空表示不限。"),
    )
    max_leave_fraction = StringField(
        _l("结业要求：请假最多占总学时"),
        default="1/7",
        description=_l("如 1/7（干部教育培训的通行规定）、15%；超过即不能结业。留空表示不限。"),
        render_kw={"autocomplete": "off", "inputmode": "text"},
    )
    organizers = MultiCheckboxField(_l("本班班主任"), coerce=_safe_int, choices=[])
    submit = SubmitField(_l("保存"))

    def validate_max_leave_fraction(self, field):
        from cadre.rules.completion import format_share, parse_share

        text = unicodedata.normalize("NFKC", field.data or "").strip()
        try:
            field.data = format_share(parse_share(text)) or None
        except ValueError as err:
            raise ValidationError(
                _l("请假上限请填写分数或百分比，如 1/7 或 15%，在 0 到 100% 之间；留空表示不限。")
            ) from err

    def validate_code(self, field):
        try:
            field.data = rules.normalize_code(field.data)
        except rules.CohortRuleError as err:
            messages = {
                "code_required": _l("请输入班级代码。"),
                "code_chars": _l("班级代码只能包含字母 A–Z、数字 0–9、- 和 _（不能有空格或汉字）。"),
                "code_length": _l("班级代码应为 2 到 32 位。"),
            }
            raise StopValidation(str(messages[err.code])) from err

    def validate_contact_phone(self, field):
        text = unicodedata.normalize("NFKC", field.data or "").strip()
        if text and not all(ch.isdigit() or ch in " -+()转" for ch in text):
            raise ValidationError(_l("联系电话只能包含数字、空格、-、+ 和括号，如 021-62345678 转 801。"))
        field.data = text or None

    def validate_end_date(self, field):
        try:
            rules.check_dates(self.start_date.data, field.data)
        except rules.CohortRuleError as err:
            raise ValidationError(
                _l("结业日期（%(end)s）不能早于开班日期（%(start)s）。", **err.params)
            ) from err

    def validate_default_venue_id(self, field):
        valid = {_safe_int(value) for value, _label in field.choices}
        if field.data not in valid:
            raise ValidationError(_l("所选场地不存在，请重新选择。"))

    def validate_new_venue(self, field):
        field.data = (unicodedata.normalize("NFKC", field.data or "").strip()) or None


class ArchiveForm(FlaskForm):
    submit = SubmitField(_l("归档"))
    # Archiving asks first: a POST without confirmed=1 shows what will happen (no JavaScript needed).
    confirmed = HiddenField()


class EnrollmentForm(FlaskForm):
    """Group and class role of one enrollment."""

    group = StringField(_l("小组"), validators=[_validate_group], render_kw={"list": "groups"})
    class_role = RoleSelectField(_l("班内职务"), choices=[])
    submit = SubmitField(_l("保存"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.class_role.choices = _role_choices()


class BulkEnrollmentForm(FlaskForm):
    """Set the group and/or class role of several enrollments at once."""

    ids = MultiCheckboxField(
        lazy_pgettext("plural", "学员"), coerce=_safe_int, choices=[], validate_choice=False
    )
    group = StringField(_l("设为小组"), validators=[_validate_group], render_kw={"list": "groups"})
    clear_group = BooleanField(_l("清空小组"))
    class_role = RoleSelectField(_l("设为班内职务"), allow_unchanged=True, choices=[])
    submit = SubmitField(_l("应用到所选学员"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.class_role.choices = [("", str(_l("（不变）")))] + _role_choices()

    def validate_ids(self, field):
        if not field.data:
            raise StopValidation(_l("请先勾选要修改的学员。"))

    def validate_class_role(self, field):
        if not field.data and not self.group.data and not self.clear_group.data:
            raise ValidationError(_l("请填写小组或选择职务。"))


class AddExistingForm(FlaskForm):
    """Enroll one or more trainees found in the pool."""

    trainee_ids = MultiCheckboxField(
        lazy_pgettext("plural", "学员"), coerce=_safe_int, choices=[], validate_choice=False
    )
    group = StringField(_l("小组"), validators=[_validate_group], render_kw={"list": "groups"})
    class_role = RoleSelectField(_l("班级职务"), choices=[], default=ClassRole.MEMBER.value)
    # The full mobile number the organizer typed: needed to add someone from another organizer's
    # cohort (the service checks it). Sent as a hidden input by the pages that know it.
    phone = StringField(_l("手机号码"))
    submit = SubmitField(_l("加入本班"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.class_role.choices = _role_choices()

    def validate_trainee_ids(self, field):
        if not field.data:
            raise StopValidation(_l("请先勾选要加入的学员。"))


class NewTraineeEnrollForm(TraineeForm):
    """A new person for the pool, enrolled in the cohort in the same step."""

    group = StringField(_l("小组"), validators=[_validate_group], render_kw={"list": "groups"})
    class_role = RoleSelectField(_l("班级职务"), choices=[], default=ClassRole.MEMBER.value)
    # Set once the organizer has seen the trainees with the same name and still wants a new one.
    confirm_new = HiddenField()
    submit = SubmitField(_l("新建并加入本班"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.class_role.choices = _role_choices()


class WithdrawForm(FlaskForm):
    withdrawn_on = LocalDateField(
        _l("退出日期"),
        message=_l("退出日期无效，请按 2025-05-20 的格式填写。"),
        validators=[DataRequired(_l("请填写退出日期。"))],
        default=local_today,
    )
    reason = TextAreaField(
        _l("退出原因"),
        validators=[
            DataRequired(_l("请填写退出原因。")),
            Length(max=500, message=_l("退出原因最多 500 个字。")),
        ],
        render_kw={"rows": 2},
    )
    submit = SubmitField(lazy_pgettext("action", "退训"))

    def validate_withdrawn_on(self, field):
        if field.data and field.data.year < 2000:
            raise ValidationError(_l("退出日期无效，请按 2025-05-20 的格式填写。"))


class ConfirmForm(FlaskForm):
    """A button that changes something (re-activate, remove, unarchive): CSRF only."""

    submit = SubmitField(_l("确定"))
    # Removing asks first: a POST without confirmed=1 shows what will happen (no JavaScript needed).
    confirmed = HiddenField()
