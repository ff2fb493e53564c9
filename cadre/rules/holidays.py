"""The Chinese working-day calendar: weekends, public holidays and adjusted working days (调休).

Pure: reads the State Council's yearly holiday notices as carried by the
`chinese-calendar` package (import name ``chinese_calendar``), which is updated
each year when the notice for the next year appears. Nothing here is typed in
by hand.

A date is one of:

- ``workday``: Monday to Friday and no public holiday;
- ``adjusted_workday``: a Saturday or Sunday that is a working day because of
  调休 (e.g. Sunday 2025-04-27 before 劳动节, Sunday 2025-09-28 and
  Saturday 2025-10-11 around 国庆节);
- ``weekend``: Saturday or Sunday, no holiday;
- ``holiday``: a day off of a public holiday, including the weekend days and
  the swapped days inside the holiday (2025-05-01..05 劳动节, 2025-10-01..08
  国庆节+中秋);
- ``unknown``: a year the package has no notice for (the UI says so rather
  than guessing).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from chinese_calendar import constants as _cc

__all__ = ["DayKind", "DayStatus", "day_status", "known_years", "is_known_year"]


class DayKind(enum.StrEnum):
    WORKDAY = "workday"
    ADJUSTED_WORKDAY = "adjusted_workday"  # 调休上班
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class DayStatus:
    """What kind of day a date is; for holidays (and 调休 days) which holiday it belongs to."""

    day: date
    kind: DayKind
    holiday_key: str | None = None  # e.g. "labour_day", "national_day"
    holiday_name: str | None = None  # Chinese name, e.g. "劳动节"

    @property
    def is_workday(self) -> bool | None:
        """True on working days (adjusted ones included), False on days off, None when unknown."""
        if self.kind is DayKind.UNKNOWN:
            return None
        return self.kind in (DayKind.WORKDAY, DayKind.ADJUSTED_WORKDAY)


_BY_ENGLISH = {h.value: h for h in _cc.Holiday}


def known_years() -> range:
    """The years the installed calendar package has holiday notices for (inclusive range)."""
    years = [d.year for d in _cc.holidays]
    return range(min(years), max(years) + 1)


def is_known_year(year: int) -> bool:
    return year in known_years()


def day_status(day: date) -> DayStatus:
    """Classify one local date (see the module docstring)."""
    if not is_known_year(day.year):
        return DayStatus(day, DayKind.UNKNOWN)
    english = _cc.workdays.get(day) or _cc.holidays.get(day)
    holiday = _BY_ENGLISH.get(english) if english else None
    key = holiday.name if holiday else None
    name = holiday.chinese if holiday else None
    weekend = day.weekday() >= 5
    if day in _cc.workdays:
        return DayStatus(day, DayKind.ADJUSTED_WORKDAY if weekend else DayKind.WORKDAY, key, name)
    if day in _cc.holidays:
        return DayStatus(day, DayKind.HOLIDAY, key, name)
    return DayStatus(day, DayKind.WEEKEND if weekend else DayKind.WORKDAY)
