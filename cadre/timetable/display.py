"""How the timetable pages, the PDF and the feed word things: dates with weekdays, countdowns, labels.

Dates read 5月9日（周五） in Chinese and Fri 9 May in English (with the year when asked).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cadre.enums import SessionKind, Transport
from cadre.labels import label_for

# Labels labels.py may not have yet (the schedule editor adds its own; these are the fallback).
_FALLBACK = {
    SessionKind.OTHER: _l("其他"),
    Transport.BUS: _l("统一乘车"),
    Transport.OWN_WAY: _l("自行前往"),
    Transport.WALK: _l("步行"),
    Transport.PUBLIC: _l("公共交通"),
}


def label(value) -> str:
    """The translated label of a kind or transport (or any enum labels.py knows)."""
    if value is None:
        return ""
    text = label_for(value)
    if text == str(value) and value in _FALLBACK:
        return str(_FALLBACK[value])
    return text


def _is_zh() -> bool:
    return str(get_locale() or "zh").startswith("zh")


def day_label(day: date | datetime | None, with_year: bool = False) -> str:
    """5月9日（周五） / Fri 9 May; with the year: 2025年5月9日（周五） / Fri 9 May 2025."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = day.date()
    if _is_zh():
        return format_date(day, "y年M月d日（EEE）" if with_year else "M月d日（EEE）")
    return format_date(day, "EEE d MMM y" if with_year else "EEE d MMM")


def span_label(first: date | None, last: date | None) -> str:
    """A cohort's dates: 2025年5月9日（周五）至 2025年6月27日（周五）."""
    if first is None and last is None:
        return ""
    if first is None or last is None or first == last:
        return day_label(first or last, with_year=True)
    return _("%(first)s 至 %(last)s", first=day_label(first, True), last=day_label(last, True))


def countdown(now: datetime, starts_at: datetime, ends_at: datetime) -> str:
    """还有2天3小时 / 还有45分钟 / 进行中 (in English: in 2 days 3 hours, ...)."""
    if starts_at <= now < ends_at:
        return _("进行中")
    if now >= ends_at:
        return _("已结束")
    left = starts_at - now
    minutes = int(left / timedelta(minutes=1))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("还有%(days)s天%(hours)s小时", days=days, hours=hours)
    if hours:
        return _("还有%(hours)s小时%(minutes)s分钟", hours=hours, minutes=minutes)
    return _("还有%(minutes)s分钟", minutes=max(minutes, 1))
