"""`flask --app app cadre create-admin`, with options and interactively."""

from __future__ import annotations

from sqlalchemy import func, select

from cadre.extensions import db
from cadre.models import AuditEvent, Role, User
from tests.factories import login, make_user

NEW_PASSWORD = "staff-room-42"


def admins() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == Role.ADMIN)))


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_create_admin_with_options_creates_an_admin_who_can_log_in(runner, client):
    result = runner.invoke(
        args=["cadre", "create-admin", "--username", "wang", "--name", "王主任", "--password", NEW_PASSWORD]
    )

    assert result.exit_code == 0, result.output
    assert "Created admin wang" in result.output
    (admin,) = admins()
    assert (admin.username, admin.display_name, admin.role) == ("wang", "王主任", Role.ADMIN)
    assert admin.password_hash != NEW_PASSWORD

    page = login(client, "wang", NEW_PASSWORD).get_data(as_text=True)
    assert "王主任" in page
    assert "账号管理" in page  # the admin's menu


def test_create_admin_interactively_prompts_for_username_and_password_twice(runner, client):
    result = runner.invoke(args=["cadre", "create-admin"], input=f"li\n{NEW_PASSWORD}\n{NEW_PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert "Username" in result.output
    assert "Repeat for confirmation" in result.output
    assert NEW_PASSWORD not in result.output  # hidden input
    (admin,) = admins()
    assert admin.username == "li"
    assert admin.display_name == "li"
    assert "li" in login(client, "li", NEW_PASSWORD).get_data(as_text=True)


def test_create_admin_interactively_asks_again_when_the_passwords_differ(runner):
    result = runner.invoke(
        args=["cadre", "create-admin", "--username", "li"],
        input=f"{NEW_PASSWORD}\nsomething-else\n{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert [a.username for a in admins()] == ["li"]


def test_create_admin_refuses_a_short_password_and_creates_nothing(runner):
    result = runner.invoke(args=["cadre", "create-admin", "--username", "wang", "--password", "short7!"])

    assert result.exit_code != 0
    assert "at least 8 characters" in result.output
    assert user_count() == 0


def test_create_admin_refuses_a_short_password_typed_interactively(runner):
    result = runner.invoke(args=["cadre", "create-admin"], input="wang\nabc\nabc\n")

    assert result.exit_code != 0
    assert "at least 8 characters" in result.output
    assert user_count() == 0


def test_create_admin_refuses_an_empty_username(runner):
    result = runner.invoke(args=["cadre", "create-admin", "--username", "  ", "--password", NEW_PASSWORD])

    assert result.exit_code != 0
    assert "username must not be empty" in result.output
    assert user_count() == 0


def test_create_admin_refuses_to_promote_an_existing_organizer(runner, client):
    organizer = make_user(Role.ORGANIZER, username="zhao")

    result = runner.invoke(args=["cadre", "create-admin", "--username", "zhao", "--password", NEW_PASSWORD])

    assert result.exit_code != 0
    assert "exists and is not an admin" in result.output
    db.session.refresh(organizer)
    assert organizer.role == Role.ORGANIZER
    assert organizer.check_password(NEW_PASSWORD) is False


def test_create_admin_for_an_existing_admin_resets_the_password(runner, client):
    make_user(Role.ADMIN, username="wang")

    result = runner.invoke(args=["cadre", "create-admin", "--username", "wang", "--password", NEW_PASSWORD])

    assert result.exit_code == 0, result.output
    assert "Updated admin wang" in result.output
    assert len(admins()) == 1
    assert "账号管理" in login(client, "wang", NEW_PASSWORD).get_data(as_text=True)


def test_create_admin_writes_an_audit_event(runner):
    runner.invoke(args=["cadre", "create-admin", "--username", "wang", "--password", NEW_PASSWORD])

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.admin_created"))
    assert event is not None
    assert event.object_type == "users"
    assert event.after == {"username": "wang", "role": "admin"}
    assert NEW_PASSWORD not in str(event.after)
