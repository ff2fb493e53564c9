"""疑似代签 with cleared cookies: trainee A signs in on a phone, its cookies are cleared, trainee B signs in.

The shared-phone check cannot see it (the phone looks new), so a second signal flags, without
refusing, the first sign-in from a phone new to a trainee who has signed in with another phone.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from cadre.extensions import db
from cadre.models import AttendanceRecord, AuditEvent, Role, SuspectedProxySignIn
from cadre.models.types import utcnow
from tests.factories import login, make_cohort, make_session, make_trainee_user, make_user
from tests.test_signin_flow import scan_and_tap


@pytest.fixture
def cohort(app):
    return make_cohort(organizers=[make_user(Role.ORGANIZER, username="teacher")])


@pytest.fixture
def sessions(cohort):
    earlier = make_session(cohort, starts_at=utcnow() - timedelta(minutes=10), title="上午讲座")
    now = make_session(cohort, starts_at=utcnow() - timedelta(minutes=5), title="下午讲座")
    return earlier, now


def _phone(app, username):
    phone = app.test_client()
    login(phone, username)
    return phone


def test_cleared_cookies_then_another_trainee_is_signed_in_and_flagged_as_new_phone(app, cohort, sessions):
    earlier, now = sessions
    a, b = make_trainee_user(cohort, name="张三"), make_trainee_user(cohort, name="李四")
    # B signed in before, on B's own phone; A signs in on A's phone (A's first ever: not flagged).
    assert scan_and_tap(_phone(app, b.username), earlier).status_code == 200
    phone_a = _phone(app, a.username)
    assert scan_and_tap(phone_a, now).status_code == 200
    assert db.session.query(SuspectedProxySignIn).count() == 0
    # A's phone: cookies cleared (a fresh cookie jar), B logs in on it and signs in.
    response = scan_and_tap(_phone(app, b.username), now)
    assert response.status_code == 200 and "签到成功" in response.get_data(as_text=True)  # never blocked
    assert db.session.query(AttendanceRecord).filter_by(session_id=now.id).count() == 2
    [suspect] = db.session.query(SuspectedProxySignIn).all()
    assert (suspect.trainee_id, suspect.reason, suspect.device_owner_id) == (b.trainee_id, "new_device", None)
    event = db.session.query(AuditEvent).filter_by(action="attendance.proxy_suspected").one()
    assert event.after["reason"] == "new_device"

    teacher = _phone(app, "teacher")
    page = teacher.get(f"/cohorts/{cohort.id}/proxy-suspects").get_data(as_text=True)
    assert "李四" in page and "首次用一部新手机签到" in page and "待核查" in page


def test_the_same_phone_again_and_a_first_ever_sign_in_are_not_flagged(app, cohort, sessions):
    earlier, now = sessions
    b = make_trainee_user(cohort)
    phone = _phone(app, b.username)
    assert scan_and_tap(phone, earlier).status_code == 200  # first ever: nothing to compare with
    assert scan_and_tap(phone, now).status_code == 200  # the phone B used before
    assert db.session.query(SuspectedProxySignIn).count() == 0


def test_shared_phone_refusals_say_so_and_keep_their_reason(app, cohort, sessions):
    _earlier, now = sessions
    a, b = make_trainee_user(cohort, name="张三"), make_trainee_user(cohort, name="李四")
    phone = _phone(app, a.username)
    scan_and_tap(phone, now)
    phone.post("/auth/logout")
    login(phone, b.username)
    assert scan_and_tap(phone, now).status_code == 409
    [suspect] = db.session.query(SuspectedProxySignIn).all()
    assert suspect.reason == "shared_device"
    page = _phone(app, "teacher").get(f"/cohorts/{cohort.id}/proxy-suspects").get_data(as_text=True)
    assert "这部手机已为 张三 签到" in page
