"""`flask cadre ics COHORT_CODE -o FILE.ics` and `flask cadre timetable COHORT_CODE -o FILE.pdf`."""

from __future__ import annotations

import click
from sqlalchemy import func, select

from cadre.extensions import db
from cadre.models import Cohort


def _cohort(code: str) -> Cohort:
    cohort = db.session.scalar(select(Cohort).where(func.upper(Cohort.code) == code.strip().upper()))
    if cohort is None:
        raise click.ClickException(f"no cohort with code {code!r}")
    return cohort


def _write(output: str, data: bytes) -> None:
    if output == "-":
        click.get_binary_stream("stdout").write(data)
        return
    with open(output, "wb") as f:
        f.write(data)


def register(group) -> None:
    @group.command("ics")
    @click.argument("cohort_code")
    @click.option("-o", "--output", required=True, help="File to write the iCalendar feed to (- for stdout).")
    @click.option("--no-reminders", is_flag=True, help="Leave out the reminders (VALARM).")
    def ics_command(cohort_code: str, output: str, no_reminders: bool) -> None:
        """Write a cohort's calendar (iCalendar, RFC 5545) to a file."""
        from cadre.timetable.feeds import cohort_calendar

        cohort = _cohort(cohort_code)
        data = cohort_calendar(cohort, reminders=not no_reminders)
        _write(output, data)
        if output != "-":
            click.echo(f"Wrote {data.count(b'BEGIN:VEVENT')} sessions of {cohort.code} to {output}.")

    @group.command("timetable")
    @click.argument("cohort_code")
    @click.option("-o", "--output", required=True, help="File to write the PDF to (- for stdout).")
    def timetable_command(cohort_code: str, output: str) -> None:
        """Print a cohort's timetable as an A4 landscape PDF."""
        from cadre.timetable.printing import timetable_pdf

        cohort = _cohort(cohort_code)
        data = timetable_pdf(cohort)
        _write(output, data)
        if output != "-":
            click.echo(f"Wrote the timetable of {cohort.code} to {output} ({len(data) // 1024} KiB).")
