"""Trainee logins: one-step creation per cohort, passwords shown once, login slips PDF, reset."""

from __future__ import annotations

import base64
import html as html_lib
import re
import subprocess

import pytest
from sqlalchemy import func, select

from cadre.extensions import db
from cadre.models import AuditEvent, EnrollmentStatus, Role, User
from tests.factories import enroll, login, make_cohort, make_trainee, make_trainee_user, make_user
from tests.pdf_support import pdf_text


def pdf_pages(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def slips_from(page_html: str) -> bytes:
    """The login slips PDF embedded in a result page as a data: download link."""
    match = re.search(r'href="data:application/pdf;base64,([A-Za-z0-9+/=]+)"', page_html)
    assert match, "no embedded slips PDF"
    pdf = base64.b64decode(match.group(1))
    assert pdf.startswith(b"%PDF-")
    return pdf


def passwords_on(page_html: str) -> dict[str, str]:
    """username → password as the result table shows them."""
    rows = re.findall(
        r'<td class="text-nowrap">(\d{11})</td>\s*<td class="password-once text-nowrap"[^>]*>([^<]+)</td>',
        page_html,
    )
    return {u: html_lib.unescape(p) for u, p in rows}


@pytest.fixture
def cohort_world(app):
    organizer = make_user(Role.ORGANIZER, username="org")
    make_user(Role.ORGANIZER, username="stranger")
    cohort = make_cohort(organizers=[organizer], name="青蓝接力班", code="QLJL2025")
    people = {}
    for n, (name, group) in enumerate([("张三", "第一组"), ("李四", "第一组"), ("王五", "第二组")]):
        people[name] = make_trainee(name=name, phone=f"1381234567{n}")
        enroll(cohort, people[name], group=group)
    people["无号"] = make_trainee(name="无号", phone=None)
    enroll(cohort, people["无号"])
    people["撞号"] = make_trainee(name="撞号", phone="13999990000")
    enroll(cohort, people["撞号"])
    make_user(Role.ORGANIZER, username="13999990000")  # a staff login already uses that phone
    people["已退"] = make_trainee(name="已退", phone="13700000001")
    enroll(cohort, people["已退"], status=EnrollmentStatus.WITHDRAWN)
    existing = make_trainee_user(cohort, name="老学员", phone="13600000001")
    return {"organizer": organizer, "cohort": cohort, "people": people, "existing": existing}


def url(cohort) -> str:
    return f"/trainees/accounts/cohort/{cohort.id}"


def test_accounts_page_shows_what_one_click_will_do(client, cohort_world):
    login(client, "org")
    html = client.get(url(cohort_world["cohort"])).get_data(as_text=True)
    assert "为 3 名学员开通账号" in html
    assert "没有手机号码，无法开通" in html
    assert "该手机号码已被其他账号用作用户名" in html
    assert "已退" not in html  # withdrawn trainees get no login


def test_one_click_creates_logins_for_active_trainees_without_one(client, cohort_world):
    login(client, "org")
    response = client.post(url(cohort_world["cohort"]))
    assert response.status_code == 200
    page_html = response.get_data(as_text=True)
    shown = passwords_on(page_html)
    assert set(shown) == {"13812345670", "13812345671", "13812345672"}
    users = db.session.scalars(select(User).where(User.username.in_(shown))).all()
    assert len(users) == 3
    for user in users:
        assert user.role == Role.TRAINEE
        assert user.must_change_password
        assert user.trainee.phone == user.username and user.display_name == user.trainee.name
        assert user.check_password(shown[user.username])
        assert shown[user.username] not in user.password_hash  # nothing kept in clear
    assert db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.TRAINEE)) == 4


def test_skipped_trainees_are_listed_with_the_reason(client, cohort_world):
    login(client, "org")
    page_html = client.post(url(cohort_world["cohort"])).get_data(as_text=True)
    assert "无号：" in page_html and "没有手机号码" in page_html
    assert "撞号：" in page_html and "13999990000 已被其他账号用作用户名" in page_html
    assert "本次开通 3 个账号；此前已有账号 1 人；跳过 2 人。" in page_html
    staff = db.session.scalar(select(User).where(User.username == "13999990000"))
    assert staff.role == Role.ORGANIZER and staff.trainee_id is None


