"""Dates and times as an office writes them, in both languages: the one helper every page uses.

- a day: 5月9日（周五） / Fri 9 May;
- a date with its year: 2025年5月9日 / 9 May 2025;
- a cohort's dates: 2025年5月9日—6月27日 / 9 May – 27 Jun 2025;
- a time span: 09:00–11:15.

Stored moments (timezone-aware datetimes) are shown in DISPLAY_TIMEZONE.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_date, get_locale


def _is_zh() -> bool:
    return str(get_locale() or "zh").startswith("zh")


def _local(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(ZoneInfo(current_app.config["DISPLAY_TIMEZONE"]))
    return value


def _as_date(value: date | datetime) -> date:
    value = _local(value)
    return value.date() if isinstance(value, datetime) else value


def day_label(value: date | datetime | None, with_year: bool = False) -> str:
    """5月9日（周五） / Fri 9 May; with the year 2025年5月9日（周五） / Fri 9 May 2025."""
    if value is None:
        return ""
    day = _as_date(value)
    if _is_zh():
        return format_date(day, "y年M月d日（EEE）" if with_year else "M月d日（EEE）")
    return format_date(day, "EEE d MMM y" if with_year else "EEE d MMM")


def date_label(value: date | datetime | None) -> str:
    """2025年5月9日 / 9 May 2025."""
    if value is None:
        return ""
    day = _as_date(value)
    return f"{day.year}年{day.month}月{day.day}日" if _is_zh() else format_date(day, "d MMM y")


def date_range(first: date | None, last: date | None) -> str:
    """2025年5月9日—6月27日 / 9 May – 27 Jun 2025 (the year once when both share it)."""
    if first is None and last is None:
        return ""
    if first is None or last is None or first == last:
        return date_label(first or last)
    if first.year != last.year:
        return (
            f"{date_label(first)}—{date_label(last)}"
            if _is_zh()
            else f"{date_label(first)} – {date_label(last)}"
        )
    if _is_zh():
        return f"{date_label(first)}—{last.month}月{last.day}日"
    return f"{format_date(first, 'd MMM')} – {date_label(last)}"


def time_label(value: datetime | None) -> str:
    """09:00 (a stored moment, in local time)."""
    if value is None:
        return ""
    return _local(value).strftime("%H:%M")


def time_span(start: datetime | None, end: datetime | None) -> str:
    """09:00–11:15."""
    if start is None:
        return ""
    if end is None:
        return time_label(start)
    return f"{time_label(start)}–{time_label(end)}"


def moment_label(value: datetime | None) -> str:
    """2025年5月9日 14:30 / 9 May 2025 14:30: a stored moment, in local time."""
    if value is None:
        return ""
    return f"{date_label(value)} {time_label(value)}"


def register(app) -> None:
    app.add_template_filter(moment_label, "moment")
    app.add_template_filter(date_label, "date")
    app.add_template_filter(day_label, "day")
    app.add_template_global(date_range, "date_range")
    app.add_template_global(time_span, "time_span")
    app.add_template_filter(time_label, "clock_time")
