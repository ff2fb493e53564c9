"""Attacks on the sign-in page's lean login (cadre/signin/fast.py) and its own tap limit.

A hostile trainee or outsider holds an edited, replayed or stale cookie, a ticket that is
not theirs, or taps too often. Whatever the lean path decides must match what Flask-Login's
loader decides on any other page for the same cookies: nobody gets in, and no attendance
record or audit event is written, where the general path would say "not logged in".
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from cadre.enums import EnrollmentStatus
from cadre.extensions import db
from cadre.models import AttendanceRecord, AuditEvent, Enrollment, LoginSession, Role, User
from cadre.models.types import utcnow
from cadre.signin import views as signin_views
from tests import auth_support
from tests.factories import PASSWORD, login, make_cohort, make_session, make_trainee_user, make_user
from tests.test_signin_flow import scan_and_tap, ticket_of, token_for

fast_password_hashing = auth_support.fast_password_hashing  # autouse here


def records(session=None) -> list[AttendanceRecord]:
    query = select(AttendanceRecord)
    if session is not None:
        query = query.where(AttendanceRecord.session_id == session.id)
    return list(db.session.scalars(query))


def sign_in_events() -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "attendance.signed_in")
    )


def asked_to_log_in(response) -> bool:
    return response.status_code == 302 and "/auth/login" in response.headers["Location"]


def session_user_id(client) -> str:
    with client.session_transaction() as sess:
        return sess["_user_id"]


def set_session_user_id(client, value) -> None:
    with client.session_transaction() as sess:
        sess["_user_id"] = value


def general_path_logged_in(client) -> bool:
    """What Flask-Login's loader says for the same cookies, on a page that needs a login."""
    return not asked_to_log_in(client.get("/"))


def ticket_for(app, user_id: int, session_id: int, purpose: str = "in") -> str:
    with app.test_request_context():
        return signin_views._tickets().dumps({"s": session_id, "p": purpose, "u": user_id})


def opened_page(client, session):
    """The trainee's page and its ticket, opened while the login was good."""
    token = token_for(session)
    page = client.get(f"/s/{token}")
    assert page.status_code == 200, page.get_data(as_text=True)
    return token, ticket_of(page)


def assert_nothing_written(session) -> None:
    assert records(session) == [] and sign_in_events() == 0


# --------------------------------------------------------------------------- edited session cookies


@pytest.mark.parametrize(
    "edit",
    [
        "other_id_own_token",
        "huge_id",
        "just_over_int32",
        "non_ascii_digits",
        "missing_token",
        "no_colon",
        "too_long_token",
        "non_ascii_token",
        "empty",
    ],
)
def test_an_edited_session_cookie_is_no_login_and_writes_nothing(app, client, cohort, live, edit):
    me = make_trainee_user(cohort)
    other = make_trainee_user(cohort)
    login(client, me.username)
    token, ticket = opened_page(client, live)
    user_id, _, own = session_user_id(client).partition(":")
    value = {
        "other_id_own_token": f"{other.id}:{own}",
        "huge_id": f"{10**30}:{own}",
        "just_over_int32": f"{2**31}:{own}",
        "non_ascii_digits": f"{''.join(chr(0x0660 + int(d)) for d in user_id)}:{own}",
        "missing_token": f"{user_id}:",
        "no_colon": user_id,
        "too_long_token": f"{user_id}:{own}{'x' * 64}",
        "non_ascii_token": f"{user_id}:{own[:-1]}é",
        "empty": "",
    }[edit]
    set_session_user_id(client, value)
    assert asked_to_log_in(client.get(f"/s/{token}"))
    set_session_user_id(client, value)
    tap = client.post(f"/s/{token}", data={"ticket": ticket})
    assert tap.status_code == 302
    assert_nothing_written(live)
    set_session_user_id(client, value)
    assert not general_path_logged_in(client)


