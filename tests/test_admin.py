"""Account management by admins: create, edit, reset passwords; everything audited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from cadre.extensions import db
from cadre.models import AuditEvent, Role, User
from tests import auth_support
from tests.factories import PASSWORD, login, make_cohort, make_trainee_user, make_user

fast_password_hashing = auth_support.fast_password_hashing  # autouse here


def errors_on(page: str) -> list[str]:
    return re.findall(r'class="invalid-feedback[^"]*">([^<]*)<', page)


def shown_password(page: str) -> str:
    match = re.search(r'class="password-once">([^<]+)<', page)
    assert match, "no password shown"
    return match.group(1).strip()


def user_named(username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def audit_events(action: str | None = None) -> list[AuditEvent]:
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return list(db.session.scalars(stmt))


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def login_elsewhere(app, username: str, password: str = PASSWORD, follow_redirects: bool = True):
    """Log in from another browser: its own client, its requests in their own app context."""
    db.session.commit()  # in-memory SQLite shares its one connection with that context
    with app.app_context():
        client = app.test_client()
        return client, login(client, username, password, follow_redirects=follow_redirects)


def new_user_form(**overrides) -> dict:
    data = {"username": "zhang.wei", "display_name": "张伟", "role": "organizer", "is_active_account": "y"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- The list ------------------------------------------------------------------------------


def test_user_list_shows_staff_with_their_cohorts(client, admin):
    organizer = make_user(Role.ORGANIZER, username="li.na", display_name="李娜")
    make_cohort(organizers=[organizer], code="QLJL2025")
    make_trainee_user(make_cohort())
    page = client.get("/admin/users").get_data(as_text=True)
    assert "li.na" in page and "李娜" in page and "QLJL2025" in page
    assert "另有 1 个学员账号" in page


# --- Creating accounts ------------------------------------------------------------------------


def test_admin_creates_an_organizer_with_cohorts(client, admin):
    first, second, other = make_cohort(), make_cohort(), make_cohort()
    response = client.post("/admin/users/new", data=new_user_form(cohorts=[first.id, second.id]))
    assert response.status_code == 200
    password = shown_password(response.get_data(as_text=True))
    assert len(password) >= 8

    user = user_named("zhang.wei")
    assert user.role == Role.ORGANIZER
    assert user.display_name == "张伟"
    assert user.must_change_password is True
    assert {c.id for c in user.managed_cohorts} == {first.id, second.id}
    assert other.id not in {c.id for c in user.managed_cohorts}
    assert user.check_password(password)

    (event,) = audit_events("user.created")
    assert event.object_id == user.id
    assert event.actor_id == admin.id
    assert event.after["username"] == "zhang.wei"
    assert event.after["role"] == "organizer"
    assert password not in repr(event.after)


def test_password_is_shown_once_only(client, admin):
    response = client.post("/admin/users/new", data=new_user_form())
    password = shown_password(response.get_data(as_text=True))
    assert "此密码只显示这一次" in response.get_data(as_text=True)
    for url in ("/admin/users", f"/admin/users/{user_named('zhang.wei').id}/edit"):
        assert password not in client.get(url).get_data(as_text=True)


def test_new_organizer_must_change_the_password_at_first_login(app, client, admin):
    response = client.post("/admin/users/new", data=new_user_form())
    password = shown_password(response.get_data(as_text=True))
    newcomer, response = login_elsewhere(app, "zhang.wei", password, follow_redirects=False)
    assert response.headers["Location"] == "/auth/password"
    with app.app_context():
        assert newcomer.get("/").headers["Location"] == "/auth/password"


def test_admin_may_set_the_initial_password(client, admin):
    response = client.post("/admin/users/new", data=new_user_form(password="chosen-pass-1"))
    assert shown_password(response.get_data(as_text=True)) == "chosen-pass-1"
    assert user_named("zhang.wei").check_password("chosen-pass-1")


def test_cohorts_are_only_kept_for_organizers(client, admin):
    cohort = make_cohort()
    client.post("/admin/users/new", data=new_user_form(role="admin", cohorts=[cohort.id]))
    assert user_named("zhang.wei").managed_cohorts == []


@pytest.mark.parametrize("taken", ["li.na", "LI.NA"])
def test_duplicate_username_is_refused(client, admin, taken):
    make_user(Role.ORGANIZER, username="li.na")
    before = count_users()
    response = client.post("/admin/users/new", data=new_user_form(username=taken))
    assert response.status_code == 200
    assert "该用户名已被使用。" in errors_on(response.get_data(as_text=True))
    assert count_users() == before
    assert audit_events() == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"username": ""}, "请输入用户名。"),
        ({"username": "has space"}, "用户名只能包含字母、数字和 _ . @ -。"),
        ({"username": "王伟"}, "用户名只能包含字母、数字和 _ . @ -。"),
        ({"username": "a" * 65}, "用户名最多 64 个字符。"),
        ({"display_name": "   "}, "请输入姓名。"),
        ({"password": "short"}, "密码至少 8 位。"),
        ({"role": "superuser"}, "不是有效的选择。"),
        ({"role": "trainee"}, "不是有效的选择。"),  # trainee accounts come from a cohort's trainees
        ({"cohorts": ["abc"]}, None),
        ({"cohorts": ["999999"]}, "所选的项目已不存在，请刷新页面后重新选择。"),
    ],
)
def test_bad_account_forms_are_refused_field_by_field(client, admin, overrides, message):
    make_cohort()
    before = count_users()
    response = client.post("/admin/users/new", data=new_user_form(**overrides))
    assert response.status_code == 200
    errors = errors_on(response.get_data(as_text=True))
    assert errors, "the form should say what is wrong"
    if message:
        assert message in errors
    assert all(re.search(r"[\u4e00-\u9fff]", e) for e in errors), errors
    assert count_users() == before
    assert audit_events() == []


# --- Editing accounts --------------------------------------------------------------------------


def test_admin_edits_an_organizer_and_the_change_is_audited(client, admin):
    old, new = make_cohort(), make_cohort()
    organizer = make_user(Role.ORGANIZER, username="li.na", display_name="李娜")
    organizer.managed_cohorts = [old]
    db.session.commit()
    response = client.post(
        f"/admin/users/{organizer.id}/edit",
        data=new_user_form(username="li.na", display_name="李娜娜", cohorts=[new.id]),
    )
    assert response.headers["Location"] == "/admin/users"
    organizer = user_named("li.na")
    assert organizer.display_name == "李娜娜"
    assert [c.id for c in organizer.managed_cohorts] == [new.id]
    assert organizer.check_password(PASSWORD)  # no new password given: unchanged

    (event,) = audit_events("user.updated")
    assert event.object_id == organizer.id
    assert event.before["display_name"] == "李娜"
    assert event.after["display_name"] == "李娜娜"
    assert event.before["cohorts"] == [old.id]
    assert event.after["cohorts"] == [new.id]


def test_edit_form_shows_the_current_values(client, admin):
    cohort = make_cohort(code="QLJL2025")
    organizer = make_user(Role.ORGANIZER, username="li.na", display_name="李娜")
    organizer.managed_cohorts = [cohort]
    db.session.commit()
    page = client.get(f"/admin/users/{organizer.id}/edit").get_data(as_text=True)
    assert 'value="li.na"' in page
    assert 'value="李娜"' in page
    assert re.search(rf'<input[^>]*checked[^>]*value="{cohort.id}"|value="{cohort.id}"[^>]*checked', page)
    assert re.search(r'<option selected value="organizer">|<option value="organizer" selected', page)


def test_setting_a_password_on_edit_forces_a_change_at_next_login(client, admin):
    organizer = make_user(Role.ORGANIZER, username="li.na")
    client.post(
        f"/admin/users/{organizer.id}/edit", data=new_user_form(username="li.na", password="temp-pass-9")
    )
    organizer = user_named("li.na")
    assert organizer.check_password("temp-pass-9")
    assert organizer.must_change_password is True


def test_renaming_to_a_taken_username_is_refused(client, admin):
    make_user(Role.ORGANIZER, username="taken")
    organizer = make_user(Role.ORGANIZER, username="li.na")
    response = client.post(f"/admin/users/{organizer.id}/edit", data=new_user_form(username="Taken"))
    assert "该用户名已被使用。" in errors_on(response.get_data(as_text=True))
    assert user_named("li.na") is not None
    assert audit_events() == []


def test_admin_cannot_demote_themself(client, admin):
    response = client.post(
        f"/admin/users/{admin.id}/edit", data=new_user_form(username="boss", role="organizer")
    )
    assert response.status_code == 200
    assert "不能取消自己的管理员权限。" in errors_on(response.get_data(as_text=True))
    assert user_named("boss").role == Role.ADMIN
    assert audit_events() == []


def test_admin_cannot_deactivate_themself(client, admin):
    response = client.post(
        f"/admin/users/{admin.id}/edit",
        data=new_user_form(username="boss", role="admin", is_active_account=None),
    )
    assert response.status_code == 200
    assert "不能停用自己的账号。" in errors_on(response.get_data(as_text=True))
    assert user_named("boss").is_active_account is True


def test_admin_may_demote_another_admin(client, admin):
    other = make_user(Role.ADMIN, username="second")
    client.post(f"/admin/users/{other.id}/edit", data=new_user_form(username="second", role="organizer"))
    assert user_named("second").role == Role.ORGANIZER


def test_deactivated_organizer_can_no_longer_log_in(app, client, admin):
    organizer = make_user(Role.ORGANIZER, username="li.na")
    client.post(
        f"/admin/users/{organizer.id}/edit", data=new_user_form(username="li.na", is_active_account=None)
    )
    assert user_named("li.na").is_active_account is False
    page = login_elsewhere(app, "li.na")[1].get_data(as_text=True)
    assert "该账号已停用，请联系管理员。" in page
    (event,) = audit_events("user.updated")
    assert (event.before["is_active_account"], event.after["is_active_account"]) == (True, False)


def test_trainee_account_cannot_become_staff(client, admin):
    trainee = make_trainee_user(make_cohort())
    response = client.post(
        f"/admin/users/{trainee.id}/edit",
        data=new_user_form(username=trainee.username, role="organizer"),
    )
    assert "不是有效的选择。" in errors_on(response.get_data(as_text=True))
    assert user_named(trainee.username).role == Role.TRAINEE


def test_unknown_account_ids_are_404(client, admin):
    assert client.get("/admin/users/999999/edit").status_code == 404
    assert client.post("/admin/users/999999/edit", data=new_user_form()).status_code == 404
    assert client.post("/admin/users/999999/reset-password").status_code == 404
    assert audit_events() == []


# --- Resetting passwords ----------------------------------------------------------------------


def test_admin_resets_a_password(app, client, admin):
    organizer = make_user(Role.ORGANIZER, username="li.na")
    response = client.post(f"/admin/users/{organizer.id}/reset-password")
    assert response.status_code == 200
    password = shown_password(response.get_data(as_text=True))

    organizer = user_named("li.na")
    assert organizer.must_change_password is True
    assert organizer.check_password(password)
    assert not organizer.check_password(PASSWORD)
    (event,) = audit_events("user.password_reset")
    assert (event.object_id, event.actor_id) == (organizer.id, admin.id)

    assert "用户名或密码错误。" in login_elsewhere(app, "li.na", PASSWORD)[1].get_data(as_text=True)
    response = login_elsewhere(app, "li.na", password, follow_redirects=False)[1]
    assert response.headers["Location"] == "/auth/password"


def test_reset_password_is_a_post(client, admin):
    organizer = make_user(Role.ORGANIZER)
    assert client.get(f"/admin/users/{organizer.id}/reset-password").status_code == 405
    assert audit_events() == []


@pytest.mark.parametrize("role", [Role.ORGANIZER, Role.TRAINEE])
def test_only_admins_manage_accounts(client, role):
    user = make_user(role)
    victim = make_user(Role.ORGANIZER)
    login(client, user.username)
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users/new", data=new_user_form()).status_code == 403
    assert client.post(f"/admin/users/{victim.id}/reset-password").status_code == 403
    assert client.post(f"/admin/users/{user.id}/edit", data=new_user_form(role="admin")).status_code == 403
    assert user_named("zhang.wei") is None
    db.session.refresh(user)
    assert user.role == role
    assert audit_events() == []


def test_a_username_taken_by_a_concurrent_request_is_a_form_error_not_a_500(client, monkeypatch):
    import cadre.admin.services as admin_services

    admin = make_user(Role.ADMIN)
    make_user(Role.ORGANIZER, username="wangfang")
    login(client, admin.username)
    # The other request committed between our check and our insert.
    monkeypatch.setattr(admin_services, "username_taken", lambda *a, **kw: False)
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    response = client.post(
        "/admin/users/new",
        data={"username": "wangfang", "display_name": "王芳", "role": "organizer", "is_active_account": "y"},
    )
    assert response.status_code == 200
    assert "该用户名已被使用。" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "wangfang")) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before
