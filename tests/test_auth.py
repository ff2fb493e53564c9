"""Logging in and out, changing one's password, and the error pages people meet on the way."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from cadre.extensions import db
from cadre.models import AuditEvent, Role
from tests import auth_support
from tests.factories import PASSWORD, login, make_cohort, make_trainee_user, make_user

fast_password_hashing = auth_support.fast_password_hashing  # autouse here


def errors_on(page: str) -> list[str]:
    """The messages shown under form fields."""
    return re.findall(r'class="invalid-feedback[^"]*">([^<]*)<', page)


def logged_in_user_id(client) -> str | None:
    with client.session_transaction() as session:
        return session.get("_user_id")


# --- Logging in ------------------------------------------------------------------------


def test_organizer_logs_in_and_lands_on_their_home_page(client):
    user = make_user(Role.ORGANIZER, display_name="王老师")
    response = login(client, user.username, follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "王老师" in page
    assert "我的培训班" in page


def test_login_records_the_time(client):
    user = make_user(Role.ORGANIZER)
    assert user.last_login_at is None
    login(client, user.username)
    db.session.refresh(user)
    assert user.last_login_at is not None


def test_trainee_logs_in_with_their_phone_number(client):
    cohort = make_cohort(name="青蓝接力")
    user = make_trainee_user(cohort, name="陈晓")
    assert user.username.isdigit()
    page = login(client, user.username).get_data(as_text=True)
    assert "您好，陈晓" in page
    assert "青蓝接力" in page


@pytest.mark.parametrize("typed", ["  {u}  ", "{U}"])
def test_username_ignores_surrounding_spaces_and_case(client, typed):
    user = make_user(Role.ORGANIZER, username="wang.li")
    response = login(client, typed.format(u=user.username, U=user.username.upper()), follow_redirects=False)
    assert response.headers["Location"] == "/"


def test_wrong_password_gets_a_clear_message(client):
    user = make_user(Role.ORGANIZER)
    response = login(client, user.username, "not-the-password")
    assert response.status_code == 200
    assert "用户名或密码错误。" in response.get_data(as_text=True)
    assert logged_in_user_id(client) is None


def test_unknown_user_gets_the_same_message_as_a_wrong_password(client):
    response = login(client, "nobody-here", "whatever-123")
    assert response.status_code == 200
    assert "用户名或密码错误。" in response.get_data(as_text=True)
    assert logged_in_user_id(client) is None


def test_password_is_case_sensitive(client):
    user = make_user(Role.ORGANIZER)
    assert "用户名或密码错误。" in login(client, user.username, PASSWORD.upper()).get_data(as_text=True)


def test_blank_login_form_says_what_is_missing(client):
    response = client.post("/auth/login", data={"username": "", "password": ""})
    assert response.status_code == 200
    assert errors_on(response.get_data(as_text=True)) == ["请输入用户名。", "请输入密码。"]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"username": "a" * 5000, "password": "b" * 5000},
        {"username": "x", "password": "y", "remember": "not-a-boolean"},
        {"username": ["one", "two"], "password": "y"},
        {"username": "<script>alert(1)</script>", "password": "y"},
        {"username": "' OR 1=1 --", "password": "' OR 1=1 --"},
        {"username": "😀👍", "password": "密码"},
    ],
    ids=["nothing", "huge", "bad-boolean", "repeated", "html", "sql", "emoji"],
)
def test_malformed_login_forms_get_an_answer_not_an_error(client, data):
    response = client.post("/auth/login", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert logged_in_user_id(client) is None


def test_overlong_username_is_refused_in_chinese(client):
    page = client.post("/auth/login", data={"username": "a" * 65, "password": "x"}).get_data(as_text=True)
    (message,) = errors_on(page)
    assert re.search(r"[\u4e00-\u9fff]", message), message


def test_login_page_for_someone_logged_in_goes_home(client):
    login(client, make_user(Role.ORGANIZER).username)
    response = client.get("/auth/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_remember_me_sets_a_lasting_cookie_only_when_asked(client):
    user = make_user(Role.TRAINEE)
    plain = client.post("/auth/login", data={"username": user.username, "password": PASSWORD})
    assert not any(c.startswith("remember_token=") for c in plain.headers.getlist("Set-Cookie"))
    client.post("/auth/logout")
    remembered = client.post(
        "/auth/login", data={"username": user.username, "password": PASSWORD, "remember": "y"}
    )
    assert any(c.startswith("remember_token=") for c in remembered.headers.getlist("Set-Cookie"))


# --- Logging out --------------------------------------------------------------------------


def test_logout_is_a_post(client):
    login(client, make_user(Role.ORGANIZER).username)
    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert "不支持此操作。" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200  # still logged in


def test_logout_ends_the_session(client):
    login(client, make_user(Role.ORGANIZER).username)
    response = client.post("/auth/logout", follow_redirects=True)
    assert "您已退出登录。" in response.get_data(as_text=True)
    assert logged_in_user_id(client) is None
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_logout_forgets_the_remember_me_cookie(client):
    user = make_user(Role.TRAINEE)
    client.post("/auth/login", data={"username": user.username, "password": PASSWORD, "remember": "y"})
    client.post("/auth/logout")
    assert client.get_cookie("remember_token") is None
    assert client.get("/").status_code == 302


def test_every_page_offers_logout_as_a_form(client):
    login(client, make_user(Role.ORGANIZER).username)
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'<form method="post" action="/auth/logout"', page)
    assert 'href="/auth/logout"' not in page


# --- Changing one's password ----------------------------------------------------------------


def _change(client, current=PASSWORD, new="a-new-secret-7", confirm=None):
    return client.post(
        "/auth/password",
        data={
            "current_password": current,
            "new_password": new,
            "confirm": new if confirm is None else confirm,
        },
    )


def _audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_password_change_works_and_is_audited(client):
    user = make_user(Role.ORGANIZER)
    login(client, user.username)
    response = _change(client)
    assert response.headers["Location"] == "/"
    assert "密码已修改。" in client.get("/").get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password("a-new-secret-7")
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.action, event.object_type, event.object_id, event.actor_id) == (
        "user.password_changed",
        "users",
        user.id,
        user.id,
    )
    assert "a-new-secret-7" not in repr((event.before, event.after))
    client.post("/auth/logout")
    assert login(client, user.username, "a-new-secret-7", follow_redirects=False).status_code == 302


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"current": "wrong-one"}, "当前密码不正确。"),
        ({"new": "short"}, "新密码至少 8 位。"),
        ({"confirm": "something-else"}, "两次输入的新密码不一致。"),
        ({"new": PASSWORD}, "新密码不能与当前密码相同。"),
        ({"current": ""}, "请输入当前密码。"),
        ({"new": ""}, "请输入新密码。"),
    ],
)
def test_password_change_mistakes_are_explained_and_change_nothing(client, kwargs, message):
    user = make_user(Role.ORGANIZER)
    login(client, user.username)
    response = _change(client, **kwargs)
    assert response.status_code == 200
    assert message in errors_on(response.get_data(as_text=True))
    db.session.refresh(user)
    assert user.check_password(PASSWORD)
    assert _audit_count() == 0


def test_password_page_needs_login(client):
    response = client.get("/auth/password")
    assert response.headers["Location"].startswith("/auth/login")


# --- Error pages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/no-such-page", "/cohorts/999999", "/admin/users/999999/edit", "/cohorts/abc"]
)
def test_unknown_pages_and_ids_get_a_chinese_404(client, url):
    login(client, make_user(Role.ADMIN).username)
    response = client.get(url)
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "您要找的页面不存在。" in page
    assert "返回首页" in page


def test_anonymous_visitor_of_an_unknown_page_gets_a_404_not_a_login_redirect(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "您要找的页面不存在。" in response.get_data(as_text=True)


def test_forbidden_page_says_so_in_chinese(client):
    login(client, make_user(Role.ORGANIZER).username)
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "您没有权限访问此页面。" in response.get_data(as_text=True)


def test_error_pages_answer_json_clients_in_json(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json() == {"error": "您要找的页面不存在。"}


def test_wrong_method_gets_a_405_page(client):
    response = client.put("/auth/login")
    assert response.status_code == 405
    assert "不支持此操作。" in response.get_data(as_text=True)
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_oversized_request_is_refused_with_its_limit(app, client):
    login(client, make_user(Role.ORGANIZER).username)
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post("/auth/password", data={"current_password": "x" * (limit + 1)})
    assert response.status_code == 413
    assert f"上传的文件太大，上限为 {limit // (1024 * 1024)} MB。" in response.get_data(as_text=True)
