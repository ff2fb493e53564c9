"""Attack that held, kept as a regression test: a double tap (or two phones) on 签退 at once.

Exactly one sign-out, with the first time and one audit event; the other tap is told it
already signed out; no error page. Real threads on a SQLite file or PostgreSQL (file_app).
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from cadre.extensions import db
from cadre.models import AttendanceRecord, AuditEvent, Role
from cadre.models.types import utcnow
from cadre.rules.signin_tokens import make_token
from tests.factories import login, make_cohort, make_session, make_trainee_user, make_user
from tests.race_support import at_the_same_moment


def _ticket(client, token):
    page = client.get(f"/s/{token}")
    assert page.status_code == 200, page.get_data(as_text=True)
    return re.search(r'name="ticket" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_two_sign_outs_racing_leave_one_sign_out_and_one_audit_event(file_app):
    key = file_app.config["SECRET_KEY"]
    cohort = make_cohort(organizers=[make_user(Role.ORGANIZER)])
    session = make_session(
        cohort,
        starts_at=utcnow() - timedelta(minutes=110),
        ends_at=utcnow() + timedelta(minutes=10),
        sign_out_required=True,
        late_after_minutes=200,
    )
    session_id, user = session.id, make_trainee_user(cohort)
    phone = file_app.test_client()
    login(phone, user.username)
    sign_in = make_token(key, session_id, utcnow())
    assert "签到成功" in phone.post(f"/s/{sign_in}", data={"ticket": _ticket(phone, sign_in)}).get_data(
        as_text=True
    )
    sign_out = make_token(key, session_id, utcnow(), purpose="out")
    tickets = [_ticket(phone, sign_out), _ticket(phone, sign_out)]

    def tap(ticket):
        def post():
            response = phone.post(f"/s/{sign_out}", data={"ticket": ticket})
            return response.status_code, response.get_data(as_text=True)

        return post

    outcomes = at_the_same_moment(file_app, *(tap(t) for t in tickets))

    assert sorted(status for status, _ in outcomes) == [200, 400], outcomes
    bodies = "".join(body for _, body in outcomes)
    assert bodies.count("签退成功") == 1 and "您已于" in bodies
    db.session.rollback()
    [record] = db.session.scalars(select(AttendanceRecord).where(AttendanceRecord.session_id == session_id))
    assert record.signed_out_at is not None
    assert db.session.query(AuditEvent).filter_by(action="attendance.signed_out").count() == 1
