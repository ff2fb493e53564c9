"""The report's figures as one .xlsx workbook: a sheet per table of the report, formula-safe.

Texts pass through ``neutralize_formula`` (as the roster export): a trainee named
"=HYPERLINK(...)" stays text. Numbers are numbers (hours, counts, rates in percent).
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

from flask_babel import gettext as _

from cadre.labels import label_for
from cadre.reports.figures import ReportFigures
from cadre.reports.pdf import age_labels, gender_labels
from cadre.rules.roster_import import neutralize_formula
from cadre.rules.schedule import LOCAL_TZ


def _value(value):
    if value is None:
        return None
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (int, float)):
        return value
    return neutralize_formula(str(value))


def _sheet(wb, title: str, head: list[str], rows, widths: dict[int, int] | None = None):
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet(title[:31])
    ws.append([_value(h) for h in head])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append([_value(v) for v in row])
    ws.freeze_panes = "A2"
    for column, width in (widths or {}).items():
        ws.column_dimensions[chr(ord("A") + column)].width = width
    return ws


def trainee_sheet_rows(figures: ReportFigures, standing_labels: dict) -> list[list]:
    return [
        [
            i,
            row.trainee.name,
            row.enrollment.group or "",
            row.trainee.community or "",
            row.summary.hours_earned,
            *row.goal_hours,
            row.summary.hours_total,
            row.summary.attendance_percent,
            row.leave_count,
            row.summary.excused_hours,
            standing_labels[row.standing],
            row.certificate.serial if row.certificate else "",
        ]
        for i, row in enumerate(figures.trainees, start=1)
    ]


def standing_labels() -> dict[str, str]:
    return {
        "withdrawn": _("退训"),
        "completed": _("已结业"),
        "not_completed": _("未结业"),
        "meets": _("符合"),
        "short": _("未达到"),
    }


def report_workbook(figures: ReportFigures, narrative: str) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    f = figures
    unknown = _("未填写")
    summary = [
        (_("培训班"), f.cohort.name),
        (_("主办单位"), f.cohort.organizing_unit or ""),
        (_("在训学员"), len(f.active)),
        (_("退训学员"), f.withdrawn_count),
        (_("计划课程（次）"), f.sessions_planned),
        (_("已结束课程（次）"), f.sessions_held),
        (_("取消课程（次）"), f.sessions_cancelled),
        (_("计划学时"), f.hours_planned),
        (_("已完成学时"), f.hours_held),
        (_("平均出勤率（%）"), f.average_rate_percent),
        (_("经批准请假（人次）"), f.leave_total),
        (_("符合结业要求（人）"), f.rule_met_count),
        (_("已结业（人）"), f.completed_count),
        (_("已颁发结业证书（份）"), len(f.certificates)),
    ]
    ws = _sheet(wb, _("概况"), [_("项目"), _("数值")], summary, {0: 22, 1: 50})
    ws.append([])
    ws.append([_value(_("报告正文")), _value(narrative)])

    _sheet(
        wb,
        _("按居民区"),
        [_("居民区（单位）"), _("学员"), _("已得学时"), _("出勤率（%）")],
        [[name or unknown, n, *_group_values(f.community_stats.get(name))] for name, n in f.by_community],
        {0: 28},
    )
    _sheet(
        wb,
        _("按小组"),
        [_("小组"), _("学员"), _("已得学时"), _("出勤率（%）")],
        [[name or _("未分组"), n, *_group_values(f.group_stats.get(name))] for name, n in f.by_group],
    )
    genders = gender_labels()
    ages = age_labels()
    _sheet(
        wb,
        _("按性别和年龄"),
        [_("分类"), _("学员")],
        [[genders.get(k, unknown), n] for k, n in f.by_gender]
        + [[ages.get(k, unknown), n] for k, n in f.by_age],
    )
    _sheet(
        wb,
        _("课程类型"),
        [_("类型"), _("课程（次）"), _("计划学时"), _("已完成学时")],
        [[label_for(r.kind), r.sessions, r.hours_planned, r.hours_held] for r in f.by_kind],
    )
    _sheet(
        wb,
        _("培训目标"),
        [_("培训目标"), _("课程（次）"), _("计划学时"), _("已完成学时")],
        [[r.name, r.sessions, r.hours_planned, r.hours_held] for r in f.by_goal],
    )
    _sheet(
        wb,
        _("课程安排"),
        [_("序号"), _("开始"), _("结束"), _("类型"), _("课程"), _("授课人及职务"), _("学时"), _("状态")],
        [
            [
                i,
                f"{r.session.starts_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}",
                f"{r.session.ends_at.astimezone(LOCAL_TZ):%H:%M}",
                label_for(r.session.kind),
                r.session.title,
                "；".join(sp.label for sp in r.session.speakers),
                r.session.credit_hours,
                _("已取消") if r.stats.cancelled else (_("已结束") if r.stats.held else _("未结束")),
            ]
            for i, r in enumerate(f.sessions, start=1)
        ],
        {1: 17, 4: 36, 5: 40},
    )
    _sheet(
        wb,
        _("现场教学点"),
        [_("日期"), _("课程"), _("序号"), _("现场教学点"), _("地址"), _("接待人")],
        [
            [
                f"{s.starts_at.astimezone(LOCAL_TZ):%Y-%m-%d}",
                s.title,
                stop.position,
                stop.name,
                stop.address,
                stop.host,
            ]
            for s in f.visits
            for stop in s.stops
        ],
        {1: 30, 3: 30, 4: 30},
    )
    _sheet(
        wb,
        _("各次课程出勤"),
        [
            _("序号"),
            _("课程"),
            _("应到"),
            _("出勤"),
            _("迟到"),
            _("早退"),
            _("请假"),
            _("缺勤"),
            _("出勤率（%）"),
            _("已得学时"),
        ],
        [
            [
                i,
                f"{r.session.starts_at.astimezone(LOCAL_TZ):%m-%d} {r.session.title}",
                *(
                    [None] * 7
                    if not r.stats.held
                    else [
                        r.stats.tally.expected,
                        r.stats.tally.present,
                        r.stats.tally.late,
                        r.stats.tally.left_early,
                        r.stats.tally.excused,
                        r.stats.tally.absent,
                        r.stats.tally.rate_percent,
                    ]
                ),
                r.stats.hours_earned,
            ]
            for i, r in enumerate(f.sessions, start=1)
        ],
        {1: 36},
    )
    _sheet(
        wb,
        _("学员学时"),
        [
            _("序号"),
            _("姓名"),
            _("小组"),
            _("所在居民区/单位"),
            _("已得学时"),
            *f.goals,
            _("课程总学时"),
            _("出勤率（%）"),
            _("请假（次）"),
            _("请假学时"),
            _("结业"),
            _("证书编号"),
        ],
        trainee_sheet_rows(f, standing_labels()),
        {3: 24},
    )
    _sheet(
        wb,
        _("结业证书"),
        [_("证书编号"), _("姓名"), _("学时"), _("颁发时间")],
        [
            [c.serial, c.trainee.name, c.credit_hours, f"{c.issued_at.astimezone(LOCAL_TZ):%Y-%m-%d}"]
            for c in f.certificates
        ],
    )
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _group_values(stats) -> list:
    if stats is None:
        return [None, None]
    return [stats.hours_earned, stats.tally.rate_percent]