def test_another_users_ticket_with_his_cookie_edited_in_is_refused(app, client, cohort, live):
    """Own token, the victim's id, and a ticket minted for the victim: still no login."""
    me = make_trainee_user(cohort)
    victim = make_trainee_user(cohort)
    login(client, me.username)
    own = session_user_id(client).partition(":")[2]
    set_session_user_id(client, f"{victim.id}:{own}")
    tap = client.post(f"/s/{token_for(live)}", data={"ticket": ticket_for(app, victim.id, live.id)})
    assert tap.status_code == 302
    assert_nothing_written(live)


# --------------------------------------------------------------------------- logins that ended


def _replay(app, cookies):
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


def _ended_by(how, app, client, user):
    if how == "logout":
        client.post("/auth/logout", data={"submit": "1"})
    elif how == "everywhere":
        client.post("/auth/logout", data={"everywhere": "1"})
    elif how == "admin_reset":
        from cadre.admin import services as admin_services
        from cadre.auth.passwords import hash_password
        from cadre.services import writing

        with app.test_request_context(), writing():
            admin_services.reset_password(user.id, hash_password("a-new-secret-7"))
    elif how == "deactivated_row_kept":
        # The account switched off while its login row stays: only is_active refuses it.
        db.session.execute(update(User).where(User.id == user.id).values(is_active_account=False))
        db.session.commit()
    elif how == "past_lifetime":
        old = utcnow() - app.config["REMEMBER_COOKIE_DURATION"] - timedelta(seconds=5)
        db.session.execute(
            update(LoginSession).where(LoginSession.user_id == user.id).values(last_seen_at=old)
        )
        db.session.commit()


@pytest.mark.parametrize(
    "how", ["logout", "everywhere", "admin_reset", "deactivated_row_kept", "past_lifetime"]
)
def test_a_replayed_cookie_of_an_ended_login_signs_nobody_in(app, client, cohort, live, how):
    user = make_trainee_user(cohort)
    client.post("/auth/login", data={"username": user.username, "password": PASSWORD, "remember": "y"})
    token, ticket = opened_page(client, live)
    saved = {"session": client.get_cookie("session").value}
    _ended_by(how, app, client, user)
    thief = _replay(app, saved)
    assert asked_to_log_in(thief.get(f"/s/{token}"))
    thief = _replay(app, saved)
    assert thief.post(f"/s/{token}", data={"ticket": ticket}).status_code == 302
    assert_nothing_written(live)
    assert not general_path_logged_in(_replay(app, saved))


@pytest.mark.parametrize(
    "how", ["logout", "everywhere", "admin_reset", "deactivated_row_kept", "past_lifetime"]
)
def test_a_replayed_remember_cookie_of_an_ended_login_signs_nobody_in(app, client, cohort, live, how):
    user = make_trainee_user(cohort)
    client.post("/auth/login", data={"username": user.username, "password": PASSWORD, "remember": "y"})
    token, ticket = opened_page(client, live)
    saved = {"remember_token": client.get_cookie("remember_token").value}
    _ended_by(how, app, client, user)
    # The ticket was minted for this user; the remember cookie is all the phone has left.
    assert _replay(app, saved).post(f"/s/{token}", data={"ticket": ticket}).status_code == 302
    assert_nothing_written(live)
    assert not general_path_logged_in(_replay(app, saved))


def test_a_login_just_inside_its_lifetime_still_signs_in(app, client, cohort, live):
    user = make_trainee_user(cohort)
    login(client, user.username)
    token, ticket = opened_page(client, live)
    recent = utcnow() - app.config["REMEMBER_COOKIE_DURATION"] + timedelta(minutes=5)
    db.session.execute(
        update(LoginSession).where(LoginSession.user_id == user.id).values(last_seen_at=recent)
    )
    db.session.commit()
    assert "签到成功" in client.post(f"/s/{token}", data={"ticket": ticket}).get_data(as_text=True)
    assert (
        db.session.scalar(select(LoginSession.last_seen_at).where(LoginSession.user_id == user.id)) > recent
    )


