"""Completion in words: shortfalls, outlook labels and what it would take (“还需参加 2 次课程中的至少 1 次”).

The rules (``cadre.rules.completion``) return codes and params; pages, the PDF
and the home page turn them into sentences here, inside a request or app context.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from cadre.rules.completion import CompletionRule, Outlook, OutlookStatus, Shortfall, format_share
from cadre.rules.training_record import format_hours

__all__ = ["outlook_label", "outlook_need", "outlook_reasons", "reason_message", "rule_lines"]

_LABELS = {
    OutlookStatus.MET: _l("已达到"),
    OutlookStatus.ON_TRACK: _l("可达到"),
    OutlookStatus.AT_RISK: _l("有风险"),
    OutlookStatus.CANNOT: _l("无法结业"),
}


def outlook_label(status: str) -> str:
    """已达到 / 可达到 / 有风险 / 无法结业."""
    return str(_LABELS[OutlookStatus(status)])


def _pct(value: Decimal) -> str:
    """75.0 → 75, 83.3 → 83.3."""
    text = f"{Decimal(value):.1f}"
    return text[:-2] if text.endswith(".0") else text


def _titles(titles) -> str:
    return _("、").join(_("《%(title)s》", title=t) for t in titles)


def reason_message(shortfall: Shortfall) -> str:
    """One reason, as a sentence (“出勤学时 18/24 = 75%，低于 80%。”)."""
    p = shortfall.params
    code = shortfall.code
    if code in ("attendance_below_minimum", "cannot_reach_minimum"):
        values = {
            "earned": format_hours(p["earned"]) or "0",
            "hours": format_hours(p["hours"]) or "0",
            "percent": _pct(p["percent"]),
            "minimum": p["minimum"],
        }
        if code == "attendance_below_minimum":
            return _("出勤学时 %(earned)s/%(hours)s = %(percent)s%%，低于 %(minimum)s%%。", **values)
        return _(
            "即使参加余下全部课程，出勤学时最多 %(earned)s/%(hours)s = %(percent)s%%，低于 %(minimum)s%%。",
            **values,
        )
    if code in ("required_sessions_missed", "required_on_leave"):
        titles = p.get("titles") or ()
        count = len(titles)
        if code == "required_on_leave":
            return ngettext(
                "已请假的必修课%(titles)s：缺席必修课不能结业。",
                "已请假的必修课%(titles)s：缺席必修课不能结业。",
                count,
                titles=_titles(titles),
            )
        if titles:
            return ngettext("缺席必修课%(titles)s。", "缺席必修课%(titles)s。", count, titles=_titles(titles))
        return ngettext("缺少 %(num)s 次必修课程。", "缺少 %(num)s 次必修课程。", p["count"])
    if code == "too_many_unexcused_absences":
        return _("无故缺勤 %(count)s 次，超过允许的 %(maximum)s 次。", count=p["count"], maximum=p["maximum"])
    if code in ("too_much_leave", "leave_planned_over_limit"):
        values = {"hours": format_hours(p["hours"]), "limit": format_hours(p["limit"]) or "0"}
        if code == "too_much_leave":
            return _("请假 %(hours)s 学时，超过允许的 %(limit)s 学时。", **values)
        return _("已批准的请假合计 %(hours)s 学时，将超过允许的 %(limit)s 学时。", **values)
    return code


def outlook_reasons(outlook: Outlook) -> list[str]:
    return [reason_message(r) for r in outlook.reasons]


def outlook_need(outlook: Outlook) -> str | None:
    """What it would take, during the course; None when over, impossible or nothing is to come."""
    if outlook.status in (OutlookStatus.MET, OutlookStatus.CANNOT) or not outlook.remaining:
        return None
    if outlook.needed <= 0:
        return _("学时已满足结业要求。")
    if outlook.needed >= outlook.remaining:
        text = ngettext(
            "余下 %(num)s 次课程须全部参加。", "余下 %(num)s 次课程须全部参加。", outlook.remaining
        )
    else:
        text = ngettext(
            "还需参加 %(num)s 次课程中的至少 %(m)s 次。",
            "还需参加 %(num)s 次课程中的至少 %(m)s 次。",
            outlook.remaining,
            m=outlook.needed,
        )
    if outlook.required_remaining:
        text += ngettext(
            "其中 %(num)s 次必修课必须参加。", "其中 %(num)s 次必修课必须参加。", outlook.required_remaining
        )
    return text


def rule_lines(rule: CompletionRule, hours_total=None) -> list[str]:
    """The cohort's completion rule in short lines, for the page header."""
    lines = [_("出勤学时不少于总学时的 %(percent)s%%", percent=rule.min_attendance_percent)]
    if rule.require_required_sessions:
        lines.append(_("必修课须全部参加"))
    if rule.max_unexcused_absences is not None:
        lines.append(_("无故缺勤不超过 %(n)s 次", n=rule.max_unexcused_absences))
    if rule.max_leave_fraction is not None:
        share = format_share(Fraction(rule.max_leave_fraction))
        if hours_total:
            limit = Fraction(hours_total) * Fraction(rule.max_leave_fraction)
            shown = (Decimal(limit.numerator) / Decimal(limit.denominator)).quantize(Decimal("0.1"))
            hours = format_hours(shown)
            lines.append(_("请假不超过总学时的 %(share)s（%(hours)s 学时）", share=share, hours=hours or "0"))
        else:
            lines.append(_("请假不超过总学时的 %(share)s", share=share))
    return lines