def test_passwords_are_shown_only_once(client, cohort_world):
    login(client, "org")
    first = client.post(url(cohort_world["cohort"]))
    shown = passwords_on(first.get_data(as_text=True))
    assert "no-store" in first.headers["Cache-Control"]
    again = client.post(url(cohort_world["cohort"])).get_data(as_text=True)
    overview = client.get(url(cohort_world["cohort"])).get_data(as_text=True)
    for password in shown.values():
        assert password not in again and password not in overview
    assert passwords_on(again) == {}
    assert "没有需要开通的账号" in again
    assert "data:application/pdf" not in again


def test_account_creation_is_audited_with_counts(client, cohort_world):
    login(client, "org")
    client.post(url(cohort_world["cohort"]))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.created"))
    assert event.cohort_id == cohort_world["cohort"].id
    assert event.actor_id == cohort_world["organizer"].id
    assert (event.after["created"], event.after["skipped"], event.after["existing"]) == (3, 2, 1)
    assert sorted(event.after["usernames"]) == ["13812345670", "13812345671", "13812345672"]
    assert "password" not in str(event.after).lower()


def test_login_slips_pdf_has_one_chinese_slip_per_trainee(client, cohort_world):
    login(client, "org")
    page_html = client.post(url(cohort_world["cohort"])).get_data(as_text=True)
    pdf = slips_from(page_html)
    assert pdf_pages(pdf) == 1
    text = pdf_text(pdf)
    shown = passwords_on(page_html)
    for name in ("张三", "李四", "王五"):
        assert name in text
    for username, password in shown.items():
        assert username in text and password in text
    assert text.count("首次登录后须修改密码") == 3
    assert text.count("青蓝接力班") == 3
    assert "第二组" in text
    assert "https://cadre.example.gov.cn/" in text  # the configured public address (TestConfig)


def test_login_slips_fit_eight_to_an_a4_page(client, app):
    organizer = make_user(Role.ORGANIZER, username="org")
    cohort = make_cohort(organizers=[organizer])
    for n in range(17):
        enroll(cohort, make_trainee(name=f"学员{n}"))
    login(client, "org")
    page_html = client.post(url(cohort)).get_data(as_text=True)
    pdf = slips_from(page_html)
    assert pdf_pages(pdf) == 3  # 8 + 8 + 1
    assert pdf_text(pdf).count("首次登录后须修改密码") == 17


def test_first_login_with_the_slip_forces_a_password_change(client, cohort_world):
    login(client, "org")
    shown = passwords_on(client.post(url(cohort_world["cohort"])).get_data(as_text=True))
    client.post("/auth/logout")
    response = login(client, "13812345670", shown["13812345670"], follow_redirects=False)
    assert response.headers["Location"].endswith("/auth/password")
    assert client.get("/").status_code == 302  # every page leads to the change first


def test_only_organizers_of_the_cohort_manage_its_accounts(client, cohort_world):
    cohort = cohort_world["cohort"]
    login(client, "stranger")
    assert client.get(url(cohort)).status_code == 403
    assert client.post(url(cohort)).status_code == 403
    client.post("/auth/logout")
    login(client, cohort_world["existing"].username)
    assert client.get(url(cohort)).status_code == 403
    assert client.post(url(cohort)).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.TRAINEE)) == 1


def test_admin_may_create_accounts_for_any_cohort(client, cohort_world):
    make_user(Role.ADMIN, username="admin")
    login(client, "admin")
    assert len(passwords_on(client.post(url(cohort_world["cohort"])).get_data(as_text=True))) == 3


def test_missing_cohort_is_404(client, cohort_world):
    login(client, "org")
    assert client.get("/trainees/accounts/cohort/99999").status_code == 404


# --- reset ------------------------------------------------------------------------------------


def reset(client, user, cohort=None):
    data = {"cohort_id": str(cohort.id)} if cohort else {}
    return client.post(f"/trainees/{user.trainee_id}/reset-password", data=data)


