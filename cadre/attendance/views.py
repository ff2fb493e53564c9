"""The `attendance` blueprint; its views live in views_rollcall, views_requests and views_stats."""

from __future__ import annotations

from flask import Blueprint

from cadre.attendance.common import Forbidden
from cadre.errors import abort_with
from cadre.services import NotFound, ServiceError

bp = Blueprint("attendance", __name__)

MAX_ID = 2**31 - 1


def posted_ids(form, prefix: str) -> dict[int, str]:
    """`<prefix><trainee id>` fields of a POST as {trainee id: value}; a malformed name is a 400."""
    from flask_babel import gettext as _

    found = {}
    for key, value in form.items():
        if not key.startswith(prefix):
            continue
        digits = key[len(prefix) :]
        if not (digits.isascii() and digits.isdigit()) or int(digits) > MAX_ID:
            abort_with(400, _("请求有误，请刷新页面后重试。"))
        found[int(digits)] = value.strip()
    return found


def refuse(err: ServiceError):
    """Answer a refusal that is not about a form field: 404, 403 or the message as a 400 page."""
    if isinstance(err, NotFound):
        abort_with(404, err.message)
    if isinstance(err, Forbidden):
        abort_with(403, err.message)
    abort_with(400, err.message)


@bp.app_context_processor
def _attendance_helpers():
    from cadre import completion_messages
    from cadre.attendance_messages import outcome_label

    return {
        "outcome_label": outcome_label,
        "outlook_label": completion_messages.outlook_label,
        "outlook_need": completion_messages.outlook_need,
        "outlook_reasons": completion_messages.outlook_reasons,
        "completion_rule_text": completion_messages.rule_lines,
    }


from cadre.attendance import (  # noqa: E402,F401  (routes)
    completion_views,
    views_requests,
    views_rollcall,
    views_stats,
)