# --------------------------------------------------------------------------- remember-me only (WeChat)


def test_remember_cookie_alone_signs_in_through_flask_login(app, cohort, live):
    user = make_trainee_user(cohort)
    phone = app.test_client()
    phone.post("/auth/login", data={"username": user.username, "password": PASSWORD, "remember": "y"})
    wechat = _replay(app, {"remember_token": phone.get_cookie("remember_token").value})
    result = scan_and_tap(wechat, live)
    assert "签到成功" in result.get_data(as_text=True)
    [record] = records(live)
    assert record.trainee_id == user.trainee_id and sign_in_events() == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "attendance.signed_in"))
    assert event.actor_id == user.id


def test_a_dead_session_login_falls_back_to_a_live_remember_cookie_of_the_same_login(app, cohort, live):
    """General path: session login gone → remember cookie. The lean path must not stop that."""
    user = make_trainee_user(cohort)
    phone = app.test_client()
    phone.post("/auth/login", data={"username": user.username, "password": PASSWORD, "remember": "y"})
    set_session_user_id(phone, f"{user.id}:not-the-token")
    assert "签到成功" in scan_and_tap(phone, live).get_data(as_text=True)


# --------------------------------------------------------------------------- staff and other accounts


@pytest.mark.parametrize("role", [Role.ORGANIZER, Role.ADMIN])
def test_staff_with_a_forged_ticket_writes_nothing(app, client, cohort, live, role):
    staff = make_user(role)
    login(client, staff.username)
    assert client.get(f"/s/{token_for(live)}").status_code == 403
    tap = client.post(f"/s/{token_for(live)}", data={"ticket": ticket_for(app, staff.id, live.id)})
    assert tap.status_code == 400
    assert_nothing_written(live)


def test_a_ticket_of_another_user_is_refused(app, client, cohort, live):
    victim = make_trainee_user(cohort)
    login(client, make_trainee_user(cohort).username)
    tap = client.post(f"/s/{token_for(live)}", data={"ticket": ticket_for(app, victim.id, live.id)})
    assert tap.status_code == 400 and "已过期" in tap.get_data(as_text=True)
    assert_nothing_written(live)


def test_an_expired_or_mangled_ticket_is_refused(app, client, cohort, live, monkeypatch):
    login(client, make_trainee_user(cohort).username)
    token, ticket = opened_page(client, live)
    for bad in ("", "x", ticket[:-2] + "zz", ticket + "x"):
        assert client.post(f"/s/{token}", data={"ticket": bad}).status_code == 400
    assert client.post(f"/s/{token}").status_code == 400
    monkeypatch.setitem(app.config, "SIGNIN_TICKET_SECONDS", -1)
    assert client.post(f"/s/{token}", data={"ticket": ticket}).status_code == 400
    assert_nothing_written(live)


def test_a_ticket_with_a_foreign_purpose_is_refused(app, client, cohort, live):
    user = make_trainee_user(cohort)
    login(client, user.username)
    with app.test_request_context():
        odd = signin_views._tickets().dumps({"s": live.id, "p": "admin", "u": user.id})
    assert client.post(f"/s/{token_for(live)}", data={"ticket": odd}).status_code == 400
    assert_nothing_written(live)


def test_a_ticket_of_a_session_of_another_cohort_is_refused(app, client, cohort, live):
    elsewhere = make_session(make_cohort(), starts_at=utcnow() - timedelta(minutes=5))
    user = make_trainee_user(cohort)
    login(client, user.username)
    tap = client.post(f"/s/{token_for(live)}", data={"ticket": ticket_for(app, user.id, elsewhere.id)})
    assert tap.status_code == 400 and "不在这次课程所属的培训班" in tap.get_data(as_text=True)
    assert records() == [] and sign_in_events() == 0


# ---------------------------------------------------------------- what changed after the page opened


