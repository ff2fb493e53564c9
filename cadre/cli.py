"""The `flask --app app cadre ...` command group."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from cadre.extensions import db
from cadre.rules.text import clean_text
from cadre.services import cli_writing

cadre_cli = AppGroup("cadre", help="Cadre administration commands.")


@cadre_cli.command("create-admin")
@click.option("--username", prompt="Username", help="Login name of the new admin.")
@click.option("--name", "display_name", default=None, help="Display name (defaults to username).")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Password (prompted when omitted).",
)
def create_admin(username: str, display_name: str | None, password: str) -> None:
    """Create an admin account, or reset an existing admin's password."""
    username = clean_text(username) or ""
    display_name = clean_text(display_name) or None
    if not username:
        raise click.BadParameter("username must not be empty", param_hint="--username")
    if len(password) < 8:
        raise click.BadParameter("password must have at least 8 characters", param_hint="--password")
    with cli_writing():
        created = _save_admin(username, display_name, password)
    click.echo(f"{'Created' if created else 'Updated'} admin {username}.")


def _save_admin(username: str, display_name: str | None, password: str) -> bool:
    from cadre import audit
    from cadre.models import Role, User

    user = db.session.scalar(select(User).where(User.username == username))
    if user is not None and user.role != Role.ADMIN:
        raise click.ClickException(f"user {username!r} exists and is not an admin")
    created = user is None
    if created:
        user = User(username=username, display_name=display_name or username, role=Role.ADMIN)
        db.session.add(user)
    user.set_password(password)
    audit.record(
        "user.admin_created" if created else "user.password_reset",
        user,
        after={"username": username, "role": "admin"},
    )
    return created


def register_cli(app: Flask) -> None:
    from cadre import backup, demo_cli
    from cadre.certificates import cli as certificates_cli
    from cadre.reports import cli as report_cli
    from cadre.signin import cli as signin_cli
    from cadre.timetable import cli as timetable_cli
    from cadre.trainees import cli as trainee_cli

    backup.register(cadre_cli)
    demo_cli.register(cadre_cli)
    trainee_cli.register(cadre_cli)
    timetable_cli.register(cadre_cli)
    signin_cli.register(cadre_cli)
    certificates_cli.register(cadre_cli)
    report_cli.register(cadre_cli)
    app.cli.add_command(cadre_cli)
