"""Logins that end: logout, "log out everywhere", password changes and admin actions end them on the server.

A saved cookie is what a stolen or lost phone holds; these tests keep copies of the cookies a
browser had and replay them after the login should have ended.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from cadre.extensions import db
from cadre.models import AuditEvent, LoginSession, Role, User
from cadre.models.types import utcnow
from tests import auth_support
from tests.factories import PASSWORD, make_cohort, make_trainee_user, make_user

NEW_PASSWORD = "a-new-secret-7"


fast_password_hashing = auth_support.fast_password_hashing  # autouse here


def remembered_login(app, username: str, password: str = PASSWORD):
    """A browser that logged in with "keep me logged in"; returns it and a copy of its cookies."""
    client = app.test_client()
    response = client.post("/auth/login", data={"username": username, "password": password, "remember": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client, saved_cookies(client)


def saved_cookies(client) -> dict[str, str]:
    return {name: client.get_cookie(name).value for name in ("session", "remember_token")}


def replay(app, cookies: dict[str, str]):
    """GET the home page from another browser holding only these cookies."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief.get("/")


def is_logged_out(response) -> bool:
    return response.status_code == 302 and "/auth/login" in response.headers["Location"]


def logins_of(user: User) -> int:
    return db.session.scalar(
        select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user.id)
    )


def audit_events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- Logging out one device ----------------------------------------------------------------


def test_saved_cookies_stop_working_after_logout(app):
    user = make_trainee_user(make_cohort())
    phone, cookies = remembered_login(app, user.username)
    assert replay(app, cookies).status_code == 200
    assert phone.post("/auth/logout").status_code == 302
    assert is_logged_out(replay(app, cookies))
    assert is_logged_out(replay(app, {"session": cookies["session"]}))
    assert is_logged_out(replay(app, {"remember_token": cookies["remember_token"]}))
    assert logins_of(user) == 0


def test_each_login_gets_its_own_token_and_logging_out_one_device_keeps_the_other(app):
    user = make_trainee_user(make_cohort())
    phone, phone_cookies = remembered_login(app, user.username)
    _tablet, tablet_cookies = remembered_login(app, user.username)
    assert phone_cookies["remember_token"] != tablet_cookies["remember_token"]
    assert logins_of(user) == 2

    phone.post("/auth/logout")
    assert is_logged_out(replay(app, phone_cookies))
    assert replay(app, {"remember_token": tablet_cookies["remember_token"]}).status_code == 200
    assert logins_of(user) == 1


def test_login_token_is_not_stored_in_clear(app):
    user = make_user(Role.ORGANIZER)
    client, _cookies = remembered_login(app, user.username)
    with client.session_transaction() as session:
        _user_id, _colon, token = session["_user_id"].partition(":")
    stored = db.session.scalars(select(LoginSession.token_hash)).one()
    assert token and token not in stored


@pytest.mark.parametrize("forged", ["{id}:", "{id}:not-a-token", "{id}", "{other}:{token}"])
def test_a_session_id_that_names_no_login_is_anonymous(app, forged):
    user, other = make_user(Role.ADMIN), make_user(Role.ORGANIZER)
    client, _cookies = remembered_login(app, other.username)
    with client.session_transaction() as session:
        token = session["_user_id"].partition(":")[2]
        # The admin's id with the organizer's token: a token belongs to one account only.
        session["_user_id"] = forged.format(id=user.id, other=user.id, token=token)
    client.delete_cookie("remember_token")
    assert is_logged_out(client.get("/admin/users"))


def test_a_login_unused_for_longer_than_the_remember_period_has_ended(app):
    user = make_user(Role.ORGANIZER)
    _client, cookies = remembered_login(app, user.username)
    long_ago = utcnow() - app.config["REMEMBER_COOKIE_DURATION"] - timedelta(minutes=1)
    db.session.execute(update(LoginSession).values(last_seen_at=long_ago))
    db.session.commit()
    assert is_logged_out(replay(app, cookies))


def test_a_login_in_use_notes_when_it_was_last_seen(app):
    user = make_user(Role.ORGANIZER)
    _client, cookies = remembered_login(app, user.username)
    two_hours_ago = utcnow() - timedelta(hours=2)
    db.session.execute(update(LoginSession).values(last_seen_at=two_hours_ago))
    db.session.commit()
    assert replay(app, cookies).status_code == 200
    db.session.expire_all()
    assert db.session.scalars(select(LoginSession.last_seen_at)).one() > utcnow() - timedelta(minutes=1)


