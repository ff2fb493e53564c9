"""CLI commands about trainees (import, export).

They run without a request, so messages are rendered with the Chinese locale forced.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import force_locale
from flask_babel import gettext as _

from cadre.rules.text import clean_text


def _cohort_or_exit(code: str):
    from cadre.cohorts.summaries import cohort_by_code

    cohort = cohort_by_code(code)
    if cohort is None:
        raise click.ClickException(_("找不到代码为 %(code)s 的培训班。", code=code))
    return cohort


def _summary(counts) -> str:
    return _(
        "新学员 %(new)s 人，已有学员加入本班 %(enroll)s 人，"
        "已在本班需更新 %(update)s 人，无变化 %(same)s 人。",
        new=counts["new"],
        enroll=counts["enroll"],
        update=counts["update"],
        same=counts["same"],
    )


def register(group) -> None:
    """Add the trainee commands to the `cadre` command group."""

    @group.command("import-trainees")
    @click.argument("cohort_code")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Check the file and show what would happen; write nothing.")
    def import_trainees(cohort_code: str, file: Path, dry_run: bool) -> None:
        """Import a cohort's trainees from an .xlsx or .csv roster (all rows or none)."""
        from flask import current_app

        from cadre.extensions import db
        from cadre.imports import services

        with force_locale("zh"):
            cohort = _cohort_or_exit(cohort_code)
            filename = clean_text(file.name) or file.name  # the audit log and the output show it
            with file.open("rb") as f:
                # Reading one byte past the limit is enough to refuse a file that is too large.
                data = f.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
            if dry_run:
                plan = services.plan_import(cohort, data, filename)
                db.session.rollback()
                result = None
            else:
                from cadre.services import ServiceError, writing

                try:
                    # One write transaction: committed when the block ends, rolled back on any error
                    # (a plan with errors writes nothing, so its commit is empty).
                    with writing():
                        plan, result = services.commit_import(cohort, data, filename)
                except ServiceError as err:  # ImportConflict, or a collision at commit
                    raise click.ClickException(
                        _("其他人同时修改了相关学员的数据，没有导入任何内容，请重试。")
                    ) from err
            click.echo(_("文件：%(name)s", name=filename))
            if plan.file_error is not None:
                click.echo(plan.file_error_message, err=True)
                click.echo(_("没有导入任何数据。"), err=True)
                raise SystemExit(1)
            errors = plan.error_lines()
            if errors:
                for line in errors:
                    click.echo(str(line), err=True)
                click.echo(_("共 %(n)s 处错误，没有导入任何数据。", n=len(errors)), err=True)
                raise SystemExit(1)
            click.echo(_summary(plan.counts))
            if dry_run:
                click.echo(_("试运行：没有写入任何数据。"))
                return
            click.echo(
                _(
                    "已导入到 %(cohort)s（%(code)s），共 %(n)s 名学员。",
                    cohort=cohort.name,
                    code=cohort.code,
                    n=result.total,
                )
            )

    @group.command("export-roster")
    @click.argument("cohort_code")
    @click.option(
        "-o",
        "--output",
        required=True,
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        help="The .xlsx file to write.",
    )
    def export_roster(cohort_code: str, output: Path) -> None:
        """Write a cohort's roster to an .xlsx file (formulas neutralised)."""
        from cadre.cohorts.summaries import roster
        from cadre.imports import workbooks

        with force_locale("zh"):
            cohort = _cohort_or_exit(cohort_code)
            enrollments = roster(cohort)
            output.write_bytes(workbooks.roster_workbook(workbooks.roster_title(cohort.name), enrollments))
            click.echo(_("已导出 %(n)s 名学员到 %(path)s", n=len(enrollments), path=output))
