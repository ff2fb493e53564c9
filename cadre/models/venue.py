"""Venues (场地) and speakers (授课人)."""

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cadre.extensions import db


class Venue(db.Model):
    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    address: Mapped[str | None] = mapped_column(String(256))
    capacity: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(Text)
