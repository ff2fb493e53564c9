"""A finished cohort whose trainees did or did not complete, for the certificate tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from cadre.extensions import db
from cadre.models import AttendanceRecord, AttendanceStatus, Cohort, Role, Trainee, User
from tests.factories import enroll, make_cohort, make_session, make_trainee, make_user


@dataclass
class Finished:
    cohort: Cohort
    organizer: User
    completed: list[Trainee]
    absent: list[Trainee]


def finished_cohort(completed=("张晓明", "李娜", "欧阳建国"), absent=("王缺课",), **kw) -> Finished:
    """A cohort of two sessions in 2025 (long over): `completed` attended both, `absent` neither."""
    organizer = kw.pop("organizer", None) or make_user(Role.ORGANIZER)
    kw.setdefault("name", "天目西路街道“青蓝接力”后备干部培训班")
    cohort = make_cohort(organizers=[organizer], **kw)
    sessions = [
        make_session(cohort, title="开班仪式", starts_at=datetime(2025, 5, 9, 1, 0, tzinfo=UTC)),
        make_session(cohort, title="专题讲座", starts_at=datetime(2025, 5, 16, 1, 0, tzinfo=UTC)),
    ]
    done = [make_trainee(name=n) for n in completed]
    missing = [make_trainee(name=n) for n in absent]
    for t in done + missing:
        enroll(cohort, t, group="第一组")
    for t in done:
        for s in sessions:
            db.session.add(AttendanceRecord(session=s, trainee=t, status=AttendanceStatus.PRESENT))
    db.session.commit()
    return Finished(cohort, organizer, done, missing)
