"""Attack: signing in to a session of an archived cohort (archived = read-only attendance).

Roll call, leave and corrections already refuse an archived cohort; the QR page and the
typed code must too, or a trainee (or a relayed token) rewrites a closed course's record.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from cadre.extensions import db
from cadre.models import AttendanceRecord, Role, SignInDevice
from cadre.models.types import utcnow
from cadre.rules.signin_tokens import make_code, make_token
from tests.factories import login, make_cohort, make_session, make_trainee_user, make_user

KEY = "test-secret"


@pytest.fixture
def archived_live(app):
    """A session of an archived cohort whose sign-in window is open right now."""
    cohort = make_cohort(organizers=[make_user(Role.ORGANIZER, username="teacher")])
    session = make_session(cohort, starts_at=utcnow() - timedelta(minutes=5), sign_out_required=True)
    user = make_trainee_user(cohort)
    cohort.archived_at = utcnow()
    db.session.commit()
    return session, user


def _nothing_written(session):
    assert db.session.query(AttendanceRecord).filter_by(session_id=session.id).count() == 0
    assert db.session.query(SignInDevice).filter_by(session_id=session.id).count() == 0


def test_qr_sign_in_to_an_archived_cohort_is_refused_and_writes_nothing(client, archived_live):
    session, user = archived_live
    login(client, user.username)
    token = make_token(KEY, session.id, utcnow())
    page = client.get(f"/s/{token}")
    match = re.search(r'name="ticket" type="hidden" value="([^"]+)"', page.get_data(as_text=True))
    assert match, page.get_data(as_text=True)
    response = client.post(f"/s/{token}", data={"ticket": match.group(1)})
    assert response.status_code == 400
    assert "已归档" in response.get_data(as_text=True)
    _nothing_written(session)


def test_typed_code_for_an_archived_cohort_is_refused_and_writes_nothing(client, archived_live):
    session, user = archived_live
    login(client, user.username)
    response = client.post("/signin/code", data={"code": make_code(KEY, session.id, utcnow())})
    assert "签到成功" not in response.get_data(as_text=True)
    assert "已归档" in response.get_data(as_text=True)
    _nothing_written(session)
