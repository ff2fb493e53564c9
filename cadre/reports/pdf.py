"""The course report as an A4 portrait PDF in 公文 style (templates/pdf/report.html)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _

from cadre.models import Cohort
from cadre.pdf import CJK_FONT_FAMILY, render_pdf
from cadre.reports import charts as chart_module
from cadre.reports.figures import AGE_BANDS, ReportFigures, age_band, report_figures
from cadre.reports.services import narrative_of
from cadre.rules.report_narrative import paragraphs
from cadre.rules.schedule import LOCAL_TZ

SANS_FAMILY = "Noto Sans CJK SC"


@dataclass
class ReportContext:
    figures: ReportFigures
    narrative: str
    generated: bool
    charts: dict[str, chart_module.Chart]


def age_labels() -> dict[str | None, str]:
    labels: dict[str | None, str] = {}
    for low, high in AGE_BANDS:
        key = age_band(low)
        if low == 0:
            labels[key] = _("%(n)s 岁以下", n=high)
        elif high is None:
            labels[key] = _("%(n)s 岁及以上", n=low)
        else:
            labels[key] = _("%(low)s–%(high)s 岁", low=low, high=high - 1)
    return labels


def gender_labels() -> dict[str | None, str]:
    return {"male": _("男"), "female": _("女")}


def build_context(cohort: Cohort, now: datetime, *, with_charts: bool = True) -> ReportContext:
    """Figures, the narrative (saved, or generated) and the charts of one cohort's report."""
    figures = report_figures(cohort, now)
    found = narrative_of(figures)
    charts = {}
    if with_charts:
        charts = {c.key: c for c in chart_module.report_charts(figures, chart_module.chart_labels())}
    return ReportContext(figures, found.text, found.generated, charts)


def template_context(ctx: ReportContext, report_date: date) -> dict:
    return {
        "cohort": ctx.figures.cohort,
        "figures": ctx.figures,
        "paragraphs": paragraphs(ctx.narrative),
        "charts": ctx.charts,
        "report_date": report_date,
        "age_labels": age_labels(),
        "gender_labels": gender_labels(),
        "serif": CJK_FONT_FAMILY,
        "sans": SANS_FAMILY,
    }


def report_pdf(cohort: Cohort, now: datetime, ctx: ReportContext | None = None) -> bytes:
    ctx = ctx or build_context(cohort, now)
    return render_pdf("pdf/report.html", **template_context(ctx, now.astimezone(LOCAL_TZ).date()))
