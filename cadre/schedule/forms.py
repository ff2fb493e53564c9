"""Forms of the schedule: a session (with its stops), cancel, shift, goals, speakers and venues."""

from __future__ import annotations

import re
import unicodedata
from datetime import time
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    Field,
    FieldList,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, StopValidation
from wtforms.widgets import TimeInput

from cadre.cohorts.forms import BoundedIntegerField, LocalDateField, MultiCheckboxField, _safe_int
from cadre.enums import SessionKind, Transport
from cadre.forms import CadreForm as FlaskForm
from cadre.forms import CadreSubform
from cadre.labels import label_for
from cadre.rules.schedule import MAX_YEAR, MIN_YEAR
from cadre.rules.text import clean_value

_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")


class LocalTimeField(Field):
    """A wall-clock time in Shanghai: 9:00, 09:00, 9.00 or 9：00 (full-width colon)."""

    widget = TimeInput()

    def __init__(self, label=None, validators=None, *, message, required=False, **kw):
        super().__init__(label, validators, **kw)
        self.message = message
        self.required = required
        self.raw: str | None = None

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.raw = unicodedata.normalize("NFKC", valuelist[0] or "").strip()
        self.data = None
        match = _TIME.match(self.raw)
        if match and int(match[1]) < 24 and int(match[2]) < 60:
            self.data = time(int(match[1]), int(match[2]))

    def pre_validate(self, form):
        if self.raw is None:
            if self.required and self.data is None:
                raise StopValidation(str(self.message))
            return
        if not self.raw:
            if self.required:
                raise StopValidation(str(self.message))
            return
        if self.data is None:
            raise StopValidation(str(self.message))

    def _value(self):
        if self.raw is not None:
            return self.raw
        return self.data.strftime("%H:%M") if self.data else ""


class IdListField(Field):
    """Ids posted as repeated hidden inputs (an ordered list); a forged value becomes an error."""

    def process_formdata(self, valuelist):
        self.data = [_safe_int(v) for v in valuelist if v != ""]

    def process_data(self, value):
        self.data = list(value or [])

    def pre_validate(self, form):
        if any(v is None for v in self.data or []):
            raise StopValidation(str(_l("所选授课人不存在，请重新选择。")))


