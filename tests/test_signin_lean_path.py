"""The sign-in page's own login check and limits (cadre/signin/fast.py, views.form).

The QR page reads its login without Flask-Login's loader and counts taps itself; these
tests hold it to what the general path does: an ended login, a changed password or a
login past its lifetime is no login; the tap limit keys on the trainee; the audit event
names the trainee and the address.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, update

from cadre.extensions import db
from cadre.models import AuditEvent, LoginSession, User
from cadre.models.types import utcnow
from tests.factories import login, make_trainee_user
from tests.test_signin_flow import records, scan_and_tap, ticket_of, token_for


def _asked_to_log_in(response) -> bool:
    return response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_the_page_shows_the_trainee_and_the_session(client, cohort, live):
    user = make_trainee_user(cohort, name="陈思远")
    login(client, user.username)
    page = client.get(f"/s/{token_for(live)}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "陈思远" in body and "基层治理专题讲座" in body and "确认签到" in body
    assert 'name="csrf_token"' in body and ticket_of(page)


def test_a_login_ended_elsewhere_is_no_login_on_the_sign_in_page(client, cohort, live):
    user = make_trainee_user(cohort)
    login(client, user.username)
    token = token_for(live)
    page = client.get(f"/s/{token}")
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    db.session.commit()
    assert _asked_to_log_in(client.get(f"/s/{token}"))
    tap = client.post(f"/s/{token}", data={"ticket": ticket_of(page)})
    assert tap.status_code == 302 and records(live) == []


def test_a_changed_password_ends_the_login_on_the_sign_in_page(client, cohort, live):
    user = make_trainee_user(cohort)
    login(client, user.username)
    db.session.execute(update(User).where(User.id == user.id).values(password_hash="changed-elsewhere"))
    db.session.commit()
    assert _asked_to_log_in(client.get(f"/s/{token_for(live)}"))


def test_a_login_past_its_lifetime_is_no_login(client, app, cohort, live):
    user = make_trainee_user(cohort)
    login(client, user.username)
    old = utcnow() - app.config["REMEMBER_COOKIE_DURATION"] - timedelta(minutes=1)
    db.session.execute(update(LoginSession).where(LoginSession.user_id == user.id).values(last_seen_at=old))
    db.session.commit()
    assert _asked_to_log_in(client.get(f"/s/{token_for(live)}"))


def test_a_login_not_seen_for_hours_is_noted_as_seen(client, cohort, live):
    user = make_trainee_user(cohort)
    login(client, user.username)
    earlier = utcnow() - timedelta(hours=3)
    db.session.execute(
        update(LoginSession).where(LoginSession.user_id == user.id).values(last_seen_at=earlier)
    )
    db.session.commit()
    assert "签到成功" in scan_and_tap(client, live).get_data(as_text=True)
    seen = db.session.query(LoginSession).filter_by(user_id=user.id).one().last_seen_at
    assert seen > earlier + timedelta(hours=2)


def test_an_organizer_is_told_to_use_a_trainee_login(client, cohort, live):
    login(client, "teacher")
    response = client.get(f"/s/{token_for(live)}")
    assert response.status_code == 403 and "学员签到页面" in response.get_data(as_text=True)


def test_the_audit_event_names_the_trainee_and_the_address(client, cohort, live):
    user = make_trainee_user(cohort)
    login(client, user.username)
    scan_and_tap(client, live)
    [event] = db.session.query(AuditEvent).filter_by(action="attendance.signed_in").all()
    [record] = records(live)
    assert event.actor_id == user.id and event.object_id == record.id
    assert event.object_type == "attendance_records" and event.cohort_id == cohort.id
    assert event.ip == "127.0.0.1" and event.after["status"] == "present" and event.after["method"] == "qr"


def test_taps_are_limited_per_trainee_not_per_address(client, app, cohort, live, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNIN_RATE_LIMIT", "3 per minute")
    user = make_trainee_user(cohort)
    login(client, user.username)
    token = token_for(live)
    ticket = ticket_of(client.get(f"/s/{token}"))
    statuses = [client.post(f"/s/{token}", data={"ticket": ticket}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "操作太频繁" in client.post(f"/s/{token}", data={"ticket": ticket}).get_data(as_text=True)
    assert len(records(live)) == 1
    neighbour = app.test_client()  # same Wi-Fi address, another trainee
    login(neighbour, make_trainee_user(cohort).username)
    assert "签到成功" in scan_and_tap(neighbour, live).get_data(as_text=True)


def test_an_unreadable_tap_limit_is_logged_and_the_tap_still_signs_in(
    client, app, cohort, live, monkeypatch, caplog
):
    monkeypatch.setitem(app.config, "SIGNIN_RATE_LIMIT", "ten a minute")
    login(client, make_trainee_user(cohort).username)
    assert "签到成功" in scan_and_tap(client, live).get_data(as_text=True)
    assert "cannot be read" in caplog.text and len(records(live)) == 1
