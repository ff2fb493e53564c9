"""The `flask cadre demo` command: loads the demo (cadre/demo.py) and prints how to log in."""

from __future__ import annotations

import time

import click
from flask import current_app
from sqlalchemy import select

from cadre import demo_data as data
from cadre.demo import DEMO_URL, DemoError, load_demo
from cadre.extensions import db
from cadre.models import (
    ClassRole,
    Cohort,
    Enrollment,
    User,
)

# Plain names for the terminal (the translated labels need a request).
_ROLE_NAMES = {ClassRole.MONITOR: "班长", ClassRole.GROUP_LEADER: "组长", ClassRole.MEMBER: "学员"}


def _login_lines(cohort: Cohort) -> list[str]:
    """Lines describing the demo accounts as they are in the database."""
    lines = []
    for username in (data.ADMIN["username"], data.ORGANIZER["username"]):
        user = db.session.scalar(select(User).where(User.username == username))
        if user is not None:
            what = "admin" if user.is_admin else f"organizer of {cohort.code}"
            lines.append(f"  {username:<12} {user.display_name} ({what})")

    def trainee_rows(condition, limit=None):
        stmt = (
            select(User.username, User.display_name, Enrollment.group, Enrollment.class_role)
            .join(Enrollment, Enrollment.trainee_id == User.trainee_id)
            .where(Enrollment.cohort_id == cohort.id, condition)
            .order_by(Enrollment.id)
        )
        return db.session.execute(stmt.limit(limit) if limit else stmt).all()

    special = [data.LEADER_USERNAME, data.TRAINEE_USERNAME]
    for username, name, group, role in sorted(
        trainee_rows(User.username.in_(special)), key=lambda r: special.index(r[0])
    ):
        lines.append(f"  {username:<12} {name} (trainee, {group}{_ROLE_NAMES[role]})")
    others = trainee_rows(User.username.not_in(special), limit=2)
    if others:
        lines.append("  Every other trainee logs in with their phone number, e.g.:")
        for username, name, group, role in others:
            lines.append(f"  {username:<12} {name} (trainee, {group}{_ROLE_NAMES[role]})")
    return lines


def register(group) -> None:
    """Add the demo command to the `cadre` command group."""

    @group.command("demo")
    @click.option(
        "--password",
        default=None,
        help="Password of every demo account. Omitted: a random one is printed on a first load, "
        "and a second load leaves passwords as they are.",
    )
    @click.option(
        "--trainees",
        type=click.IntRange(5, 10_000),
        default=data.DEFAULT_TRAINEES,
        show_default=True,
        help="How many trainees the cohort gets (for measuring at scale).",
    )
    @click.option(
        "--sessions",
        type=click.IntRange(1, 400),
        default=len(data.SESSIONS),
        show_default=True,
        help="How many sessions: the programme repeated over more weeks (for measuring at scale).",
    )
    def demo_command(password: str | None, trainees: int, sessions: int) -> None:
        """Load the 2025 青蓝接力 demo cohort (QLJL2025) with its accounts. Loading twice changes nothing."""
        from cadre.auth.passwords import random_password

        if password is not None and len(password) < 8:
            raise click.BadParameter("password must have at least 8 characters", param_hint="--password")
        exists = db.session.scalar(select(Cohort.id).where(Cohort.code == data.COHORT_CODE)) is not None
        db.session.rollback()  # end the read so that the load starts a write transaction
        generated = password is None and not exists
        if generated:
            password = random_password()
        started = time.perf_counter()
        try:
            result = load_demo(password, trainees, sessions)
        except DemoError as exc:
            raise click.ClickException(f"{exc}. Nothing was written.") from exc
        elapsed = time.perf_counter() - started

        cohort = result.cohort
        if result.created:
            click.echo(
                f"Loaded demo cohort {cohort.code} {cohort.name}: {result.trainee_count} trainees "
                f"in {result.group_count} groups, {result.session_count} sessions, "
                f"{result.attendance_count} attendance records ({elapsed:.1f} s)."
            )
        else:
            click.echo(
                f"Demo cohort {cohort.code} is already loaded ({result.trainee_count} trainees); "
                "its data is left as it is."
            )
            if password is None:
                click.echo("Passwords unchanged (give --password to set one for every demo account).")
            elif result.passwords_set:
                click.echo(f"Password set for {result.passwords_set} demo accounts.")
            else:
                click.echo("The demo accounts already have this password.")
        for note in result.notes:
            click.echo(f"Note: {note}")

        # The address the app itself prints on slips (bin/serve sets it from BIND), else the default.
        click.echo(f"\nDemo logins at {(current_app.config.get('PUBLIC_URL') or DEMO_URL).rstrip('/')}")
        for line in _login_lines(cohort):
            click.echo(line)
        if generated:
            click.echo(f"Password of every demo account (random, shown only now): {password}")
        elif password is not None:
            click.echo(f"Password of every demo account: {password}")
