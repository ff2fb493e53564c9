"""CSRF, cookies, headers, login rate limit, redirects and account states."""

from __future__ import annotations

import os
import re

import pytest
from flask import Flask
from limits import parse as parse_limit
from sqlalchemy import select

from cadre import create_app
from cadre.auth.public import public
from cadre.extensions import csrf, db
from cadre.models import AuditEvent, Role, User
from config import Config, DevelopmentConfig, ProductionConfig, TestConfig
from tests import auth_support
from tests.factories import PASSWORD, login, make_cohort, make_user

fast_password_hashing = auth_support.fast_password_hashing  # autouse here


# --- CSRF -------------------------------------------------------------------


class CsrfConfig(TestConfig):
    """The test configuration with CSRF as production has it, on its own in-memory database."""

    WTF_CSRF_ENABLED = True
    SQLALCHEMY_DATABASE_URI = "sqlite:///:memory:"


@pytest.fixture(scope="module")
def csrf_app():
    app = create_app(CsrfConfig)

    @app.route("/boom")
    @public
    def boom():
        raise RuntimeError("secret detail that must not reach the browser")

    with app.app_context():
        db.create_all()
        make_user(Role.ORGANIZER, username="csrf-organizer")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def csrf_client(csrf_app):
    with csrf_app.app_context():
        yield csrf_app.test_client()


