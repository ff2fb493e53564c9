"""结业情况: a cohort's completion outlook, everyone on one page, at-risk first (organizers, admins)."""

from __future__ import annotations

from flask import render_template

from cadre.attendance import completion
from cadre.attendance.stats import completion_rule
from cadre.attendance.views import bp
from cadre.auth.permissions import get_cohort_or_404, staff_required
from cadre.models.types import utcnow
from cadre.rules.completion import OUTLOOK_ORDER


@bp.route("/cohorts/<int:cohort_id>/completion")
@staff_required
def completion_status(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, manage=True)
    data = completion.cohort_completion(cohort, utcnow())
    return render_template(
        "attendance/completion.html",
        cohort=cohort,
        data=data,
        rule=completion_rule(cohort),
        statuses=OUTLOOK_ORDER,
    )
