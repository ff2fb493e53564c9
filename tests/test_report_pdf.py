"""The report PDF and workbook: names, stops and figures as the statistics give them; CJK fonts; charts."""

from __future__ import annotations

import io
import re
import subprocess
import warnings
from collections import Counter

import pytest
from openpyxl import load_workbook

from cadre.attendance import stats
from cadre.models.types import utcnow
from cadre.reports import charts
from cadre.reports.figures import report_figures
from cadre.reports.pdf import build_context, report_pdf
from cadre.reports.xlsx import report_workbook
from tests.factories import enroll, make_cohort, make_session, make_trainee
from tests.pdf_support import pdf_text
from tests.report_support import load_demo_cohort

SESSION_ROW = re.compile(r"(?<![\d.])(\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+\.\d)%")


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture
def demo_report(app):
    cohort = load_demo_cohort()
    now = utcnow()
    ctx = build_context(cohort, now)
    return cohort, now, ctx, report_pdf(cohort, now, ctx)


def test_pdf_names_the_cohort_every_speaker_and_every_visit_stop(demo_report):
    cohort, _now, ctx, pdf = demo_report
    text = _squeeze(pdf_text(pdf))
    assert _squeeze(cohort.name) in text
    assert _squeeze(cohort.organizing_unit) in text
    speakers = ctx.figures.speakers
    assert speakers
    for speaker in speakers:
        assert speaker.name in text, speaker.name
    stops = ctx.figures.stops
    assert stops
    for stop in stops:
        assert _squeeze(stop.name) in text, stop.name


def test_pdf_attendance_per_session_and_per_trainee_equal_the_statistics(demo_report):
    cohort, now, _ctx, pdf = demo_report
    data = stats.cohort_attendance(cohort, now)
    lines = [re.sub(r"\s+", " ", line) for line in pdf_text(pdf).splitlines()]
    found = Counter(m.groups() for line in lines for m in SESSION_ROW.finditer(line))
    expected = Counter(
        (
            str(st.tally.expected),
            str(st.tally.present),
            str(st.tally.late),
            str(st.tally.left_early),
            str(st.tally.excused),
            str(st.tally.absent),
            str(st.tally.rate_percent),
        )
        for st in data.per_session
        if st.held
    )
    assert found == expected
    for enrollment in data.enrollments:
        summary = data.per_trainee[enrollment.trainee_id]
        row = next(line for line in lines if f" {enrollment.trainee.name} " in f" {line} " and "%" in line)
        hours = f"{summary.hours_earned.normalize():f}"
        assert f" {hours} " in row, (row, hours)
        assert f"{summary.attendance_percent}%" in row


def test_pdf_embeds_a_cjk_font(demo_report):
    *_rest, pdf = demo_report
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True).stdout.decode()
    if not fonts:  # older poppler reads no stdin
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(pdf)
            f.flush()
            fonts = subprocess.run(["pdffonts", f.name], capture_output=True, check=True).stdout.decode()
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk, fonts
    assert all(" yes " in line for line in cjk)  # embedded


def test_workbook_has_a_sheet_per_table_with_the_statistics_figures(demo_report):
    cohort, now, ctx, _pdf = demo_report
    data = stats.cohort_attendance(cohort, now)
    wb = load_workbook(io.BytesIO(report_workbook(ctx.figures, ctx.narrative)))
    assert {
        "概况",
        "按居民区",
        "按小组",
        "课程安排",
        "现场教学点",
        "各次课程出勤",
        "学员学时",
        "结业证书",
    } <= set(wb.sheetnames)
    rows = list(wb["各次课程出勤"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(data.per_session)
    for row, st in zip(rows, data.per_session, strict=True):
        assert row[2:9] == (
            st.tally.expected,
            st.tally.present,
            st.tally.late,
            st.tally.left_early,
            st.tally.excused,
            st.tally.absent,
            float(st.tally.rate_percent),
        )
        assert row[9] == float(st.hours_earned)
    trainees = list(wb["学员学时"].iter_rows(min_row=2, values_only=True))
    assert len(trainees) == len(data.enrollments)
    goals = len(ctx.figures.goals)
    for row, enrollment in zip(trainees, data.enrollments, strict=True):
        summary = data.per_trainee[enrollment.trainee_id]
        assert row[1] == enrollment.trainee.name
        assert row[4] == float(summary.hours_earned)
        assert row[5 + goals + 1] == float(summary.attendance_percent)
    groups = {r[0]: r for r in wb["按小组"].iter_rows(min_row=2, values_only=True)}
    for name, g in data.per_group.items():
        assert groups[name or "未分组"][1:] == (
            g.trainees,
            float(g.hours_earned),
            float(g.tally.rate_percent),
        )
    speakers = " ".join(str(r[5]) for r in wb["课程安排"].iter_rows(min_row=2, values_only=True))
    assert all(sp.name in speakers for sp in ctx.figures.speakers)


def test_workbook_neutralizes_formulas(app):
    cohort = make_cohort(name='=HYPERLINK("http://x")')
    enroll(cohort, make_trainee(name="=1+1", community="@SUM(A1)"))
    figures = report_figures(cohort, utcnow())
    wb = load_workbook(io.BytesIO(report_workbook(figures, "+cmd|' /C calc'!A0")))
    values = [c.value for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [v for v in values if v[0] in "=+-@"], values


def test_charts_use_a_cjk_font_and_miss_no_glyph(demo_report):
    _cohort, _now, ctx, _pdf = demo_report
    from matplotlib import font_manager

    family = charts.cjk_font()
    assert family and "CJK" in family
    assert "CJK" in font_manager.findfont(font_manager.FontProperties(family=family))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" would raise here
        made = charts.report_charts(ctx.figures, charts.chart_labels())
    assert [c.key for c in made] == ["rate", "mix", "hours", "community"]
    for chart in made:
        assert chart.png.startswith(b"\x89PNG")


@pytest.mark.parametrize("with_trainee, with_session", [(False, False), (True, False), (False, True)])
def test_cohort_without_sessions_or_trainees_still_renders_saying_so(app, with_trainee, with_session):
    cohort = make_cohort(name="空空培训班")
    if with_trainee:
        enroll(cohort, make_trainee(name="孤单"))
    if with_session:
        make_session(cohort, title="唯一的课")
    text = _squeeze(pdf_text(report_pdf(cohort, utcnow())))
    assert "空空培训班" in text
    if not with_trainee:
        assert "本期培训班尚无学员" in text
    if not with_session:
        assert "本期培训班尚未安排课程" in text
    if not (with_trainee and with_session):
        assert "暂无出勤数据" in text
    ctx = build_context(cohort, utcnow())
    assert load_workbook(io.BytesIO(report_workbook(ctx.figures, ctx.narrative)))["概况"]["B4"].value == int(
        with_trainee
    )