def csrf_token_from(page: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    assert match, "page has no CSRF token"
    return match.group(1)


def test_csrf_protection_is_not_switched_off_outside_tests():
    for config in (Config, DevelopmentConfig, ProductionConfig):
        assert getattr(config, "WTF_CSRF_ENABLED", True) is True, config.__name__


def test_no_view_is_exempt_from_csrf(app):
    assert "csrf" in app.extensions
    assert not csrf._exempt_views
    assert not csrf._exempt_blueprints


def test_post_without_csrf_token_is_refused_in_chinese(csrf_client):
    response = csrf_client.post("/auth/login", data={"username": "csrf-organizer", "password": PASSWORD})
    assert response.status_code == 400
    assert "页面已过期或表单无效，请刷新页面后重试。" in response.get_data(as_text=True)


def test_post_with_a_wrong_csrf_token_is_refused(csrf_client):
    csrf_client.get("/auth/login")
    response = csrf_client.post(
        "/auth/login", data={"username": "csrf-organizer", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 400


def test_post_with_csrf_token_works(csrf_client):
    token = csrf_token_from(csrf_client.get("/auth/login").get_data(as_text=True))
    response = csrf_client.post(
        "/auth/login", data={"username": "csrf-organizer", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_logout_without_csrf_token_keeps_the_user_logged_in(csrf_client):
    token = csrf_token_from(csrf_client.get("/auth/login").get_data(as_text=True))
    csrf_client.post(
        "/auth/login", data={"username": "csrf-organizer", "password": PASSWORD, "csrf_token": token}
    )
    assert csrf_client.post("/auth/logout").status_code == 400
    assert csrf_client.get("/").status_code == 200

    page = csrf_client.get("/").get_data(as_text=True)
    response = csrf_client.post("/auth/logout", data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    assert csrf_client.get("/").status_code == 302


def test_language_switch_needs_a_csrf_token(csrf_client):
    assert csrf_client.post("/language", data={"lang": "en"}).status_code == 400
    token = csrf_token_from(csrf_client.get("/auth/login").get_data(as_text=True))
    response = csrf_client.post("/language", data={"lang": "en", "csrf_token": token, "next": "/auth/login"})
    assert response.status_code == 302
    with csrf_client.session_transaction() as session:
        assert session["lang"] == "en"


def test_server_error_page_shows_no_stack_trace(csrf_client):
    response = csrf_client.get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "服务器出错了，请稍后再试。" in page
    assert "Traceback" not in page
    assert "secret detail" not in page


def test_error_page_falls_back_to_plain_text_when_it_cannot_render(csrf_client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("template engine down")

    monkeypatch.setattr("cadre.errors.render_template", broken)
    response = csrf_client.get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "服务器出错了，请稍后再试。" in page
    assert "template engine down" not in page and "Traceback" not in page


def test_csrf_token_outlives_a_morning_on_the_projector():
    assert Config.WTF_CSRF_TIME_LIMIT is None or Config.WTF_CSRF_TIME_LIMIT >= 4 * 3600


# --- Cookies and headers ---------------------------------------------------------


def test_session_cookie_is_httponly_and_samesite(client):
    user = make_user(Role.ORGANIZER)
    response = login(client, user.username, follow_redirects=False)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_remember_cookie_is_httponly_and_lasts_a_programme_not_a_year(client):
    user = make_user(Role.TRAINEE)
    response = client.post(
        "/auth/login", data={"username": user.username, "password": PASSWORD, "remember": "y"}
    )
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert Config.REMEMBER_COOKIE_DURATION.days <= 90


@pytest.mark.skipif(
    os.environ.get("COOKIE_SECURE") is not None, reason="COOKIE_SECURE set in the environment"
)
def test_production_cookies_are_secure_by_default():
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.REMEMBER_COOKIE_SECURE is True


@pytest.mark.parametrize("url", ["/auth/login", "/no-such-page", "/static/css/cadre.css", "/healthz"])
def test_security_headers_on_every_response(client, url):
    with client.get(url) as response:
        headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]


def test_pages_of_logged_in_users_are_not_cached(client):
    login(client, make_user(Role.ORGANIZER).username)
    assert "no-store" in client.get("/").headers["Cache-Control"]


def test_pages_load_nothing_from_other_sites(client):
    """The app must work in an office network without internet: no CDN."""
    page = client.get("/auth/login").get_data(as_text=True)
    external = re.findall(r'(?:src|href)="((?:https?:)?//[^"]+)"', page)
    assert external == []


# --- Login rate limit ---------------------------------------------------------------


WRONG_PASSWORD = "wrong-password"


def _attempt(client, username: str, password: str = WRONG_PASSWORD):
    return client.post("/auth/login", data={"username": username, "password": password})


def test_login_is_rate_limited_per_username_with_a_chinese_message(app, client):
    user = make_user(Role.ORGANIZER, username="target")
    allowed = parse_limit(app.config["LOGIN_RATE_LIMIT"]).amount
    for _ in range(allowed):
        assert _attempt(client, "target").status_code == 200
    response = _attempt(client, "target", PASSWORD)
    assert response.status_code == 429
    assert "操作太频繁，请稍后再试。" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    # Even the right password is refused while the limit holds.
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert user.last_login_at is None


def test_rate_limit_ignores_the_case_and_spaces_of_the_username(app, client):
    make_user(Role.ORGANIZER, username="target")
    allowed = parse_limit(app.config["LOGIN_RATE_LIMIT"]).amount
    for i in range(allowed):
        _attempt(client, ["target", "TARGET", " Target "][i % 3])
    assert _attempt(client, "tArGeT").status_code == 429


def test_rate_limit_on_one_username_leaves_others_on_the_same_address_alone(app, client):
    """A whole class logs in behind one Wi-Fi address."""
    make_user(Role.ORGANIZER, username="target")
    classmate = make_user(Role.TRAINEE, username="13800000099")
    allowed = parse_limit(app.config["LOGIN_RATE_LIMIT"]).amount
    for _ in range(allowed + 1):
        _attempt(client, "target")
    response = login(client, classmate.username, follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_per_address_login_limit_is_generous_enough_for_a_class(app):
    assert parse_limit(app.config["LOGIN_RATE_LIMIT_PER_IP"]).amount >= 100


# --- Redirects after login and language switch ---------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "/\t/evil.example",
        "evil.example",
    ],
)
def test_login_ignores_next_urls_that_leave_the_site(client, target):
    user = make_user(Role.ORGANIZER)
    response = client.post(
        "/auth/login", query_string={"next": target}, data={"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_follows_a_next_url_on_the_site(client):
    user = make_user(Role.ORGANIZER)
    cohort = make_cohort(organizers=[user])
    response = client.post(
        "/auth/login",
        query_string={"next": f"/cohorts/{cohort.id}"},
        data={"username": user.username, "password": PASSWORD},
    )
    assert response.headers["Location"] == f"/cohorts/{cohort.id}"


def test_login_redirect_remembers_the_page_asked_for(client):
    user = make_user(Role.ORGANIZER)
    cohort = make_cohort(organizers=[user])
    response = client.get(f"/cohorts/{cohort.id}")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url.startswith("/auth/login?next=")
    response = client.post(login_url, data={"username": user.username, "password": PASSWORD})
    assert response.headers["Location"] == f"/cohorts/{cohort.id}"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example"])
def test_language_switch_ignores_next_urls_that_leave_the_site(client, target):
    response = client.post("/language", data={"lang": "en", "next": target})
    assert response.headers["Location"] == "/"


# --- Account states ---------------------------------------------------------------------


def test_user_who_must_change_password_is_sent_to_change_it(client):
    user = make_user(Role.ORGANIZER, must_change_password=True)
    cohort = make_cohort(organizers=[user])
    response = login(client, user.username, follow_redirects=False)
    assert response.headers["Location"] == "/auth/password"
    for url in ("/", "/cohorts/", f"/cohorts/{cohort.id}"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"] == "/auth/password"
    page = client.get("/auth/password").get_data(as_text=True)
    assert "为了账号安全，请先把初始密码改成只有您知道的密码。" in page


def test_user_who_must_change_password_can_still_log_out_and_switch_language(client):
    user = make_user(Role.ORGANIZER, must_change_password=True)
    login(client, user.username)
    response = client.post("/language", data={"lang": "en", "next": "/auth/password"})
    assert response.headers["Location"] == "/auth/password"
    assert client.post("/auth/logout").headers["Location"] == "/auth/login"
    assert client.get("/auth/password").headers["Location"].startswith("/auth/login")


def test_changing_the_initial_password_unlocks_the_app(client):
    user = make_user(Role.ORGANIZER, must_change_password=True)
    login(client, user.username)
    response = client.post(
        "/auth/password",
        data={"current_password": PASSWORD, "new_password": "new-secret-42", "confirm": "new-secret-42"},
    )
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    db.session.refresh(user)
    assert user.must_change_password is False
    assert user.check_password("new-secret-42")
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.password_changed")).one()
    assert event.object_id == user.id
    assert event.actor_id == user.id


def test_inactive_account_cannot_log_in(client):
    user = make_user(Role.ORGANIZER, is_active_account=False)
    response = login(client, user.username)
    assert response.status_code == 200
    assert "该账号已停用，请联系管理员。" in response.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert client.get("/").headers["Location"].startswith("/auth/login")


def test_inactive_account_with_wrong_password_gets_the_generic_message(client):
    user = make_user(Role.ORGANIZER, is_active_account=False)
    page = login(client, user.username, "not-the-password").get_data(as_text=True)
    assert "用户名或密码错误。" in page
    assert "停用" not in page  # no hint that the account exists without its password


def next_request(app, client, url: str):
    """GET in a new app context, as a server does: nothing cached from earlier requests (g, session)."""
    db.session.commit()  # in-memory SQLite shares one connection between the two sessions
    with app.app_context():
        return client.get(url)


def test_account_deactivated_while_logged_in_loses_access(app, client):
    user = make_user(Role.ORGANIZER)
    login(client, user.username)
    assert next_request(app, client, "/").status_code == 200
    user.is_active_account = False
    db.session.commit()
    response = next_request(app, client, "/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_deleted_account_in_an_old_session_is_logged_out(app, client):
    user = make_user(Role.ORGANIZER)
    login(client, user.username)
    db.session.delete(user)
    db.session.commit()
    assert next_request(app, client, "/").headers["Location"].startswith("/auth/login")


def test_session_survives_a_phone_changing_networks(app, client):
    """Classroom Wi-Fi to mobile data: a new address must not log the trainee out."""
    login(client, make_user(Role.TRAINEE).username)
    db.session.commit()
    with app.app_context():
        response = client.get("/", environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 200


def test_remember_me_restores_the_login_when_the_session_cookie_is_gone(app, client):
    user = make_user(Role.TRAINEE)
    client.post("/auth/login", data={"username": user.username, "password": PASSWORD, "remember": "y"})
    client.delete_cookie("session")
    assert next_request(app, client, "/").status_code == 200


@pytest.mark.parametrize("value", ["abc", "", "-1", "1.5", "9" * 30, "²", "١٢"])
def test_tampered_user_id_in_the_session_is_treated_as_anonymous(client, value):
    make_user(Role.ORGANIZER)
    with client.session_transaction() as session:
        session["_user_id"] = value
    assert client.get("/").headers["Location"].startswith("/auth/login")


def test_session_cookie_signed_with_another_key_is_ignored(app):
    user = make_user(Role.ADMIN)
    forger = Flask("forger")
    forger.secret_key = "not-our-secret"
    serializer = forger.session_interface.get_signing_serializer(forger)
    client = app.test_client()
    client.set_cookie("session", serializer.dumps({"_user_id": str(user.id), "_fresh": True}))
    assert client.get("/admin/users").headers["Location"].startswith("/auth/login")


# --- Characters the database cannot store --------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("POST", "/auth/login", {"username": "ab\x00c", "password": "x"}),
        ("GET", "/cohorts/?show=a%00b", None),
    ],
)
def test_nul_characters_are_refused_with_a_message_not_a_server_error(client, method, url, data):
    login(client, make_user(Role.ORGANIZER).username)
    response = client.open(url, method=method, data=data)
    assert response.status_code == 400
    assert "请求中含有无效字符。" in response.get_data(as_text=True)


def test_nul_characters_in_admin_forms_write_nothing(client):
    login(client, make_user(Role.ADMIN).username)
    before = db.session.scalar(select(db.func.count()).select_from(User))
    response = client.post(
        "/admin/users/new", data={"username": "newbie", "display_name": "a\x00b", "role": "organizer"}
    )
    assert response.status_code == 400
    assert db.session.scalar(select(db.func.count()).select_from(User)) == before


def test_a_password_reset_ends_the_sessions_of_other_devices(app):
    from tests.factories import login, make_user

    user = make_user(Role.ORGANIZER)
    lost_phone, desk = app.test_client(), app.test_client()
    login(lost_phone, user.username)
    assert lost_phone.get("/").status_code == 200
    login(desk, user.username)
    response = desk.post(
        "/auth/password",
        data={"current_password": PASSWORD, "new_password": "a-new-secret-1", "confirm": "a-new-secret-1"},
    )
    assert response.status_code == 302
    assert desk.get("/").status_code == 200  # the device that changed it stays logged in
    after = lost_phone.get("/")
    assert after.status_code == 302 and "/auth/login" in after.headers["Location"]


def test_an_admin_reset_logs_the_user_out_everywhere(app):
    from tests.factories import login, make_user

    admin = make_user(Role.ADMIN)
    user = make_user(Role.ORGANIZER)
    phone, admin_client = app.test_client(), app.test_client()
    login(phone, user.username)
    login(admin_client, admin.username)
    assert (
        admin_client.post(f"/admin/users/{user.id}/reset-password", data={"confirm": "y"}).status_code == 200
    )
    assert phone.get("/").status_code == 302
