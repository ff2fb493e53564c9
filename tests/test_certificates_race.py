"""Two organizers issuing at the same moment: no serial given twice, none skipped (real threads).

Runs on a SQLite file (BEGIN IMMEDIATE) and, with TEST_DATABASE_URL, on PostgreSQL, where the
cohort's row lock (lock_cohort) is what makes the second wait: without it both read next_seq=1.
"""

from __future__ import annotations

from sqlalchemy import select

from cadre.certificates import services
from cadre.extensions import db
from cadre.models import Certificate, Cohort
from cadre.services import writing
from tests.certificate_support import finished_cohort
from tests.race_support import at_the_same_moment


def _issue_all(cohort_id: int):
    def call():
        cohort = db.session.get(Cohort, cohort_id)
        with writing():
            return [c.seq for c in services.issue_eligible(cohort)]

    return call


def _issue_one(cohort_id: int, trainee_id: int):
    def call():
        cohort = db.session.get(Cohort, cohort_id)
        with writing():
            return [services.issue_one(cohort, trainee_id).seq]

    return call


def _certificates(cohort_id: int) -> list[tuple[int, int]]:
    db.session.commit()  # a new snapshot: a SQLite reader keeps the one it began with
    return [
        (c.seq, c.trainee_id)
        for c in db.session.scalars(select(Certificate).where(Certificate.cohort_id == cohort_id))
    ]


def test_two_batch_issues_at_once_give_each_trainee_one_certificate_numbered_without_gaps(file_app):
    f = finished_cohort(completed=[f"学员{i:02d}" for i in range(12)], absent=())
    outcomes = at_the_same_moment(file_app, _issue_all(f.cohort.id), _issue_all(f.cohort.id))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(len(o) for o in outcomes) == [0, 12]  # the second found everyone served
    rows = _certificates(f.cohort.id)
    assert sorted(seq for seq, _ in rows) == list(range(1, 13))
    assert len({tid for _, tid in rows}) == 12


def test_two_single_issues_at_once_take_consecutive_numbers(file_app):
    f = finished_cohort(completed=("甲", "乙"), absent=())
    with writing():  # the settings row exists already: the race is on next_seq itself
        services.settings_for(f.cohort, fresh=True)
    a, b = f.completed
    outcomes = at_the_same_moment(file_app, _issue_one(f.cohort.id, a.id), _issue_one(f.cohort.id, b.id))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sorted(seq for o in outcomes for seq in o) == [1, 2]
    assert sorted(seq for seq, _ in _certificates(f.cohort.id)) == [1, 2]
