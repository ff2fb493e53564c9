"""The course report page of a cohort, its downloads (PDF, xlsx) and the 结班材料 ZIP.

Organizers of the cohort and admins only (get_cohort_or_404(manage=True)).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cadre.auth.permissions import get_cohort_or_404, staff_required
from cadre.downloads import XLSX_MIMETYPE, download
from cadre.models.types import utcnow
from cadre.reports import services
from cadre.reports.forms import NarrativeForm
from cadre.reports.pdf import age_labels, build_context, gender_labels, report_pdf
from cadre.rules.report_narrative import MAX_NARRATIVE_CHARS
from cadre.services import ServiceError, writing

bp = Blueprint("reports", __name__)


@bp.route("/cohorts/<int:cohort_id>/report", methods=["GET", "POST"])
@staff_required
def page(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, manage=True)
    form = NarrativeForm()
    now = utcnow()
    posted_text = None
    if form.validate_on_submit():
        try:
            with writing():
                services.save_narrative(cohort.id, form.narrative.data or "", current_user, now)
        except ServiceError as err:
            form.narrative.errors = [err.message]
            posted_text = form.narrative.data or ""
        else:
            flash(_("报告正文已保存。"), "success")
            return redirect(url_for("reports.page", cohort_id=cohort.id))
    ctx = build_context(cohort, now)
    regenerate = request.args.get("regenerate") == "1"
    if posted_text is not None:
        form.narrative.data = posted_text  # refused: the organizer's typing is kept on the page
    elif regenerate:
        form.narrative.data = services.generated_narrative(ctx.figures)
    else:
        form.narrative.data = ctx.narrative
    return render_template(
        "reports/report.html",
        cohort=cohort,
        f=ctx.figures,
        charts=ctx.charts,
        form=form,
        generated=ctx.generated,
        regenerate=regenerate,
        saved=services.saved_report(cohort.id),
        max_chars=MAX_NARRATIVE_CHARS,
        age_labels=age_labels(),
        gender_labels=gender_labels(),
    ), (400 if posted_text is not None else 200)


@bp.route("/cohorts/<int:cohort_id>/report.pdf")
@staff_required
def report_pdf_download(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, manage=True)
    data = report_pdf(cohort, utcnow())
    return download(data, f"{cohort.code}-{_('培训总结报告')}.pdf", "application/pdf")


@bp.route("/cohorts/<int:cohort_id>/report.xlsx")
@staff_required
def report_xlsx_download(cohort_id: int):
    from cadre.reports.xlsx import report_workbook

    cohort = get_cohort_or_404(cohort_id, manage=True)
    ctx = build_context(cohort, utcnow(), with_charts=False)
    data = report_workbook(ctx.figures, ctx.narrative)
    return download(data, f"{cohort.code}-{_('培训总结报告')}.xlsx", XLSX_MIMETYPE)


@bp.route("/cohorts/<int:cohort_id>/closing.zip")
@staff_required
def closing_zip(cohort_id: int):
    from cadre.reports.closing import closing_pack

    cohort = get_cohort_or_404(cohort_id, manage=True)
    data = closing_pack(cohort, utcnow())
    return download(data, f"{cohort.code}-{_('结班材料')}.zip", "application/zip")
