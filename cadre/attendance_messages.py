"""Translated messages for the codes of the attendance rules and sign-in tokens.

The rules (``cadre.rules.attendance``, ``cadre.rules.signin_tokens``,
``cadre.rules.attendance_stats``) return codes and params and never translate;
views and CLI commands turn them into text here, inside a request or app
context with a locale. Times are shown as Shanghai wall-clock HH:MM unless the
caller passes its own `format_time`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from cadre.enums import AttendanceStatus
from cadre.rules.attendance import CANCELLED, PENDING, AttendanceRuleError
from cadre.rules.attendance_stats import NOT_EXPECTED
from cadre.rules.completion import Shortfall
from cadre.rules.schedule import LOCAL_TZ
from cadre.rules.signin_tokens import TokenStatus

__all__ = [
    "outcome_label",
    "rule_error_message",
    "shortfall_message",
    "sign_in_result_message",
    "sign_out_result_message",
    "token_message",
]

_OUTCOMES = {
    AttendanceStatus.PRESENT: _l("出勤"),
    AttendanceStatus.LATE: _l("迟到"),
    AttendanceStatus.LEFT_EARLY: _l("早退"),
    AttendanceStatus.EXCUSED: _l("请假"),
    AttendanceStatus.ABSENT: _l("缺勤"),
    PENDING: _l("未签到"),
    CANCELLED: _l("课程已取消"),
    NOT_EXPECTED: _l("不计"),
}

_TOKENS = {
    TokenStatus.EXPIRED: _l("签到码已过期，请重新扫描大屏上的二维码，或输入大屏上最新的数字码。"),
    TokenStatus.FORGED: _l("签到码无效，请扫描大屏上的二维码，或输入大屏上的数字码。"),
    TokenStatus.WRONG_SESSION: _l("这个签到码属于另一次课程，请扫描本次课程大屏上的二维码。"),
}


def hhmm(value: datetime) -> str:
    """08:55 in Shanghai time."""
    return value.astimezone(LOCAL_TZ).strftime("%H:%M")


def outcome_label(status: str) -> str:
    """出勤 / 迟到 / … / 未签到 / 课程已取消 / 不计 for a final status or a matrix cell's status."""
    label = _OUTCOMES.get(status)
    return str(label) if label is not None else status


def rule_error_message(error: AttendanceRuleError, *, format_time: Callable[[datetime], str] = hhmm) -> str:
    """A refused sign-in or sign-out as a sentence for the trainee (or the organizer)."""
    p = error.params
    code = error.code
    if code == "session_cancelled":
        return _("本次课程已取消，无需签到。")
    if code == "sign_in_not_open":
        return _("签到尚未开始，%(time)s 起可以签到。", time=format_time(p["opens_at"]))
    if code == "sign_in_closed":
        return _("签到已于 %(time)s 结束。如确实到场，请向班主任申请补签。", time=format_time(p["closed_at"]))
    if code == "sign_out_not_required":
        return _("本次课程不需要签退。")
    if code == "not_signed_in":
        return _("您还没有签到，不能签退。")
    if code == "sign_out_not_open":
        return _("课程 %(time)s 开始后才能签退。", time=format_time(p["opens_at"]))
    if code == "sign_out_closed":
        return _("签退已于 %(time)s 结束。", time=format_time(p["closed_at"]))
    if code == "already_signed_out":
        return _("您已于 %(time)s 签退。", time=format_time(p["signed_out_at"]))
    return code


def token_message(status: str) -> str:
    """Why a scanned token or a typed code was not accepted (empty for ok)."""
    if status == TokenStatus.OK:
        return ""
    message = _TOKENS.get(status)
    return str(message) if message is not None else str(_TOKENS[TokenStatus.FORGED])


def sign_in_result_message(
    status: str,
    at: datetime,
    *,
    already: bool = False,
    format_time: Callable[[datetime], str] = hhmm,
) -> str:
    """签到成功 08:55 / 迟到 09:12 / 已签到 (first time) for the result page."""
    time = format_time(at)
    if already:
        return _("您已于 %(time)s 签到，无需重复签到。", time=time)
    if status == AttendanceStatus.LATE:
        return _("迟到，签到时间 %(time)s。", time=time)
    return _("签到成功，签到时间 %(time)s。", time=time)


def sign_out_result_message(
    status: str, at: datetime, *, format_time: Callable[[datetime], str] = hhmm
) -> str:
    """签退成功 / 早退 for the result page."""
    time = format_time(at)
    if status == AttendanceStatus.LEFT_EARLY:
        return _("已签退（早退），签退时间 %(time)s。", time=time)
    return _("签退成功，签退时间 %(time)s。", time=time)


def shortfall_message(shortfall: Shortfall) -> str:
    """One way the completion rule is not met, as a sentence (cadre.completion_messages)."""
    from cadre.completion_messages import reason_message

    return reason_message(shortfall)
