"""The database enforces the business's hard rules (on SQLite and on PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from cadre.extensions import db
from cadre.models import (
    AttendanceRecord,
    AttendanceStatus,
    Certificate,
    Cohort,
    Enrollment,
    LeaveRequest,
    SessionFeedback,
    Trainee,
    TrainingSession,
    User,
    VisitStop,
)
from tests.factories import enroll, make_cohort, make_session, make_trainee, make_trainee_user, make_user

SHANGHAI = timezone(timedelta(hours=8))


def refused(add) -> None:
    """Assert that adding rows through `add` and committing is refused by the database."""
    with pytest.raises(IntegrityError):
        add()
        db.session.commit()
    db.session.rollback()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def certificate(cohort, trainee, serial: str, token: str) -> Certificate:
    return Certificate(
        serial=serial, verification_token=token, cohort=cohort, trainee=trainee, credit_hours=Decimal("20")
    )


def test_one_attendance_record_per_session_and_trainee(app):
    session = make_session(make_cohort())
    trainee = make_trainee()
    db.session.add(AttendanceRecord(session=session, trainee=trainee, status=AttendanceStatus.PRESENT))
    db.session.commit()

    refused(
        lambda: db.session.add(
            AttendanceRecord(session=session, trainee=trainee, status=AttendanceStatus.LATE)
        )
    )
    record = db.session.scalars(select(AttendanceRecord)).one()
    assert record.status == AttendanceStatus.PRESENT


def test_one_enrollment_per_cohort_and_trainee(app):
    cohort, trainee = make_cohort(), make_trainee()
    enroll(cohort, trainee)
    refused(lambda: db.session.add(Enrollment(cohort_id=cohort.id, trainee_id=trainee.id)))
    assert count(Enrollment) == 1


def test_same_trainee_may_enroll_in_two_cohorts(app):
    trainee = make_trainee()
    enroll(make_cohort(), trainee)
    enroll(make_cohort(), trainee)
    assert count(Enrollment) == 2


def test_certificate_serials_are_unique(app):
    cohort = make_cohort()
    first, second = make_trainee(), make_trainee()
    db.session.add(certificate(cohort, first, "QLJL2025-0001", "token-a"))
    db.session.commit()
    refused(lambda: db.session.add(certificate(cohort, second, "QLJL2025-0001", "token-b")))
    assert count(Certificate) == 1


def test_certificate_verification_tokens_are_unique(app):
    cohort = make_cohort()
    db.session.add(certificate(cohort, make_trainee(), "QLJL2025-0001", "same-token"))
    db.session.commit()
    refused(lambda: db.session.add(certificate(cohort, make_trainee(), "QLJL2025-0002", "same-token")))


def test_cohort_codes_are_unique(app):
    make_cohort(code="QLJL2025")
    refused(lambda: db.session.add(Cohort(code="QLJL2025", name="另一个班")))
    assert count(Cohort) == 1


def test_trainee_phones_are_unique(app):
    make_trainee(phone="13812345678")
    refused(lambda: db.session.add(Trainee(name="同号", phone="13812345678")))
    assert count(Trainee) == 1


def test_trainees_without_phone_may_be_many(app):
    make_trainee(phone=None)
    make_trainee(phone=None)
    assert count(Trainee) == 2


def test_usernames_are_unique(app):
    make_user(username="organizer")
    refused(
        lambda: db.session.add(User(username="organizer", display_name="x", password_hash="x", role="admin"))
    )


def test_one_account_per_trainee(app):
    user = make_trainee_user()
    refused(
        lambda: db.session.add(
            User(
                username="second",
                display_name="x",
                password_hash="x",
                role="trainee",
                trainee_id=user.trainee_id,
            )
        )
    )


@pytest.mark.parametrize("length", [timedelta(0), timedelta(minutes=-30)])
def test_session_must_end_after_it_starts(app, length):
    cohort = make_cohort()
    starts = datetime(2025, 5, 9, 9, 0, tzinfo=SHANGHAI)
    refused(
        lambda: db.session.add(
            TrainingSession(
                cohort=cohort, kind="lecture", title="讲座", starts_at=starts, ends_at=starts + length
            )
        )
    )
    assert count(TrainingSession) == 0


def test_session_credit_hours_cannot_be_negative(app):
    cohort = make_cohort()
    refused(lambda: make_session(cohort, credit_hours=Decimal("-1")))


def test_visit_stop_positions_are_unique_within_a_session(app):
    session = make_session(make_cohort(), kind="site_visit")
    db.session.add(VisitStop(session=session, position=1, name="宝山区大场镇党群服务中心"))
    db.session.commit()
    refused(lambda: db.session.add(VisitStop(session=session, position=1, name="慧华苑居民区党群服务站")))


def test_cohort_cannot_end_before_it_starts(app):
    refused(lambda: make_cohort(start_date=date(2025, 6, 1), end_date=date(2025, 5, 1)))


@pytest.mark.parametrize(
    ("column", "value"), [("minutes_per_credit_hour", 0), ("min_attendance_percent", 101)]
)
def test_cohort_completion_settings_are_checked(app, column, value):
    refused(lambda: make_cohort(**{column: value}))


@pytest.mark.parametrize("month", [0, 13])
def test_birth_month_is_a_month(app, month):
    refused(lambda: make_trainee(birth_year=1990, birth_month=month))


@pytest.mark.parametrize("rating", [0, 6])
def test_feedback_rating_is_one_to_five(app, rating):
    session = make_session(make_cohort())
    trainee = make_trainee()
    refused(
        lambda: db.session.add(SessionFeedback(session_id=session.id, trainee_id=trainee.id, rating=rating))
    )


def test_one_feedback_per_session_and_trainee(app):
    session, trainee = make_session(make_cohort()), make_trainee()
    db.session.add(SessionFeedback(session_id=session.id, trainee_id=trainee.id, rating=5))
    db.session.commit()
    refused(lambda: db.session.add(SessionFeedback(session_id=session.id, trainee_id=trainee.id, rating=4)))


def test_naive_datetimes_are_refused(app):
    cohort = make_cohort()
    naive = datetime(2025, 5, 9, 9, 0)
    db.session.add(
        TrainingSession(
            cohort=cohort, kind="lecture", title="讲座", starts_at=naive, ends_at=naive + timedelta(hours=1)
        )
    )
    with pytest.raises(StatementError) as err:
        db.session.commit()
    assert isinstance(err.value.orig, ValueError)
    assert "naive datetime" in str(err.value.orig)
    db.session.rollback()
    assert count(TrainingSession) == 0


def test_datetimes_are_stored_as_utc_and_read_back_aware(app):
    local_start = datetime(2025, 5, 9, 9, 0, tzinfo=SHANGHAI)
    session = make_session(make_cohort(), starts_at=local_start)
    db.session.expire_all()

    stored = db.session.get(TrainingSession, session.id)
    assert stored.starts_at == local_start
    assert stored.starts_at.tzinfo is not None
    assert stored.starts_at.utcoffset() == timedelta(0)
    assert stored.starts_at.hour == 1
    raw = db.session.execute(
        text("SELECT starts_at FROM training_sessions WHERE id = :id"), {"id": session.id}
    ).scalar_one()
    # SQLite returns the stored text, PostgreSQL a naive datetime: both say 01:00 UTC.
    assert str(raw).startswith("2025-05-09 01:00:00")


def test_utc_round_trip_keeps_queries_comparable(app):
    cohort = make_cohort()
    make_session(cohort, starts_at=datetime(2025, 5, 9, 1, 0, tzinfo=UTC))
    later = datetime(2025, 5, 9, 9, 30, tzinfo=SHANGHAI)  # 01:30 UTC
    earlier = datetime(2025, 5, 9, 8, 30, tzinfo=SHANGHAI)  # 00:30 UTC
    assert db.session.scalar(select(func.count()).where(TrainingSession.starts_at < later)) == 1
    assert db.session.scalar(select(func.count()).where(TrainingSession.starts_at < earlier)) == 0


# Each enum column is a VARCHAR with a CHECK constraint; raw SQL cannot slip a bad value in.
ENUM_COLUMNS = [
    ("users", "role"),
    ("trainees", "gender"),
    ("enrollments", "class_role"),
    ("enrollments", "status"),
    ("training_sessions", "kind"),
    ("attendance_records", "status"),
    ("attendance_records", "method"),
    ("leave_requests", "status"),
]


@pytest.fixture
def one_row_per_enum_table(app):
    """A valid row in every table that has an enum column; returns {table: id}."""
    user = make_trainee_user(make_cohort())
    cohort = db.session.scalars(select(Cohort)).one()
    session = make_session(cohort)
    trainee = db.session.get(Trainee, user.trainee_id)
    trainee.gender = "female"
    record = AttendanceRecord(session=session, trainee=trainee, status=AttendanceStatus.PRESENT)
    leave = LeaveRequest(session=session, trainee=trainee, reason="家中有事")
    db.session.add_all([record, leave])
    db.session.commit()
    enrollment = db.session.scalars(select(Enrollment)).one()
    return {
        "users": user.id,
        "trainees": trainee.id,
        "enrollments": enrollment.id,
        "training_sessions": session.id,
        "attendance_records": record.id,
        "leave_requests": leave.id,
    }


@pytest.mark.parametrize(("table", "column"), ENUM_COLUMNS)
def test_enum_columns_refuse_unknown_values_in_raw_sql(one_row_per_enum_table, table, column):
    row_id = one_row_per_enum_table[table]
    statement = text(f"UPDATE {table} SET {column} = :value WHERE id = :id")  # noqa: S608 (fixed names)
    with pytest.raises(IntegrityError):
        db.session.execute(statement, {"value": "bogus", "id": row_id})
        db.session.commit()
    db.session.rollback()


def _model_of(table: str):
    return next(m.class_ for m in db.Model.registry.mappers if m.local_table.name == table)


@pytest.mark.parametrize(("table", "column"), ENUM_COLUMNS)
def test_enum_columns_accept_known_values_in_raw_sql(one_row_per_enum_table, table, column):
    """The control for the test above: every value of the enum goes in and reads back as itself."""
    row_id = one_row_per_enum_table[table]
    model = _model_of(table)
    enum_class = model.__table__.c[column].type.enum_class
    select_sql = text(f"SELECT {column} FROM {table} WHERE id = :id")  # noqa: S608 (fixed names)
    update_sql = text(f"UPDATE {table} SET {column} = :value WHERE id = :id")  # noqa: S608
    for member in reversed(enum_class):  # the row starts with one of the first values
        db.session.execute(update_sql, {"value": member.value, "id": row_id})
        db.session.commit()
        assert db.session.execute(select_sql, {"id": row_id}).scalar_one() == member.value
        db.session.expire_all()
        assert getattr(db.session.get(model, row_id), column) is member


def test_bad_role_is_refused_by_a_raw_insert(app):
    insert = text(
        "INSERT INTO users (username, display_name, password_hash, role, is_active_account,"
        " must_change_password, created_at) VALUES (:u, 'x', 'x', :role, :t, :f, :now)"
    )
    params = {"t": True, "f": False, "now": datetime(2025, 1, 1)}
    db.session.execute(insert, {"u": "good", "role": "organizer", **params})
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(insert, {"u": "bad", "role": "superuser", **params})
        db.session.commit()
    db.session.rollback()
    assert db.session.scalars(select(User.username)).all() == ["good"]


def test_the_orm_refuses_unknown_enum_values_before_the_database(app):
    db.session.add(User(username="x", display_name="x", password_hash="x", role="superuser"))
    with pytest.raises(StatementError):
        db.session.commit()
    db.session.rollback()


def test_foreign_keys_are_enforced(app):
    if db.engine.dialect.name == "sqlite":
        # SQLite ignores foreign keys unless each connection switches them on.
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    refused(lambda: db.session.add(Enrollment(cohort_id=987654, trainee_id=987654)))
    assert count(Enrollment) == 0


def test_deleting_a_cohort_deletes_its_enrollments_and_sessions(app):
    cohort = make_cohort()
    enroll(cohort, make_trainee())
    make_session(cohort)
    # Through SQL, not the ORM cascade: the database's ON DELETE CASCADE does it.
    db.session.execute(text("DELETE FROM cohorts WHERE id = :id"), {"id": cohort.id})
    db.session.commit()
    assert count(Enrollment) == 0
    assert count(TrainingSession) == 0
    assert count(Trainee) == 1


def test_a_trainee_with_a_certificate_cannot_be_deleted(app):
    cohort, trainee = make_cohort(), make_trainee()
    db.session.add(certificate(cohort, trainee, "C-0001", "tok"))
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(text("DELETE FROM trainees WHERE id = :id"), {"id": trainee.id})
        db.session.commit()
    db.session.rollback()
    assert count(Trainee) == 1