class HoursField(StringField):
    """学时 typed by hand: blank means computed from the length; 0–99.5 in steps of 0.5."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.raw = unicodedata.normalize("NFKC", clean_value(self.data or ""))
        try:
            self.data = Decimal(self.raw) if self.raw else None
        except InvalidOperation:
            self.data = "invalid"

    def pre_validate(self, form):
        value = self.data
        if value is None:
            return
        if (
            value == "invalid"
            or not value.is_finite()
            or not 0 <= value <= Decimal("99.5")
            or (value * 2) % 1
        ):
            raise StopValidation(str(_l("学时应为 0 到 99.5 之间的数，以 0.5 为单位；留空则按时长计算。")))

    def _value(self):
        if getattr(self, "raw", None) is not None:
            return self.raw
        return "" if self.data is None else str(self.data)


def _text(label, max_length, message, **kw):
    return StringField(label, validators=[Optional(), Length(max=max_length, message=message)], **kw)


class StopForm(CadreSubform):
    """One stop of a site visit. A row left entirely blank is dropped."""

    name = _text(_l("教学点名称"), 128, _l("教学点名称最多 128 个字。"))
    address = _text(_l("地址"), 256, _l("地址最多 256 个字。"))
    host = _text(_l("接待人"), 128, _l("接待人最多 128 个字。"))
    host_phone = _text(_l("接待人电话"), 32, _l("电话最多 32 位。"), render_kw={"inputmode": "tel"})
    arrives_time = LocalTimeField(_l("计划到达"), message=_l("到达时间无效，请按 14:30 的格式填写。"))
    description = TextAreaField(
        _l("备注"),
        validators=[Optional(), Length(max=2000, message=_l("备注最多 2000 个字。"))],
        render_kw={"rows": 2},
    )

    def is_blank(self) -> bool:
        return not any(str(f._value() or "").strip() for f in self)


def _sensible_year(field) -> None:
    if field.data is not None and not MIN_YEAR <= field.data.year <= MAX_YEAR:
        raise StopValidation(_l("日期须在 %(min)s 年至 %(max)s 年之间。", min=MIN_YEAR, max=MAX_YEAR))


def _kind_choices():
    return [(k.value, label_for(k)) for k in SessionKind]


def _transport_choices():
    return [("", str(_l("（不设）")))] + [(t.value, label_for(t)) for t in Transport]


class SessionForm(FlaskForm):
    title = StringField(
        _l("课程名称"),
        validators=[
            DataRequired(_l("请填写课程名称。")),
            Length(max=256, message=_l("课程名称最多 256 个字。")),
        ],
    )
    kind = SelectField(_l("类型"), choices=[], default=SessionKind.LECTURE.value, validate_choice=False)
    day = LocalDateField(
        _l("日期"),
        message=_l("日期无效，请按 2025-05-09 的格式填写。"),
        validators=[DataRequired(_l("请填写日期。"))],
    )
    start_time = LocalTimeField(_l("开始时间"), message=_l("请按 09:00 的格式填写开始时间。"), required=True)
    end_time = LocalTimeField(_l("结束时间"), message=_l("请按 11:30 的格式填写结束时间。"), required=True)
    end_day = LocalDateField(
        _l("结束日期（跨天时填写）"),
        message=_l("结束日期无效，请按 2025-05-10 的格式填写。"),
        validators=[Optional()],
        description=_l("留空表示与开始同一天。一次课程最长 24 小时。"),
    )
    venue_id = HiddenField()
    venue_name = StringField(
        _l("场地"),
        validators=[Optional(), Length(max=128, message=_l("场地名称最多 128 个字。"))],
        render_kw={"autocomplete": "off"},
    )
    create_venue = BooleanField(_l("新建此场地"))
    speaker_ids = IdListField()
    speaker_query = StringField(
        _l("添加授课人"),
        validators=[Optional(), Length(max=64, message=_l("授课人姓名最多 64 个字。"))],
        render_kw={"autocomplete": "off"},
    )
    credit_hours = HoursField(
        _l("学时"), description=_l("留空则按时长和本班每学时分钟数计算，四舍五入到半学时。")
    )
    is_required = BooleanField(_l("必修"), default=True)
    goal_ids = MultiCheckboxField(_l("培训目标"), coerce=_safe_int, choices=[])
    description = TextAreaField(
        _l("课程简介"),
        validators=[Optional(), Length(max=5000, message=_l("课程简介最多 5000 个字。"))],
        render_kw={"rows": 3},
    )
    what_to_bring = TextAreaField(
        _l("携带物品"),
        validators=[Optional(), Length(max=2000, message=_l("携带物品最多 2000 个字。"))],
        render_kw={"rows": 2},
    )
    sign_in_opens_minutes = BoundedIntegerField(
        _l("提前几分钟开放签到"),
        minimum=0,
        maximum=1440,
        default=30,
        message=_l("应为 0 到 1440 之间的整数。"),
    )
    late_after_minutes = BoundedIntegerField(
        _l("开始后几分钟算迟到"),
        minimum=0,
        maximum=1440,
        default=10,
        message=_l("应为 0 到 1440 之间的整数。"),
    )
    sign_out_required = BooleanField(_l("需要签退"))
    meeting_point = _text(_l("集合地点"), 256, _l("集合地点最多 256 个字。"))
    departs_time = LocalTimeField(_l("出发时间"), message=_l("出发时间无效，请按 08:30 的格式填写。"))
    transport = SelectField(_l("交通方式"), choices=[], default="", validate_choice=False)
    returns_time = LocalTimeField(_l("返回时间"), message=_l("返回时间无效，请按 17:00 的格式填写。"))
    stops = FieldList(FormField(StopForm), min_entries=0, max_entries=30)
    repeat_until = LocalDateField(
        _l("每周重复，直到"),
        message=_l("截止日期无效，请按 2025-06-27 的格式填写。"),
        validators=[Optional()],
        description=_l("同一星期、同一时间每周一次，最多 60 次。留空表示只排这一次。"),
    )
    confirm_clash = BooleanField(_l("仍然保存"))
    submit = SubmitField(_l("保存"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = _kind_choices()
        self.transport.choices = _transport_choices()

    def validate_day(self, field):
        _sensible_year(field)

    def validate_end_day(self, field):
        _sensible_year(field)

    def validate_repeat_until(self, field):
        _sensible_year(field)

    def validate_kind(self, field):
        if field.data not in {k.value for k in SessionKind}:
            raise StopValidation(_l("课程类型无效，请重新选择。"))

    def validate_transport(self, field):
        if field.data and field.data not in {t.value for t in Transport}:
            raise StopValidation(_l("交通方式无效，请重新选择。"))

    def validate_venue_id(self, field):
        if field.data and _safe_int(field.data) is None:
            raise StopValidation(_l("所选场地不存在，请重新选择。"))

    def filled_stops(self) -> list[StopForm]:
        return [entry.form for entry in self.stops if not entry.form.is_blank()]

    def validate_stops(self, field):
        for stop in self.filled_stops():
            if not (stop.name.data or "").strip():
                stop.name.errors = [*stop.name.errors, str(_l("请填写教学点名称。"))]
                raise StopValidation(_l("每个教学点都要填写名称。"))


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("取消原因"),
        validators=[
            DataRequired(_l("请填写取消原因。")),
            Length(max=500, message=_l("取消原因最多 500 个字。")),
        ],
        render_kw={"rows": 2},
    )
    submit = SubmitField(_l("取消这次课程"))


class RestoreForm(FlaskForm):
    confirm_clash = BooleanField(_l("仍然恢复"))
    submit = SubmitField(_l("恢复"))


def _offset(label):
    return BoundedIntegerField(
        label,
        minimum=-3650,
        maximum=3650,
        required=False,
        default=0,
        message=_l("请填写 -3650 到 3650 之间的整数。"),
        render_kw={"inputmode": "numeric", "min": -3650, "max": 3650},
    )


class ShiftForm(FlaskForm):
    days = _offset(_l("天"))
    hours = _offset(_l("小时"))
    minutes = _offset(_l("分钟"))
    with_rest_of_series = BooleanField(_l("同时调整本系列中之后的各次课程"))
    confirm_outside = BooleanField(_l("确认调整到培训班日期之外"))
    confirm_clash = BooleanField(_l("仍然保存"))
    submit = SubmitField(_l("调整时间"))


class GoalForm(FlaskForm):
    """Add, rename, remove or reorder one of the cohort's goals (the button pressed says which)."""

    goal_id = HiddenField()
    goal_name = StringField(
        _l("培训目标"), validators=[Optional(), Length(max=64, message=_l("培训目标最多 64 个字。"))]
    )
    op = HiddenField()
    submit = SubmitField(_l("保存"))


