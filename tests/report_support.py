"""Shared by the course report tests: the 青蓝接力 demo cohort, loaded into the test database."""

from __future__ import annotations

from sqlalchemy import select

from cadre.extensions import db
from cadre.models import Cohort, Role, User


def load_demo_cohort(trainees: int = 29) -> Cohort:
    from cadre.demo import load_demo

    load_demo("demo-pass-2025", trainees=trainees)
    return db.session.scalar(select(Cohort).where(Cohort.code == "QLJL2025"))


def demo_organizer() -> User:
    return db.session.scalar(select(User).where(User.username == "organizer", User.role == Role.ORGANIZER))
