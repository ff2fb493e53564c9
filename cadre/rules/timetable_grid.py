"""Laying sessions out for the timetable pages: by local day, Monday-based week grids, the next one.

Pure functions; anything with a ``starts_at`` (a row or a value) can be laid out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from cadre.rules.schedule import (
    CohortDates,
    _aware,
    local_date,
)

T = TypeVar("T")


def _starts(item: Any) -> datetime:
    return item.starts_at


def group_by_local_date(
    items: Iterable[T], key: Callable[[T], datetime] = _starts
) -> list[tuple[date, list[T]]]:
    """Items (anything with ``starts_at``, or a `key`) grouped by local date, days and items in time order."""
    days: dict[date, list[T]] = {}
    for item in sorted(items, key=key):
        days.setdefault(local_date(key(item)), []).append(item)
    return sorted(days.items())


@dataclass(frozen=True)
class Day:
    day: date
    in_cohort: bool  # within the cohort's first and last day
    items: tuple

    @property
    def is_weekend(self) -> bool:
        return self.day.weekday() >= 5


@dataclass(frozen=True)
class Week:
    monday: date
    days: tuple[Day, ...]  # Monday … Sunday


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_grid(
    start_date: date | None,
    end_date: date | None,
    items: Iterable[T] = (),
    key: Callable[[T], datetime] = _starts,
) -> list[Week]:
    """Monday-based weeks × 7 days covering the cohort's dates, with each day's items in time order.

    The grid also stretches to cover any item outside the cohort's dates (so an
    organizer sees a stray session, not loses it); with neither dates nor
    items it is empty. A missing start or end is taken from the items.
    """
    by_day = dict(group_by_local_date(items, key))
    bounds = [d for d in (start_date, end_date) if d is not None] + list(by_day)
    if not bounds:
        return []
    first, last = _monday(min(bounds)), max(bounds)
    cohort = CohortDates(None, start_date, end_date)
    weeks = []
    monday = first
    while monday <= last:
        days = tuple(
            Day(d, cohort.contains(d), tuple(by_day.get(d, ())))
            for d in (monday + timedelta(days=n) for n in range(7))
        )
        weeks.append(Week(monday, days))
        monday += timedelta(days=7)
    return weeks


def next_session(items: Iterable[T], now: datetime, key: Callable[[T], datetime] = _starts) -> T | None:
    """The session a trainee should look at now: the one under way, else the next to start.

    Items need ``starts_at``, ``ends_at`` and (optionally) ``cancelled``;
    cancelled ones are skipped. None when nothing is left.
    """
    _aware(now)
    upcoming = [i for i in items if not getattr(i, "cancelled", False) and i.ends_at > now]
    return min(upcoming, key=key, default=None)
