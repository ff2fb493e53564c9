"""Forms for a trainee's personal data; fields checked by the same rules as the import."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from cadre.forms import CadreForm as FlaskForm
from cadre.labels import label_for
from cadre.models import Gender
from cadre.rules import trainee_fields as rules
from cadre.trainees.data import TraineeData
from cadre.trainees.field_messages import field_error_message


class TraineeForm(FlaskForm):
    name = StringField(_l("姓名"), validators=[DataRequired(_l("请输入姓名。")), Length(max=64)])
    gender = SelectField(_l("性别"), choices=[], validators=[Optional()])
    birth = StringField(_l("出生年月"), description=_l("如 1990.05"), validators=[Optional()])
    phone = StringField(_l("手机号码"), validators=[Optional()])
    community = StringField(_l("所在居民区/单位"), validators=[Optional(), Length(max=128)])
    position = StringField(_l("现任职务"), validators=[Optional(), Length(max=128)])
    political_status = StringField(_l("政治面貌"), validators=[Optional(), Length(max=32)])
    education = StringField(_l("学历"), validators=[Optional(), Length(max=32)])
    notes = TextAreaField(_l("备注"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("保存"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.gender.choices = [("", "—")] + [(g.value, label_for(g)) for g in Gender]

    # Parsed values, filled by the validators below.
    phone_value: str | None = None
    birth_value: tuple[int | None, int | None] = (None, None)

    def validate_name(self, field):
        # Zero-width characters pass DataRequired but clean to nothing (and a NULL name).
        if rules.clean_text(field.data) is None:
            raise ValidationError(_l("请输入姓名。"))

    def validate_phone(self, field):
        try:
            self.phone_value = rules.normalize_phone(field.data)
        except rules.FieldError as err:
            raise ValidationError(field_error_message(err)) from err

    def validate_birth(self, field):
        try:
            self.birth_value = rules.parse_birth(field.data, date.today())
        except rules.FieldError as err:
            raise ValidationError(field_error_message(err)) from err

    def values(self) -> TraineeData:
        """The validated values as plain data for a service."""
        return TraineeData(
            name=rules.clean_text(self.name.data),
            gender=Gender(self.gender.data) if self.gender.data else None,
            birth_year=self.birth_value[0],
            birth_month=self.birth_value[1],
            phone=self.phone_value,
            **{
                attr: rules.clean_text(getattr(self, attr).data)
                for attr in ("community", "position", "political_status", "education", "notes")
            },
        )

    def fill(self, trainee) -> None:
        """Copy the validated values onto a Trainee (prefer passing values() to a service)."""
        self.values().apply_to(trainee)

    def load(self, trainee) -> None:
        """Show a Trainee's values in the form (GET)."""
        self.process(obj=trainee)
        self.gender.data = trainee.gender.value if trainee.gender else ""
        self.birth.data = rules.format_birth(trainee.birth_year, trainee.birth_month)


class NewTraineeForm(TraineeForm):
    """A trainee created from the trainee pages; organizers enrol them in one of their cohorts."""

    cohort = SelectField(_l("报名到培训班"), coerce=int, choices=[], validate_choice=True)

    def set_cohorts(self, cohorts, required: bool) -> None:
        """Offer these cohorts; `required`: an organizer must pick one, else they could not see the person."""
        self.cohort_required = required
        none = [] if required else [(0, _l("暂不报名"))]
        self.cohort.choices = none + [(c.id, f"{c.name}（{c.code}）") for c in cohorts]

    def validate_cohort(self, field):
        if getattr(self, "cohort_required", False) and not field.data:
            raise ValidationError(_l("请选择培训班。"))


class CreateAccountsForm(FlaskForm):
    submit = SubmitField(_l("为未开通的学员创建账号"))


class ResetTraineePasswordForm(FlaskForm):
    cohort_id = HiddenField()
    submit = SubmitField(_l("重置密码"))
