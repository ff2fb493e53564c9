"""Shared by the attendance tests: status letters, Shanghai wall-clock times, records of a session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from cadre.enums import AttendanceStatus
from cadre.extensions import db
from cadre.models import AttendanceRecord
from cadre.rules.schedule import LOCAL_TZ

P, L, E, X, A = (
    AttendanceStatus.PRESENT,
    AttendanceStatus.LATE,
    AttendanceStatus.LEFT_EARLY,
    AttendanceStatus.EXCUSED,
    AttendanceStatus.ABSENT,
)


def at(text: str) -> datetime:
    """A Shanghai wall-clock time: at("2025-05-09 09:00:30")."""
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)


def records_by_trainee(session_id: int) -> dict[int, AttendanceRecord]:
    """The session's attendance records as stored now, by trainee id."""
    db.session.expire_all()
    rows = db.session.scalars(select(AttendanceRecord).where(AttendanceRecord.session_id == session_id))
    return {r.trainee_id: r for r in rows}
