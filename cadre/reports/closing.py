"""结班材料: the papers closing a cohort needs (for the district and for reimbursement), as one ZIP.

The final timetable (the timetable's own PDF), the roster (花名册, the roster export),
every session's sign-in sheet as recorded (one PDF, a page per session), the
credit-hours register (学时登记表), the completion list (结业名单) and the report,
PDF and xlsx. Everything comes from the same figures as the report.
"""

from __future__ import annotations

import io
import unicodedata
import zipfile
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from cadre.attendance_messages import outcome_label
from cadre.cohorts.summaries import roster
from cadre.dates import time_label
from cadre.extensions import db
from cadre.imports import workbooks
from cadre.labels import label_for
from cadre.models import AttendanceRecord, Cohort, TrainingSession
from cadre.pdf import CJK_FONT_FAMILY, render_pdf
from cadre.reports.figures import ReportFigures
from cadre.reports.pdf import SANS_FAMILY, build_context, report_pdf
from cadre.reports.xlsx import _sheet, report_workbook, standing_labels
from cadre.rules.attendance import SessionOutcome
from cadre.rules.attendance_stats import NOT_EXPECTED
from cadre.rules.schedule import LOCAL_TZ
from cadre.timetable.printing import timetable_pdf


def hours_register(figures: ReportFigures) -> bytes:
    """学时登记表: each trainee's hours per session held, the total and the rate (numbers, not text)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    held = [r for r in figures.sessions if r.stats.held]
    head = [_("序号"), _("姓名"), _("性别"), _("所在居民区/单位"), _("现任职务"), _("小组")]
    head += [f"{r.session.starts_at.astimezone(LOCAL_TZ):%m-%d} {r.session.title}" for r in held]
    head += [_("合计学时"), _("出勤率（%）"), _("结业")]
    labels = standing_labels()
    matrix = figures.attendance.matrix
    rows = []
    for i, row in enumerate(figures.trainees, start=1):
        trainee = row.trainee
        cells = []
        for r in held:
            cell = matrix.cell(trainee.id, r.session.id)
            cells.append(cell.hours if isinstance(cell, SessionOutcome) else None)
        rows.append(
            [
                i,
                trainee.name,
                label_for(trainee.gender),
                trainee.community or "",
                trainee.position or "",
                row.enrollment.group or "",
                *cells,
                row.summary.hours_earned,
                row.summary.attendance_percent,
                labels[row.standing],
            ]
        )
    _sheet(wb, _("学时登记表"), head, rows, {1: 10, 3: 22, 4: 18})
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def completion_list(figures: ReportFigures) -> list:
    """The trainees who completed (course over and rule met), in roster order."""
    return [t for t in figures.active if t.summary.completed]


def completion_workbook(figures: ReportFigures) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    _sheet(
        wb,
        _("结业名单"),
        [_("序号"), _("姓名"), _("小组"), _("所在居民区/单位"), _("已得学时"), _("出勤率（%）")]
        + [_("证书编号")],
        [
            [
                i,
                t.trainee.name,
                t.enrollment.group or "",
                t.trainee.community or "",
                t.summary.hours_earned,
                t.summary.attendance_percent,
                t.certificate.serial if t.certificate else "",
            ]
            for i, t in enumerate(completion_list(figures), start=1)
        ],
        {3: 24, 6: 18},
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def display_width(text: str) -> int:
    """Columns a text takes in a CJK monospace face: wide and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int, *, right: bool = False) -> str:
    """`text` cut to `width` columns and padded with spaces to exactly that many."""
    out, used = "", 0
    for ch in text:
        w = display_width(ch)
        if used + w > width:
            break
        out, used = out + ch, used + w
    fill = " " * (width - used)
    return fill + out if right else out + fill


