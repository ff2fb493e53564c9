"""Cohort list and detail."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from cadre.auth.permissions import can_manage_cohort, get_cohort_or_404, visible_cohorts
from cadre.cohorts.services import cohort_summaries, roster, timetable

bp = Blueprint("cohorts", __name__, url_prefix="/cohorts")


@bp.route("/")
def index():
    summaries = cohort_summaries(visible_cohorts(current_user))
    return render_template("cohorts/index.html", summaries=summaries)


@bp.route("/<int:cohort_id>")
def detail(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id)
    manages = can_manage_cohort(current_user, cohort)
    return render_template(
        "cohorts/detail.html",
        cohort=cohort,
        manages=manages,
        enrollments=roster(cohort),
        sessions=timetable(cohort),
    )
