"""结业情况: a cohort's completion outlook, everyone on one page, at-risk first (organizers, admins)."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from cadre.attendance import completion
from cadre.attendance.stats import completion_rule
from cadre.attendance.views import bp
from cadre.auth.permissions import get_cohort_or_404, staff_required
from cadre.completion_messages import outlook_label, outlook_need, outlook_reasons
from cadre.downloads import XLSX_MIMETYPE, download
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


@bp.route("/cohorts/<int:cohort_id>/completion.xlsx")
@staff_required
def completion_xlsx(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, manage=True)
    data = completion.cohort_completion(cohort, utcnow())
    texts = {
        "sheet": _("结业情况"),
        "head": [
            _("姓名"),
            _("小组"),
            _("所在居民区/单位"),
            _("结业情况"),
            _("已得学时"),
            _("已进行课程学时"),
            _("出勤学时（百分数）"),
            _("还需"),
            _("原因"),
        ],
        "status": lambda r: _("退训") if r.withdrawn else outlook_label(r.outlook.status),
        "need": outlook_need,
        "reasons": outlook_reasons,
    }
    return download(completion.completion_xlsx(data, texts), f"completion-{cohort.code}.xlsx", XLSX_MIMETYPE)
