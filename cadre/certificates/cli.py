"""`flask --app app cadre certificates COHORT_CODE -o FILE.pdf [--issue]`."""

from __future__ import annotations

import click

from cadre.services import ServiceError, cli_writing


def register(group) -> None:
    @group.command("certificates")
    @click.argument("cohort_code")
    @click.option("-o", "--output", required=True, help="File to write the merged PDF to (- for stdout).")
    @click.option("--issue", is_flag=True, help="First issue one to every eligible trainee without one.")
    def certificates_command(cohort_code: str, output: str, issue: bool) -> None:
        """Print a cohort's valid completion certificates into one PDF (one page each)."""
        from cadre.certificates import printing, services
        from cadre.timetable.cli import _cohort, _write

        cohort = _cohort(cohort_code)
        problem = printing.refusal()
        if problem:
            raise click.ClickException(problem)
        if issue:
            with cli_writing():
                made = services.issue_eligible(cohort)
            click.echo(f"Issued {len(made)} certificates.", err=output == "-")
        certs = services.valid_certificates(cohort.id)
        try:
            data = printing.certificates_pdf(cohort, certs)
        except ServiceError as err:
            raise click.ClickException(err.message) from err
        _write(output, data)
        if output != "-":
            size = len(data) // 1024
            click.echo(f"Wrote {len(certs)} certificates of {cohort.code} to {output} ({size} KiB).")