@pytest.mark.parametrize("change", ["withdrawn", "archived", "cancelled", "deleted"])
def test_a_change_after_the_page_opened_refuses_the_tap(app, client, cohort, live, change):
    user = make_trainee_user(cohort)
    login(client, user.username)
    token, ticket = opened_page(client, live)
    if change == "withdrawn":
        db.session.execute(
            update(Enrollment)
            .where(Enrollment.trainee_id == user.trainee_id)
            .values(status=EnrollmentStatus.WITHDRAWN)
        )
    elif change == "archived":
        cohort.archived_at = utcnow()
    elif change == "cancelled":
        live.cancelled_at = utcnow()
    else:
        db.session.delete(live)
    db.session.commit()
    tap = client.post(f"/s/{token}", data={"ticket": ticket})
    assert tap.status_code in (400, 404)
    assert records() == [] and sign_in_events() == 0


# --------------------------------------------------------------------------- tap limit


def test_the_tap_limit_is_the_trainees_whichever_way_the_login_is_read(app, cohort, live, monkeypatch):
    """Session-cookie taps (lean path) and remember-cookie taps (Flask-Login) share one counter."""
    monkeypatch.setitem(app.config, "SIGNIN_RATE_LIMIT", "3 per minute")
    user = make_trainee_user(cohort)
    phone = app.test_client()
    phone.post("/auth/login", data={"username": user.username, "password": PASSWORD, "remember": "y"})
    token, ticket = opened_page(phone, live)
    assert [phone.post(f"/s/{token}", data={"ticket": ticket}).status_code for _ in range(2)] == [200, 200]
    wechat = _replay(app, {"remember_token": phone.get_cookie("remember_token").value})
    assert wechat.post(f"/s/{token}", data={"ticket": ticket}).status_code == 200
    assert wechat.post(f"/s/{token}", data={"ticket": ticket}).status_code == 429
    assert phone.post(f"/s/{token}", data={"ticket": ticket}).status_code == 429


def test_a_throttled_tap_writes_nothing(app, client, cohort, live, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNIN_RATE_LIMIT", "2 per minute")
    login(client, make_trainee_user(cohort).username)
    token, ticket = opened_page(client, live)
    assert [client.post(f"/s/{token}", data={"ticket": "bad"}).status_code for _ in range(2)] == [400, 400]
    assert client.post(f"/s/{token}", data={"ticket": ticket}).status_code == 429
    assert_nothing_written(live)


def test_forged_cookies_are_counted_on_the_address_not_on_the_victim(app, client, cohort, live, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNIN_RATE_LIMIT", "2 per minute")
    victim = make_trainee_user(cohort)
    login(client, make_trainee_user(cohort).username)
    own = session_user_id(client).partition(":")[2]
    for _ in range(5):
        set_session_user_id(client, f"{victim.id}:{own}")
        client.post(f"/s/{token_for(live)}", data={"ticket": "x"})
    phone = app.test_client()
    login(phone, victim.username)
    assert "签到成功" in scan_and_tap(phone, live).get_data(as_text=True)


# --------------------------------------------------------------------------- session protection


def test_basic_session_protection_on_another_browser_still_logs_in_as_elsewhere(app, client, cohort, live):
    user = make_trainee_user(cohort)
    login(client, user.username)
    token = token_for(live)
    page = client.get(f"/s/{token}", headers={"User-Agent": "MicroMessenger/8.0 other"})
    assert page.status_code == 200  # "basic": not fresh any more, still logged in, as Flask-Login says
    with client.session_transaction() as sess:
        assert sess.get("_fresh") is False


def test_strong_session_protection_refuses_a_moved_cookie(app, client, cohort, live, monkeypatch):
    user = make_trainee_user(cohort)
    login(client, user.username)
    token, ticket = opened_page(client, live)
    monkeypatch.setitem(app.config, "SESSION_PROTECTION", "strong")
    moved = client.post(f"/s/{token}", data={"ticket": ticket}, headers={"User-Agent": "curl/8"})
    assert moved.status_code == 302
    assert_nothing_written(live)


# --------------------------------------------------------------------------- the lean user object


def test_the_lean_user_is_never_written_back(app, client, cohort, live):
    """A detached User carrying the cookie's values must not be added, flushed or merged."""
    user = make_trainee_user(cohort, name="陈思远")
    login(client, user.username)
    before = db.session.scalar(select(func.count()).select_from(User))
    assert "签到成功" in scan_and_tap(client, live).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User)) == before
    assert db.session.get(User, user.id).display_name == "陈思远"


