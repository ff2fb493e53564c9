"""`flask cadre report COHORT_CODE -o FILE.pdf [--xlsx FILE.xlsx]`: the course report, from the shell."""

from __future__ import annotations

import click


def register(group) -> None:
    @group.command("report")
    @click.argument("cohort_code")
    @click.option("-o", "--output", required=True, help="File to write the PDF report to (- for stdout).")
    @click.option("--xlsx", "xlsx_output", default=None, help="Also write the figures as an .xlsx workbook.")
    def report_command(cohort_code: str, output: str, xlsx_output: str | None) -> None:
        """Write a cohort's course report (培训总结报告) as an A4 PDF, and optionally as .xlsx."""
        from flask_babel import force_locale

        from cadre.models.types import utcnow
        from cadre.reports.pdf import build_context, report_pdf
        from cadre.reports.xlsx import report_workbook
        from cadre.timetable.cli import _cohort, _write

        with force_locale("zh"):
            cohort = _cohort(cohort_code)
            now = utcnow()
            ctx = build_context(cohort, now)
            data = report_pdf(cohort, now, ctx)
            _write(output, data)
            if xlsx_output:
                _write(xlsx_output, report_workbook(ctx.figures, ctx.narrative))
        if output != "-":
            click.echo(f"Wrote the report of {cohort.code} to {output} ({len(data) // 1024} KiB).")
        if xlsx_output and xlsx_output != "-":
            click.echo(f"Wrote its figures to {xlsx_output}.")
