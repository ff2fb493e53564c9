"""`flask --app app cadre live-session COHORT_CODE`: a session that starts now, to try sign-in on."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import click
from sqlalchemy import func, select

from cadre import audit
from cadre.enums import SessionKind
from cadre.extensions import db
from cadre.models import Cohort, TrainingSession
from cadre.models.types import utcnow
from cadre.rules.schedule import LOCAL_TZ
from cadre.services import ServiceError, cli_writing

LIVE_SERIES = "live-session"  # marks the sessions this command adds
LIVE_TITLE = "现场签到演练"


def live_session(cohort_code: str, minutes: int) -> tuple[TrainingSession, bool]:
    """The cohort's live drill session not yet ended, or a new one from now (service contract)."""
    cohort = db.session.scalar(select(Cohort).where(func.upper(Cohort.code) == cohort_code.strip().upper()))
    if cohort is None:
        raise ServiceError(f"no cohort with code {cohort_code!r}")
    now = utcnow()
    existing = db.session.scalar(
        select(TrainingSession)
        .where(
            TrainingSession.cohort_id == cohort.id,
            TrainingSession.series_id == LIVE_SERIES,
            TrainingSession.cancelled_at.is_(None),
            TrainingSession.starts_at <= now,
            TrainingSession.ends_at > now,
        )
        .order_by(TrainingSession.starts_at.desc())
    )
    if existing is not None:
        return existing, False
    starts = now.replace(second=0, microsecond=0)
    session = TrainingSession(
        cohort=cohort,
        kind=SessionKind.EXCHANGE,
        title=LIVE_TITLE,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=minutes),
        # A drill: no credit hours and not required, so it does not decide anyone's completion.
        credit_hours=Decimal("0"),
        credit_hours_manual=True,
        is_required=False,
        series_id=LIVE_SERIES,
    )
    db.session.add(session)
    db.session.flush()
    audit.record(
        "session.live_created",
        session,
        cohort_id=cohort.id,
        after={"title": session.title, "starts_at": session.starts_at, "ends_at": session.ends_at},
    )
    return session, True


def register(group) -> None:
    @group.command("live-session")
    @click.argument("cohort_code")
    @click.option("--minutes", default=120, show_default=True, type=click.IntRange(5, 24 * 60))
    @click.option(
        "--base-url",
        envvar="CADRE_BASE_URL",
        default="http://127.0.0.1:5000",
        show_default=True,
        help="Where the app is served, for the printed URL.",
    )
    def live_session_command(cohort_code: str, minutes: int, base_url: str) -> None:
        """Add a session of COHORT_CODE starting now (or reuse one not yet ended); print its projector URL."""
        with cli_writing():
            session, created = live_session(cohort_code, minutes)
            session_id, ends = session.id, session.ends_at
        click.echo(
            f"{'Created' if created else 'Reusing'} live session {session_id} "
            f"(until {ends.astimezone(LOCAL_TZ).strftime('%H:%M')})."
        )
        click.echo(f"Projector: {base_url.rstrip('/')}/sessions/{session_id}/projector")
        click.echo(f"Type-the-code page for trainees: {base_url.rstrip('/')}/signin/code")
