"""Column types shared by the models."""

from datetime import UTC, date, datetime

from sqlalchemy import DateTime, String
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """A moment in time, stored as naive UTC and returned timezone-aware.

    SQLite has no time zones; storing UTC everywhere keeps SQLite and PostgreSQL
    rows identical and comparisons unambiguous. Naive input is refused.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: give a timezone-aware value")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_today() -> date:
    """Today's date where the office is (DISPLAY_TIMEZONE, Asia/Shanghai by default)."""
    from zoneinfo import ZoneInfo

    from flask import current_app, has_app_context

    zone = "Asia/Shanghai"
    if has_app_context():
        zone = current_app.config.get("DISPLAY_TIMEZONE", zone)
    return utcnow().astimezone(ZoneInfo(zone)).date()


def enum_column(enum_cls, name: str, length: int = 20):
    """A portable enum: a VARCHAR with a named CHECK constraint, on both databases."""
    from sqlalchemy import Enum

    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


__all__ = ["UTCDateTime", "utcnow", "enum_column", "String"]
