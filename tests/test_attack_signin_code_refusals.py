"""Attack / bad input: a genuine code typed on the code page by someone who may not sign in.

The QR path says why (cancelled, withdrawn, not open yet, closed); the typed code said
"签到码无效" for a cancelled session or a withdrawn trainee, so they typed it again and again
(and each wrong code uses up the day's budget of wrong codes).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from cadre.enums import EnrollmentStatus
from cadre.extensions import db
from cadre.models import AttendanceRecord, Enrollment, Role
from cadre.models.types import utcnow
from cadre.rules.signin_tokens import make_code
from tests.factories import login, make_cohort, make_session, make_trainee_user, make_user

KEY = "test-secret"


@pytest.mark.parametrize(
    ("case", "says"),
    [
        ("cancelled", "已取消"),
        ("withdrawn", "已不在训"),
        ("not_open", "签到尚未开始"),
        ("closed", "签到已于"),
    ],
)
def test_a_genuine_code_says_why_it_cannot_sign_in_and_writes_nothing(client, app, case, says):
    cohort = make_cohort(organizers=[make_user(Role.ORGANIZER, username="teacher")])
    starts = {"not_open": timedelta(hours=2), "closed": -timedelta(minutes=150)}.get(
        case, -timedelta(minutes=5)
    )
    session = make_session(cohort, starts_at=utcnow() + starts)
    user = make_trainee_user(cohort)
    if case == "cancelled":
        session.cancelled_at = utcnow()
    if case == "withdrawn":
        db.session.query(Enrollment).filter_by(
            trainee_id=user.trainee_id
        ).one().status = EnrollmentStatus.WITHDRAWN
    db.session.commit()
    login(client, user.username)
    response = client.post("/signin/code", data={"code": make_code(KEY, session.id, utcnow())})
    body = response.get_data(as_text=True)
    assert says in body and "签到码无效" not in body
    assert db.session.query(AttendanceRecord).filter_by(session_id=session.id).count() == 0
