"""Small factories for test data: defaults for everything, **kwargs to override."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from cadre.extensions import db
from cadre.models import (
    ClassRole,
    Cohort,
    Enrollment,
    Role,
    SessionKind,
    SessionSpeaker,
    Trainee,
    TrainingSession,
    User,
)

PASSWORD = "correct-horse-9"
_seq = itertools.count(1)


def make_user(role: Role = Role.ORGANIZER, password: str = PASSWORD, **kw) -> User:
    n = next(_seq)
    kw.setdefault("username", f"user{n}")
    kw.setdefault("display_name", f"用户{n}")
    user = User(role=role, **kw)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def make_cohort(organizers: list[User] | None = None, **kw) -> Cohort:
    n = next(_seq)
    kw.setdefault("code", f"C{n:04d}")
    kw.setdefault("name", f"测试培训班{n}")
    kw.setdefault("organizing_unit", "天目西路街道党建办")
    kw.setdefault("start_date", date(2025, 5, 9))
    kw.setdefault("end_date", date(2025, 6, 27))
    cohort = Cohort(**kw)
    cohort.organizers = list(organizers or [])
    db.session.add(cohort)
    db.session.commit()
    return cohort


def make_trainee(**kw) -> Trainee:
    n = next(_seq)
    kw.setdefault("name", f"学员{n}")
    kw.setdefault("phone", f"139{n:08d}")
    trainee = Trainee(**kw)
    db.session.add(trainee)
    db.session.commit()
    return trainee


def enroll(cohort: Cohort, trainee: Trainee, **kw) -> Enrollment:
    kw.setdefault("class_role", ClassRole.MEMBER)
    enrollment = Enrollment(cohort=cohort, trainee=trainee, **kw)
    db.session.add(enrollment)
    db.session.commit()
    return enrollment


def make_trainee_user(cohort: Cohort | None = None, **kw) -> User:
    """A trainee with a login, enrolled in cohort when given."""
    trainee = make_trainee(**{k: v for k, v in kw.items() if k in ("name", "phone")})
    if cohort is not None:
        enroll(cohort, trainee, **{k: v for k, v in kw.items() if k in ("group", "class_role")})
    return make_user(
        role=Role.TRAINEE, username=trainee.phone, display_name=trainee.name, trainee_id=trainee.id
    )


def make_session(cohort: Cohort, **kw) -> TrainingSession:
    starts = kw.pop("starts_at", datetime(2025, 5, 9, 1, 0, tzinfo=UTC))
    kw.setdefault("ends_at", starts + timedelta(hours=2))
    kw.setdefault("kind", SessionKind.LECTURE)
    kw.setdefault("title", "专题讲座")
    kw.setdefault("credit_hours", Decimal("2"))
    speakers = kw.pop("speakers", [kw.pop("speaker")] if kw.get("speaker") else [])
    kw.pop("speaker", None)
    session = TrainingSession(cohort=cohort, starts_at=starts, **kw)
    session.speaker_links = [SessionSpeaker(speaker=sp, position=i) for i, sp in enumerate(speakers)]
    db.session.add(session)
    db.session.commit()
    return session


def login(client, username: str, password: str = PASSWORD, follow_redirects: bool = True):
    return client.post(
        "/auth/login",
        data={"username": username, "password": password},
        follow_redirects=follow_redirects,
    )
