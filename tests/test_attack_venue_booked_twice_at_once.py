"""Moving or restoring a session into a slot while another organizer books the venue: one booking.

Found by attacking main on PostgreSQL: creating and editing a session held the venue's and
speakers' rows while checking for clashes, but shifting a session and restoring a cancelled
one did not, so a shift (or restore) and a new booking of the same hall at the same moment
both passed the check and the hall was booked twice. Real threads, one connection each.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from cadre.extensions import db
from cadre.models import Role, TrainingSession, Venue
from cadre.models.types import utcnow
from tests.factories import login, make_cohort, make_session, make_user
from tests.race_support import at_the_same_moment, organizers_of_one_cohort

MORNING = datetime(2025, 5, 12, 1, 0, tzinfo=UTC)  # Mon 12 May 09:00 in Shanghai
AFTERNOON = datetime(2025, 5, 12, 6, 0, tzinfo=UTC)  # 14:00


def _bookings_in_the_afternoon(venue_id: int) -> int:
    db.session.rollback()  # SQLite WAL: read what is committed now
    return db.session.scalar(
        select(func.count(TrainingSession.id)).where(
            TrainingSession.venue_id == venue_id,
            TrainingSession.starts_at == AFTERNOON,
            TrainingSession.cancelled_at.is_(None),
        )
    )


@pytest.mark.parametrize("move", ["shift", "restore"])
def test_a_moved_session_and_a_new_booking_of_one_hall_at_once_book_it_once(file_app, move):
    cohort, (first, _second) = organizers_of_one_cohort(file_app)
    # The hall is booked for another cohort, by an organizer who manages only that one.
    other = make_cohort(organizers=[make_user(Role.ORGANIZER)])
    second = file_app.test_client()
    login(second, other.organizers[0].username)
    hall = Venue(name="街道党群服务中心")
    db.session.add(hall)
    db.session.commit()
    if move == "shift":
        moving = make_session(cohort, title="上午的课", starts_at=MORNING, venue=hall)
        url, data = f"/sessions/{moving.id}/shift", {"days": "0", "hours": "5", "minutes": "0"}
    else:
        moving = make_session(
            cohort,
            title="取消的课",
            starts_at=AFTERNOON,
            venue=hall,
            cancelled_at=utcnow(),
            cancel_reason="改期",
        )
        url, data = f"/sessions/{moving.id}/restore", {}
    new = {
        "title": "新排的课",
        "kind": "lecture",
        "day": "2025-05-12",
        "start_time": "14:00",
        "end_time": "16:00",
        "venue_id": str(hall.id),
        "venue_name": hall.name,
        "sign_in_opens_minutes": "30",
        "late_after_minutes": "10",
        "is_required": "y",
    }
    hall_id = hall.id

    at_the_same_moment(
        file_app,
        lambda: first.post(url, data=data).status_code,
        lambda: second.post(f"/cohorts/{other.id}/schedule/new", data=new).status_code,
    )

    assert _bookings_in_the_afternoon(hall_id) == 1
