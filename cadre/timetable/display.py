"""How the timetable pages, the PDF and the feed word things: dates with weekdays, countdowns, labels.

Dates read 5月9日（周五） in Chinese and Fri 9 May in English (with the year when asked).
"""

from __future__ import annotations

from datetime import datetime, timedelta

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