class SpeakerForm(FlaskForm):
    name = StringField(
        _l("姓名"),
        validators=[DataRequired(_l("请填写授课人姓名。")), Length(max=64, message=_l("姓名最多 64 个字。"))],
    )
    title = _text(_l("职称/职务"), 256, _l("职称最多 256 个字。"), description=_l("如：教授、博士生导师"))
    affiliation = _text(_l("工作单位"), 256, _l("工作单位最多 256 个字。"))
    phone = _text(_l("联系电话"), 32, _l("电话最多 32 位。"), render_kw={"inputmode": "tel"})
    bio = TextAreaField(
        _l("简介"),
        validators=[Optional(), Length(max=5000, message=_l("简介最多 5000 个字。"))],
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("保存"))


class VenueForm(FlaskForm):
    name = StringField(
        _l("场地名称"),
        validators=[
            DataRequired(_l("请填写场地名称。")),
            Length(max=128, message=_l("场地名称最多 128 个字。")),
        ],
    )
    address = _text(_l("地址"), 256, _l("地址最多 256 个字。"))
    capacity = BoundedIntegerField(
        _l("容纳人数"),
        minimum=1,
        maximum=100000,
        required=False,
        message=_l("容纳人数应为 1 到 100000 之间的整数。"),
    )
    notes = TextAreaField(
        _l("备注"),
        validators=[Optional(), Length(max=2000, message=_l("备注最多 2000 个字。"))],
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("保存"))
