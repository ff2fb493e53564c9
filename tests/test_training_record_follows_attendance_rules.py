"""The training record (培训档案) and the attendance statistics give the same hours and rate:
both come from cadre.rules.attendance/completion (left early pro rata, approved leave excused,
a cancelled session counts for nobody, a held session with nothing recorded is absent)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from cadre.attendance.stats import cohort_attendance
from cadre.enums import AttendanceStatus, LeaveStatus
from cadre.extensions import db
from cadre.models import AttendanceRecord, LeaveRequest
from cadre.models.types import utcnow
from cadre.trainees.record import training_record
from tests.factories import make_cohort, make_session, make_trainee_user

PAST = datetime(2025, 5, 9, 1, 0, tzinfo=UTC)


def test_record_agrees_with_the_rules_and_the_statistics(app):
    cohort = make_cohort()
    trainee = make_trainee_user(cohort).trainee
    day = timedelta(days=1)
    present = make_session(cohort, starts_at=PAST, credit_hours=Decimal("2"))
    left = make_session(cohort, starts_at=PAST + day, credit_hours=Decimal("3"))
    excused = make_session(cohort, starts_at=PAST + 2 * day, credit_hours=Decimal("2"))
    make_session(cohort, starts_at=PAST + 3 * day, credit_hours=Decimal("1"))  # nothing recorded
    make_session(cohort, starts_at=PAST + 4 * day, cancelled_at=PAST, cancel_reason="台风")
    make_session(cohort, starts_at=utcnow() + 10 * day, credit_hours=Decimal("2"))  # coming
    db.session.add_all(
        [
            AttendanceRecord(session=present, trainee=trainee, status=AttendanceStatus.PRESENT),
            # Sat 1 hour 30 of 2 hours: 3 × 0.75 = 2.25, rounded down to half hours = 2.
            AttendanceRecord(
                session=left,
                trainee=trainee,
                status=AttendanceStatus.LEFT_EARLY,
                signed_in_at=left.starts_at,
                signed_out_at=left.starts_at + timedelta(minutes=90),
            ),
            LeaveRequest(session=excused, trainee=trainee, reason="生病", status=LeaveStatus.APPROVED),
        ]
    )
    db.session.commit()

    (row,) = training_record(trainee)
    tally = row.tally
    assert (tally.earned, tally.due, tally.planned) == (Decimal(4), Decimal(8), Decimal(10))
    assert (tally.sessions_due, tally.sessions_planned) == (4, 5)  # the cancelled one is not planned
    assert tally.counts["left_early"] == 1 and tally.counts["excused"] == 1  # leave, no record
    assert tally.counts["unrecorded"] == 1 and tally.counts["absent"] == 0
    assert tally.percent == Decimal("50.0")  # present + left early of 4 held

    stats = cohort_attendance(cohort, utcnow()).per_trainee[trainee.id]
    assert stats.hours_earned == tally.earned and stats.hours_held == tally.due
    assert stats.attendance_percent == tally.percent
