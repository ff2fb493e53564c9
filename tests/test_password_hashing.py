"""No timing oracle at login: every password is hashed with the same parameters, and an unknown
username costs a check against a hash with those parameters too.

Compared by parameters (method, cost, salt length), not by timing: timings on a shared machine
prove nothing either way. These tests use the real (slow) method on purpose.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cadre.auth import passwords
from cadre.auth.passwords import PASSWORD_METHOD, SALT_LENGTH, hash_parameters
from cadre.extensions import db
from cadre.models import Role, User
from tests.factories import PASSWORD, login, make_user

STANDARD = (PASSWORD_METHOD, SALT_LENGTH)


def stored_hash(username: str) -> str:
    db.session.expire_all()
    return db.session.scalar(select(User.password_hash).where(User.username == username))


@pytest.fixture
def checked_hashes(monkeypatch) -> list[tuple[str, int]]:
    """The parameters of every hash a password is checked against, in order."""
    seen: list[tuple[str, int]] = []
    real = passwords.check_password_hash

    def spy(password_hash: str, password: str) -> bool:
        seen.append(hash_parameters(password_hash))
        return real(password_hash, password)

    monkeypatch.setattr(passwords, "check_password_hash", spy)
    return seen


def test_the_one_method_is_memory_hard_and_salted():
    method, cost, block, parallel = PASSWORD_METHOD.split(":")
    assert method == "scrypt" and int(cost) >= 2**14 and int(block) >= 8 and int(parallel) >= 1
    assert SALT_LENGTH >= 16
    assert hash_parameters(passwords.hash_password("x" * 10)) == STANDARD


def test_every_way_of_setting_a_password_uses_the_same_parameters(app, client, runner):
    admin = make_user(Role.ADMIN, username="boss")
    assert hash_parameters(stored_hash("boss")) == STANDARD  # User.set_password
    login(client, admin.username)

    # An admin creates an account (generated password), sets one on edit, resets one.
    client.post(
        "/admin/users/new",
        data={"username": "li.na", "display_name": "李娜", "role": "organizer", "is_active_account": "y"},
    )
    assert hash_parameters(stored_hash("li.na")) == STANDARD
    organizer = db.session.scalar(select(User).where(User.username == "li.na"))
    client.post(
        f"/admin/users/{organizer.id}/edit",
        data={
            "username": "li.na",
            "display_name": "李娜",
            "role": "organizer",
            "is_active_account": "y",
            "password": "temp-pass-9",
        },
    )
    edited = stored_hash("li.na")
    assert hash_parameters(edited) == STANDARD
    client.post(f"/admin/users/{organizer.id}/reset-password")
    assert stored_hash("li.na") != edited
    assert hash_parameters(stored_hash("li.na")) == STANDARD

    # One's own change of password.
    client.post(
        "/auth/password",
        data={"current_password": PASSWORD, "new_password": "a-new-secret-7", "confirm": "a-new-secret-7"},
    )
    assert hash_parameters(stored_hash("boss")) == STANDARD

    # The command line, and the demo loader's shared password.
    result = runner.invoke(
        args=["cadre", "create-admin", "--username", "wang", "--password", "staff-room-42"]
    )
    assert result.exit_code == 0, result.output
    assert hash_parameters(stored_hash("wang")) == STANDARD
    result = runner.invoke(args=["cadre", "demo", "--password", "cadre-demo", "--trainees", "5"])
    assert result.exit_code == 0, result.output
    assert hash_parameters(stored_hash("trainee")) == STANDARD


def test_an_unknown_username_costs_a_check_with_the_same_parameters(client, checked_hashes):
    response = login(client, "13900000000", "whatever-123")
    assert "用户名或密码错误。" in response.get_data(as_text=True)
    assert checked_hashes == [STANDARD]


def test_a_wrong_password_costs_one_check_with_the_same_parameters(client, checked_hashes):
    make_user(Role.TRAINEE, username="13900000001")
    assert "用户名或密码错误。" in login(client, "13900000001", "whatever-123").get_data(as_text=True)
    assert checked_hashes == [STANDARD]


def test_a_disabled_account_costs_the_same_check(client, checked_hashes):
    make_user(Role.ORGANIZER, username="gone", is_active_account=False)
    login(client, "gone", "whatever-123")
    assert checked_hashes == [STANDARD]


def test_initial_passwords_on_login_slips_use_the_same_parameters(app, client):
    """Issued logins and organizer resets: the accounts a timing oracle would have singled out."""
    from tests.factories import enroll, make_cohort, make_trainee

    organizer = make_user(Role.ORGANIZER, username="lin")
    cohort = make_cohort(organizers=[organizer])
    trainees = [make_trainee(name=f"学员{i}", phone=f"1390000010{i}") for i in range(3)]
    for t in trainees:
        enroll(cohort, t)
    login(client, organizer.username)

    response = client.post(f"/trainees/accounts/cohort/{cohort.id}")
    assert response.status_code == 200
    issued = [stored_hash(t.phone) for t in trainees]
    assert all(h is not None and hash_parameters(h) == STANDARD for h in issued)
    assert len(set(issued)) == 3  # each its own password and salt

    client.post(f"/trainees/{trainees[0].id}/reset-password")
    assert stored_hash(trainees[0].phone) != issued[0]
    assert hash_parameters(stored_hash(trainees[0].phone)) == STANDARD
