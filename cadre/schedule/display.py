"""How the schedule pages write days and times: 5月9日（周五） in Chinese, Fri 9 May in English."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_date, get_locale

from cadre.rules.schedule import LOCAL_TZ


def day_label(day: date | None, *, with_year: bool = False) -> str:
    """A local date as offices write it: 5月9日（周五）, or 2025年5月9日（周五） with the year."""
    if day is None:
        return ""
    if str(get_locale() or "zh").startswith("zh"):
        pattern = "y年M月d日（EEE）" if with_year else "M月d日（EEE）"
    else:
        pattern = "EEE d MMM y" if with_year else "EEE d MMM"
    return format_date(day, pattern)


def local(value: datetime | None) -> datetime | None:
    return value.astimezone(LOCAL_TZ) if value is not None else None


def clock(value: datetime | None) -> str:
    """09:00 in Shanghai."""
    return value.astimezone(LOCAL_TZ).strftime("%H:%M") if value is not None else ""