@pytest.mark.parametrize(
    "limits", ["100 per minute;3 per hour", "100/minute, 3/hour", "3 per hour;100 per minute"]
)
def test_every_limit_of_a_several_limit_setting_counts(app, client, cohort, live, monkeypatch, limits):
    """Flask-Limiter's notation (/signin/code reads the same setting): each limit holds."""
    monkeypatch.setitem(app.config, "SIGNIN_RATE_LIMIT", limits)
    login(client, make_trainee_user(cohort).username)
    token, ticket = opened_page(client, live)
    statuses = [client.post(f"/s/{token}", data={"ticket": ticket}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_the_same_several_limit_setting_holds_on_the_typed_code_page(app, client, cohort, live, monkeypatch):
    """The general path with the same setting: the reference the QR page must match."""
    monkeypatch.setitem(app.config, "SIGNIN_RATE_LIMIT", "100 per minute;3 per hour")
    login(client, make_trainee_user(cohort).username)
    statuses = [client.post("/signin/code", data={"code": "000000"}).status_code for _ in range(4)]
    assert statuses[-1] == 429 and 429 not in statuses[:3]


# --------------------------------------------------------------------------- real concurrency


def test_double_taps_of_stale_logins_at_once_leave_one_record_and_one_audit_event(file_app):
    """Two phones of one trainee, both logins due a last-seen write: one record, one event, no error."""
    from tests.test_signin_concurrency import records as committed_records
    from tests.test_signin_concurrency import run_together, ticket_page

    cohort = make_cohort(organizers=[make_user(Role.ORGANIZER)])
    session = make_session(cohort, starts_at=utcnow() - timedelta(minutes=5))
    user = make_trainee_user(cohort)
    session_id, user_id = session.id, user.id
    token = token_for(session)
    phones = [file_app.test_client(), file_app.test_client()]
    tickets = []
    for phone in phones:
        login(phone, user.username)
        tickets.append(ticket_page(phone, token))
    stale = utcnow() - timedelta(hours=3)
    db.session.execute(update(LoginSession).where(LoginSession.user_id == user_id).values(last_seen_at=stale))
    db.session.commit()

    def tap(phone, ticket):
        return lambda: phone.post(f"/s/{token}", data={"ticket": ticket}).status_code

    outcomes = run_together(file_app, [tap(p, t) for p, t in zip(phones, tickets, strict=True)])
    assert outcomes == [200, 200], outcomes
    assert len(committed_records(session_id)) == 1
    assert sign_in_events() == 1


def test_a_throttled_tap_says_when_to_try_again_like_the_code_page(app, client, cohort, live, monkeypatch):
    """RATELIMIT_HEADERS_ENABLED: the limiter's 429s carry Retry-After; the QR page's too."""
    monkeypatch.setitem(app.config, "SIGNIN_RATE_LIMIT", "1 per minute")
    login(client, make_trainee_user(cohort).username)
    for _ in range(2):
        code = client.post("/signin/code", data={"code": "000000"})
    assert code.status_code == 429 and int(code.headers["Retry-After"]) > 0
    token, ticket = opened_page(client, live)
    for _ in range(2):
        tap = client.post(f"/s/{token}", data={"ticket": ticket})
    assert tap.status_code == 429 and 0 < int(tap.headers["Retry-After"]) <= 60


# --------------------------------------------------------------------------- sign-out through the lean login


def test_an_out_ticket_without_a_sign_in_writes_nothing(app, client, cohort):
    ending = make_session(
        cohort,
        starts_at=utcnow() - timedelta(minutes=110),
        ends_at=utcnow() + timedelta(minutes=5),
        sign_out_required=True,
    )
    user = make_trainee_user(cohort)
    login(client, user.username)
    tap = client.post(f"/s/{token_for(ending)}", data={"ticket": ticket_for(app, user.id, ending.id, "out")})
    assert tap.status_code == 400
    assert records(ending) == [] and db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_sign_out_through_the_lean_login_is_audited_as_the_trainee(app, client, cohort):
    ending = make_session(
        cohort,
        starts_at=utcnow() - timedelta(minutes=110),
        ends_at=utcnow() + timedelta(minutes=5),
        sign_out_required=True,
    )
    user = make_trainee_user(cohort)
    db.session.add(
        AttendanceRecord(
            session_id=ending.id,
            trainee_id=user.trainee_id,
            status="present",
            signed_in_at=utcnow() - timedelta(minutes=100),
            method="qr",
        )
    )
    db.session.commit()
    login(client, user.username)
    assert "签退" in scan_and_tap(client, ending, purpose="out").get_data(as_text=True)
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "attendance.signed_out"))
    assert event.actor_id == user.id
    assert db.session.scalar(select(func.count()).select_from(User)) == 2  # organizer, trainee: none added


