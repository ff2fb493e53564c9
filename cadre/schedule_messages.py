"""Translated messages for the codes of the schedule rules (cadre.rules.schedule).

The rules return codes and params and never translate; views (and CLI
commands) turn them into text here, inside a request or app context with a
locale. Names the rules only know by id (venues, speakers, the other session)
are passed in as mappings by the caller, which has loaded them anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cadre.rules.schedule import FieldError, Problem, ScheduleRuleError

__all__ = ["field_error_message", "holiday_name", "problem_message", "rule_error_message", "shift_leaving_message"]

_HOLIDAYS = {
    "new_years_day": _l("元旦"),
    "spring_festival": _l("春节"),
    "tomb_sweeping_day": _l("清明节"),
    "labour_day": _l("劳动节"),
    "dragon_boat_festival": _l("端午节"),
    "national_day": _l("国庆节"),
    "mid_autumn_festival": _l("中秋节"),
    "anti_fascist_70th_day": _l("抗战胜利70周年纪念日"),
}

_RULE_ERRORS = {
    "series_no_end": _l("请填写重复课程的截止日期。"),
    "series_end_before_start": _l("截止日期不能早于第一次课程的日期。"),
    "series_too_long": _l("重复课程最多 %(max)s 次，按此截止日期将有 %(count)s 次。"),
    "shift_zero": _l("请填写要调整的时间（天数、小时或分钟）。"),
    "shift_unknown_session": _l("找不到要调整的课程。"),
    "bad_minutes_per_credit_hour": _l("每学时的分钟数须为正整数。"),
}


def _iso(day: date | None) -> str:
    return day.isoformat() if day is not None else ""


def holiday_name(key: str | None, fallback: str | None = None) -> str:
    """The translated name of a holiday of cadre.rules.holidays (by its key)."""
    if key in _HOLIDAYS:
        return str(_HOLIDAYS[key])
    return fallback or key or ""


def problem_message(
    problem: Problem,
    *,
    venues: Mapping[int, str] | None = None,
    speakers: Mapping[int, str] | None = None,
    sessions: Mapping[int, str] | None = None,
    format_day: Callable[[date], str] = _iso,
) -> str:
    """One conflict-check problem as a sentence; `venues`/`speakers`/`sessions` map ids to names/titles."""
    p = problem.params

    def name(table: Mapping[int, str] | None, key) -> str:
        return (table or {}).get(key) or f"#{key}"

    other = name(sessions, problem.other_id)
    code = problem.code
    if code == "venue_clash":
        return _("场地冲突：%(venue)s 同一时间已安排「%(other)s」。", venue=name(venues, p["venue_id"]), other=other)
    if code == "speaker_clash":
        return _(
            "授课人冲突：%(speaker)s 同一时间已有课程「%(other)s」。", speaker=name(speakers, p["speaker_id"]), other=other
        )
    if code == "cohort_overlap":
        return _("与本班课程「%(other)s」时间重叠。", other=other)
    if code == "outside_cohort":
        first = format_day(p["first_day"]) if p.get("first_day") else _("未定")
        last = format_day(p["last_day"]) if p.get("last_day") else _("未定")
        return _("%(day)s 不在培训班的日期内（%(first)s 至 %(last)s）。", day=format_day(p["day"]), first=first, last=last)
    if code == "weekend":
        return _("%(day)s 是周末。", day=format_day(p["day"]))
    if code == "holiday":
        return _(
            "%(day)s 是法定节假日（%(holiday)s）。",
            day=format_day(p["day"]),
            holiday=holiday_name(p.get("holiday_key"), p.get("holiday_name")),
        )
    if code == "unknown_calendar_year":
        return _(
            "节假日日历还没有 %(year)s 年的安排（已知 %(first)s–%(last)s 年），无法检查 %(day)s 是否放假或调休。",
            year=p["year"],
            first=p["first_year"],
            last=p["last_year"],
            day=format_day(p["day"]),
        )
    return code


def field_error_message(error: FieldError) -> str:
    """A refused start or end time as a sentence for the field."""
    if error.code == "required":
        return _("请填写开始时间。") if error.field == "starts_at" else _("请填写结束时间。")
    if error.code == "out_of_range":
        return _("时间须在 %(min)s 年至 %(max)s 年之间。", min=error.params["min_year"], max=error.params["max_year"])
    if error.code == "end_not_after_start":
        return _("结束时间须晚于开始时间。")
    if error.code == "too_long":
        return _("一次课程最长 %(hours)s 小时。", hours=error.params["max_hours"])
    return error.code


def rule_error_message(error: ScheduleRuleError) -> str:
    """A refused series, shift or setting as a sentence."""
    template = _RULE_ERRORS.get(error.code)
    if template is None:
        return error.code
    return str(template) % error.params if error.params else str(template)


def shift_leaving_message(count: int) -> str:
    """Asked before a shift that moves sessions outside the cohort's dates is saved."""
    return _("调整后有 %(n)s 次课程不在培训班的日期内。确认后才会保存。", n=count)
