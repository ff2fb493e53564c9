"""Attack / bad input: the code of a cancelled session typed on the code page.

The QR path says the session is cancelled; the typed code said "签到码无效", so the trainee
typed it again and again (each wrong code now uses up the day's budget of wrong codes).
"""

from __future__ import annotations

from datetime import timedelta

from cadre.extensions import db
from cadre.models import AttendanceRecord, Role
from cadre.models.types import utcnow
from cadre.rules.signin_tokens import make_code
from tests.factories import login, make_cohort, make_session, make_trainee_user, make_user

KEY = "test-secret"


def test_typed_code_of_a_cancelled_session_says_cancelled_and_writes_nothing(client, app):
    cohort = make_cohort(organizers=[make_user(Role.ORGANIZER, username="teacher")])
    session = make_session(cohort, starts_at=utcnow() - timedelta(minutes=5))
    user = make_trainee_user(cohort)
    session.cancelled_at = utcnow()
    db.session.commit()
    login(client, user.username)
    response = client.post("/signin/code", data={"code": make_code(KEY, session.id, utcnow())})
    body = response.get_data(as_text=True)
    assert "已取消" in body and "签到码无效" not in body
    assert db.session.query(AttendanceRecord).filter_by(session_id=session.id).count() == 0