# --- Logging out everywhere ------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.ORGANIZER, Role.ADMIN])
def test_staff_log_out_on_every_device_from_the_password_page(app, role):
    user = make_user(role)
    desk, desk_cookies = remembered_login(app, user.username)
    _lost_phone, phone_cookies = remembered_login(app, user.username)
    page = desk.get("/auth/password").get_data(as_text=True)
    assert 'name="everywhere"' in page

    response = desk.post("/auth/logout", data={"everywhere": "在所有设备上退出登录"}, follow_redirects=True)
    assert "您已在所有设备上退出登录。" in response.get_data(as_text=True)
    assert is_logged_out(replay(app, phone_cookies))
    assert is_logged_out(replay(app, desk_cookies))
    assert logins_of(user) == 0
    (event,) = audit_events("user.sessions_ended")
    assert (event.object_id, event.actor_id) == (user.id, user.id)
    assert event.after == {"sessions_ended": 2, "reason": "logout_everywhere"}


def test_trainees_are_not_offered_log_out_everywhere(app):
    user = make_trainee_user(make_cohort())
    client, _cookies = remembered_login(app, user.username)
    page = client.get("/auth/password").get_data(as_text=True)
    assert 'name="everywhere"' not in page


def test_plain_logout_leaves_other_devices_logged_in(app):
    user = make_user(Role.ORGANIZER)
    desk, _desk_cookies = remembered_login(app, user.username)
    _phone, phone_cookies = remembered_login(app, user.username)
    desk.post("/auth/logout")
    assert replay(app, phone_cookies).status_code == 200
    assert audit_events("user.sessions_ended") == []


# --- Password changes end other logins -----------------------------------------------------


def test_changing_ones_password_ends_the_other_logins_and_keeps_this_one(app):
    user = make_user(Role.ORGANIZER)
    desk, desk_cookies = remembered_login(app, user.username)
    _phone, phone_cookies = remembered_login(app, user.username)
    response = desk.post(
        "/auth/password",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.headers["Location"] == "/"
    assert is_logged_out(replay(app, phone_cookies))
    assert replay(app, desk_cookies).status_code == 200  # also its remember cookie alone:
    assert replay(app, {"remember_token": desk_cookies["remember_token"]}).status_code == 200
    (event,) = audit_events("user.password_changed")
    assert event.after == {"other_sessions_ended": 1}


def test_a_password_set_outside_these_pages_also_ends_older_logins(app):
    """Whatever code changes a password hash (an organizer's reset of a trainee, a script)."""
    user = make_trainee_user(make_cohort())
    _phone, cookies = remembered_login(app, user.username)
    user.password_hash = "pbkdf2:sha256:1$salt$0000"
    db.session.commit()
    assert is_logged_out(replay(app, cookies))


# --- An admin ends someone's logins ---------------------------------------------------------


def _admin_client(app):
    admin = make_user(Role.ADMIN, username="boss")
    client, _cookies = remembered_login(app, admin.username)
    return admin, client


def test_an_admin_reset_ends_every_login_of_that_person_and_is_audited(app):
    organizer = make_user(Role.ORGANIZER, username="li.na")
    _phone, cookies = remembered_login(app, organizer.username)
    admin, client = _admin_client(app)
    assert client.post(f"/admin/users/{organizer.id}/reset-password").status_code == 200
    assert is_logged_out(replay(app, cookies))
    assert logins_of(organizer) == 0
    (event,) = audit_events("user.password_reset")
    assert (event.object_id, event.actor_id, event.after) == (organizer.id, admin.id, {"sessions_ended": 1})


@pytest.mark.parametrize(
    ("change", "ended"),
    [({"is_active_account": None}, 1), ({"password": "temp-pass-9"}, 1), ({"display_name": "李娜娜"}, None)],
    ids=["disabled", "password-set", "renamed"],
)
def test_an_admin_edit_that_disables_or_sets_a_password_ends_the_persons_logins(app, change, ended):
    organizer = make_user(Role.ORGANIZER, username="li.na")
    _phone, cookies = remembered_login(app, organizer.username)
    _admin, client = _admin_client(app)
    form = {"username": "li.na", "display_name": "李娜", "role": "organizer", "is_active_account": "y"}
    form.update(change)
    response = client.post(f"/admin/users/{organizer.id}/edit", data={k: v for k, v in form.items() if v})
    assert response.headers["Location"] == "/admin/users"
    assert is_logged_out(replay(app, cookies)) is (ended is not None)
    (event,) = audit_events("user.updated")
    assert event.after.get("sessions_ended") == ended


def test_an_admin_reset_does_not_log_the_admin_out(app):
    organizer = make_user(Role.ORGANIZER)
    _admin, client = _admin_client(app)
    client.post(f"/admin/users/{organizer.id}/reset-password")
    assert client.get("/admin/users").status_code == 200