def test_reset_gives_a_new_password_once_and_forces_a_change(client, cohort_world):
    existing = cohort_world["existing"]
    login(client, "org")
    response = reset(client, existing, cohort_world["cohort"])
    assert response.status_code == 200
    page_html = response.get_data(as_text=True)
    shown = passwords_on(page_html)
    assert list(shown) == [existing.username]
    db.session.expire_all()
    user = db.session.get(User, existing.id)
    assert user.must_change_password
    assert user.check_password(shown[existing.username])
    assert not user.check_password("correct-horse-9")
    pdf = slips_from(page_html)
    assert pdf_pages(pdf) == 1
    text = pdf_text(pdf)
    assert "老学员" in text and shown[existing.username] in text and "青蓝接力班" in text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.password_reset"))
    assert event.object_id == existing.id and event.cohort_id == cohort_world["cohort"].id


def test_reset_picks_the_organizers_cohort_for_the_slip_when_none_is_given(client, cohort_world):
    login(client, "org")
    text = pdf_text(slips_from(reset(client, cohort_world["existing"]).get_data(as_text=True)))
    assert "青蓝接力班" in text


def test_after_reset_the_next_login_must_change_the_password(client, cohort_world):
    existing = cohort_world["existing"]
    login(client, "org")
    password = passwords_on(reset(client, existing).get_data(as_text=True))[existing.username]
    client.post("/auth/logout")
    response = login(client, existing.username, password, follow_redirects=False)
    assert response.headers["Location"].endswith("/auth/password")


def test_reset_by_someone_who_does_not_manage_the_trainee_is_refused(client, cohort_world):
    existing = cohort_world["existing"]
    login(client, "stranger")
    assert reset(client, existing).status_code == 403
    db.session.expire_all()
    assert db.session.get(User, existing.id).check_password("correct-horse-9")


def test_trainee_cannot_reset_anyone(client, cohort_world):
    login(client, cohort_world["existing"].username)
    other = make_trainee_user(cohort_world["cohort"])
    assert reset(client, other).status_code == 403


def test_reset_of_a_trainee_without_login_says_so(client, cohort_world):
    login(client, "org")
    zhang = cohort_world["people"]["张三"]
    response = client.post(f"/trainees/{zhang.id}/reset-password", follow_redirects=True)
    assert "还没有登录账号" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_trainee_can_change_the_initial_password_and_then_use_the_site(client, cohort_world):
    login(client, "org")
    shown = passwords_on(client.post(url(cohort_world["cohort"])).get_data(as_text=True))
    client.post("/auth/logout")
    login(client, "13812345671", shown["13812345671"])
    response = client.post(
        "/auth/password",
        data={
            "current_password": shown["13812345671"],
            "new_password": "a-new-secret-42",
            "confirm": "a-new-secret-42",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    "groups",
    [
        ["第一组", "第二组", "第三组", "第四组", "第五组", "第十组", "第十一组", "第二十组", None],
        ["1组", "2组", "10组", None],
    ],
)
def test_groups_sort_by_their_number(groups):
    from cadre.rules.cohort_rules import group_sort_key

    assert sorted(reversed(groups), key=group_sort_key) == groups


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_account_forms_carry_csrf_tokens_and_refuse_posts_without(client, cohort_world, csrf_on):
    cohort = cohort_world["cohort"]
    page_html = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page_html).group(1)
    client.post("/auth/login", data={"username": "org", "password": "correct-horse-9", "csrf_token": token})
    assert client.post(url(cohort)).status_code == 400
    existing = cohort_world["existing"]
    assert client.post(f"/trainees/{existing.trainee_id}/reset-password").status_code == 400
    assert db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.TRAINEE)) == 1
    overview = client.get(url(cohort)).get_data(as_text=True)
    tokens = re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', overview)
    assert len(tokens) >= 2  # the create form and every reset form
    result = client.post(url(cohort), data={"csrf_token": tokens[-1]}).get_data(as_text=True)
    assert len(passwords_on(result)) == 3
