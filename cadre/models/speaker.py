"""Speakers (授课人): reusable records chosen for sessions."""

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cadre.extensions import db


class Speaker(db.Model):
    __tablename__ = "speakers"
    __table_args__ = (UniqueConstraint("name", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    # Title as printed on a timetable, e.g. 教授、博士生导师.
    title: Mapped[str] = mapped_column(String(256), default="")
    # Where the speaker works, e.g. 上海交通大学马克思主义学院.
    affiliation: Mapped[str | None] = mapped_column(String(256))
    phone: Mapped[str | None] = mapped_column(String(32))
    bio: Mapped[str | None] = mapped_column(Text)

    @property
    def label(self) -> str:
        """Name with affiliation and title, as a timetable prints it."""
        detail = "".join(part for part in (self.affiliation, self.title) if part)
        return f"{self.name}（{detail}）" if detail else self.name
