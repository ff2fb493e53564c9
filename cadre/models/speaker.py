"""Speakers (授课人)."""

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cadre.extensions import db


class Speaker(db.Model):
    __tablename__ = "speakers"
    __table_args__ = (UniqueConstraint("name", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # Title and affiliation as printed on a timetable, e.g. 上海交通大学马克思主义学院教授.
    title: Mapped[str] = mapped_column(String(256), default="")
    bio: Mapped[str | None] = mapped_column(Text)
