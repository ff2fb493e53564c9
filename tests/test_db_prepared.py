"""cadre.db_util.Prepared: statements run on the DBAPI cursor read and write what the ORM does.

The sign-in path runs its statements this way; a value stored or read differently (a
time as text, a status as the wrong string, hours as float) would be a wrong record.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import bindparam, event, select, text
from sqlalchemy.exc import IntegrityError

from cadre.db_util import Prepared
from cadre.enums import AttendanceStatus, SignInMethod
from cadre.extensions import db
from cadre.models import AttendanceRecord, AuditEvent, Role, TrainingSession
from cadre.models.types import utcnow
from tests.factories import make_cohort, make_session, make_trainee, make_user

_sessions = TrainingSession.__table__
_SESSION = Prepared(
    select(_sessions.c.id, _sessions.c.title, _sessions.c.starts_at, _sessions.c.credit_hours).where(
        _sessions.c.id == bindparam("session")
    )
)
_records = AttendanceRecord.__table__
_RECORD_KEYS = (
    "session_id", "trainee_id", "status", "signed_in_at", "method", "corrected", "created_at", "updated_at"
)  # fmt: skip
_INSERT_RECORD = Prepared(_records.insert(), column_keys=_RECORD_KEYS)


@pytest.fixture
def session_row(app):
    cohort = make_cohort(organizers=[make_user(Role.ORGANIZER)])
    return make_session(cohort, starts_at=utcnow().replace(microsecond=123456), title="基层治理专题讲座")


def test_a_row_reads_as_the_orm_reads_it(session_row):
    row = _SESSION.first({"session": session_row.id})
    assert row.id == session_row.id
    assert row.title == "基层治理专题讲座"
    assert row.starts_at == session_row.starts_at  # an aware UTC time, microseconds kept
    assert row.starts_at.utcoffset() == timedelta(0)
    assert isinstance(row.credit_hours, Decimal) and row.credit_hours == session_row.credit_hours
    assert _SESSION.first({"session": session_row.id + 1000}) is None


def test_a_row_written_reads_back_through_the_orm(session_row):
    trainee = make_trainee()
    at = utcnow()
    values = {
        "session_id": session_row.id,
        "trainee_id": trainee.id,
        "status": AttendanceStatus.LATE,
        "signed_in_at": at,
        "method": SignInMethod.QR,
        "corrected": False,
        "created_at": at,
        "updated_at": at,
    }
    _INSERT_RECORD.execute(values)
    db.session.commit()
    db.session.expire_all()
    record = db.session.scalars(
        select(AttendanceRecord).where(AttendanceRecord.trainee_id == trainee.id)
    ).one()
    assert record.status == AttendanceStatus.LATE
    assert record.method == SignInMethod.QR
    assert record.signed_in_at == at


def test_json_and_none_are_stored_as_the_orm_stores_them(session_row):
    columns = ("action", "object_type", "object_id", "cohort_id", "actor_id", "before", "after", "ip", "at")
    insert = Prepared(AuditEvent.__table__.insert(), column_keys=columns)
    values = dict.fromkeys(columns)
    values.update(action="test.prepared", object_type="x", after={"名": "王芳", "n": 1}, at=utcnow())
    insert.execute(values)
    db.session.commit()
    event_row = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "test.prepared")).one()
    assert event_row.after == {"名": "王芳", "n": 1}
    assert event_row.before is None and event_row.actor_id is None


def test_a_driver_error_is_raised_as_sqlalchemys_and_the_transaction_can_roll_back(session_row):
    trainee = make_trainee()
    at = utcnow()
    values = dict(
        session_id=session_row.id,
        trainee_id=trainee.id,
        status=AttendanceStatus.PRESENT,
        signed_in_at=at,
        method=SignInMethod.QR,
        corrected=False,
        created_at=at,
        updated_at=at,
    )
    _INSERT_RECORD.execute(values)
    with pytest.raises(IntegrityError):  # one record per session and trainee
        _INSERT_RECORD.execute(values)
    db.session.rollback()
    assert (
        db.session.scalar(select(AttendanceRecord.id).where(AttendanceRecord.trainee_id == trainee.id))
        is None
    )


def test_the_engines_listeners_see_the_statement(session_row):
    seen = []

    def before(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        _SESSION.first({"session": session_row.id})
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    assert any("training_sessions" in statement for statement in seen)


def test_a_text_statement_returns_plain_tuples(session_row):
    count = Prepared(text("SELECT count(*) FROM training_sessions WHERE id = :session"))
    assert count.scalar({"session": session_row.id}) == 1
    assert count.first({"session": session_row.id}) == (1,)


def test_an_insert_missing_a_defaulted_column_is_refused_before_it_runs(session_row):
    # The ORM's executor, which fills column defaults, is bypassed: a forgotten one must not become NULL.
    incomplete = Prepared(_records.insert(), column_keys=("session_id", "trainee_id", "status"))
    with pytest.raises(ValueError, match="corrected"):
        incomplete.execute({"session_id": session_row.id, "trainee_id": 1, "status": "present"})
