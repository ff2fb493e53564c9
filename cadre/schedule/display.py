"""How the schedule pages write days and times: 5月9日（周五） in Chinese, Fri 9 May in English."""

from __future__ import annotations

from datetime import datetime

from cadre.rules.schedule import LOCAL_TZ


def local(value: datetime | None) -> datetime | None:
    return value.astimezone(LOCAL_TZ) if value is not None else None


def clock(value: datetime | None) -> str:
    """09:00 in Shanghai."""
    return value.astimezone(LOCAL_TZ).strftime("%H:%M") if value is not None else ""