def _sheet_lines(entries: list[tuple[str, str, str, str]], gap: int = 4) -> list[str]:
    """Entries (name, group, status, times) laid out two to a line, in fixed columns."""
    if not entries:
        return []
    name_w = min(12, max(display_width(e[0]) for e in entries))
    group_w = min(12, max(display_width(e[1]) for e in entries))
    status_w = max(display_width(e[2]) for e in entries)
    half = (len(entries) + 1) // 2

    def cell(i: int) -> str:
        name, group, status, times = entries[i]
        return " ".join(
            [
                pad(str(i + 1), 3, right=True),
                pad(name, name_w),
                pad(group, group_w),
                pad(status, status_w),
                pad(times, 11),
            ]
        )

    lines = []
    for i in range(half):
        left = cell(i)
        right = cell(i + half) if i + half < len(entries) else ""
        lines.append((left + " " * gap + right).rstrip())
    return lines


def signin_sheets_pdf(figures: ReportFigures) -> bytes:
    """Every session held, with each trainee's recorded status and times (as recorded, 补 marked).

    Laid out as fixed-width text, two trainees to a line: 200 trainees × 40 sessions as table
    cells took WeasyPrint over a minute and 1.5 GB; as lines of text it is a few seconds.
    """
    session_ids = select(TrainingSession.id).where(TrainingSession.cohort_id == figures.cohort.id)
    records = {
        (r.trainee_id, r.session_id): r
        for r in db.session.scalars(
            select(AttendanceRecord).where(AttendanceRecord.session_id.in_(session_ids))
        )
    }
    pages = []
    matrix = figures.attendance.matrix
    corrected = _("（补）")
    for number, row in enumerate(figures.sessions, start=1):
        if not row.stats.held:
            continue
        entries = []
        for t in figures.trainees:
            cell = matrix.cell(t.trainee.id, row.session.id)
            if cell == NOT_EXPECTED:
                continue
            record = records.get((t.trainee.id, row.session.id))
            times = ""
            if record is not None and record.signed_in_at:
                times = time_label(record.signed_in_at)
                if record.signed_out_at:
                    times += "-" + time_label(record.signed_out_at)
            status = outcome_label(cell.status) + (corrected if cell.corrected else "")
            entries.append((t.trainee.name, t.enrollment.group or "", status, times))
        pages.append({"number": number, "row": row, "lines": _sheet_lines(entries)})
    return render_pdf(
        "pdf/report_signin_sheets.html",
        cohort=figures.cohort,
        pages=pages,
        serif=CJK_FONT_FAMILY,
    )


def completion_pdf(figures: ReportFigures, now: datetime) -> bytes:
    return render_pdf(
        "pdf/report_completion.html",
        cohort=figures.cohort,
        figures=figures,
        rows=completion_list(figures),
        report_date=now.astimezone(LOCAL_TZ).date(),
        serif=CJK_FONT_FAMILY,
        sans=SANS_FAMILY,
    )


def closing_pack(cohort: Cohort, now: datetime) -> bytes:
    """The ZIP of 结班材料 (file names in Chinese, numbered in the order they are filed)."""
    ctx = build_context(cohort, now)
    figures = ctx.figures
    files = [
        (_("1-课程表.pdf"), timetable_pdf(cohort)),
        (_("2-花名册.xlsx"), workbooks.roster_workbook(workbooks.roster_title(cohort.name), roster(cohort))),
        (_("3-签到表（按实际记录）.pdf"), signin_sheets_pdf(figures)),
        (_("4-学时登记表.xlsx"), hours_register(figures)),
        (_("5-结业名单.pdf"), completion_pdf(figures, now)),
        (_("5-结业名单.xlsx"), completion_workbook(figures)),
        (_("6-培训总结报告.pdf"), report_pdf(cohort, now, ctx)),
        (_("6-培训总结报告.xlsx"), report_workbook(figures, ctx.narrative)),
    ]
    out = io.BytesIO()
    stamp = now.astimezone(LOCAL_TZ).timetuple()[:6]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            info = zipfile.ZipInfo(f"{cohort.code}-{_('结班材料')}/{name}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return out.getvalue()