@pytest.mark.parametrize("change", ["withdrawn", "archived", "cancelled"])
def test_a_change_committed_between_the_checks_and_the_write_is_not_overridden(file_app, monkeypatch, change):
    """The checks run before the write (plan_sign_in); what commits in between must still refuse.

    Another request (an organizer archiving the cohort, withdrawing the trainee, cancelling the
    session) commits after this tap's checks and before its write lock: the tap writes anyway.
    The view's path, which checks before its write (the lean path checks only inside it:
    tests/test_signin_lean_wsgi.py holds it to a change committed before its write).
    """
    from cadre.signin import services as signin_services

    monkeypatch.setitem(file_app.config, "SIGNIN_LEAN_PATH", False)
    from tests.test_signin_concurrency import records as committed_records
    from tests.test_signin_concurrency import ticket_page

    cohort = make_cohort(organizers=[make_user(Role.ORGANIZER)])
    session = make_session(cohort, starts_at=utcnow() - timedelta(minutes=5))
    user = make_trainee_user(cohort)
    ids = {"session": session.id, "cohort": cohort.id, "trainee": user.trainee_id}
    token = token_for(session)
    phone = file_app.test_client()
    login(phone, user.username)
    ticket = ticket_page(phone, token)
    plan = signin_services.plan_sign_in
    statements = {
        "withdrawn": "UPDATE enrollments SET status = 'withdrawn' WHERE trainee_id = :trainee",
        "archived": "UPDATE cohorts SET archived_at = CURRENT_TIMESTAMP WHERE id = :cohort",
        "cancelled": "UPDATE training_sessions SET cancelled_at = CURRENT_TIMESTAMP WHERE id = :session",
    }

    def plan_then_someone_else_commits(*args, **kw):
        planned = plan(*args, **kw)
        from sqlalchemy import text

        with db.engine.begin() as other:  # another request's connection
            assert other.execute(text(statements[change]), ids).rowcount == 1
        return planned

    monkeypatch.setattr(signin_services, "plan_sign_in", plan_then_someone_else_commits)
    tap = phone.post(f"/s/{token}", data={"ticket": ticket})
    assert committed_records(ids["session"]) == [], tap.get_data(as_text=True)


def test_the_lean_page_with_its_ticket_is_not_cached(app, client, cohort, live):
    login(client, make_trainee_user(cohort).username)
    page = client.get(f"/s/{token_for(live)}")
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
