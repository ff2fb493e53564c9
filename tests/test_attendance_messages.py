"""What trainees and organizers read for each attendance rule code, token verdict and shortfall.

In Chinese and in English.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from flask_babel import force_locale

from cadre.attendance_messages import (
    outcome_label,
    rule_error_message,
    shortfall_message,
    sign_in_result_message,
    sign_out_result_message,
    token_message,
)
from cadre.enums import AttendanceStatus
from cadre.rules.attendance import (
    CANCELLED,
    PENDING,
    AttendanceRuleError,
    SessionRules,
    check_sign_in,
)
from cadre.rules.attendance_stats import NOT_EXPECTED
from cadre.rules.completion import Shortfall
from cadre.rules.signin_tokens import TokenStatus
from tests.attendance_support import at

RULES = Path(__file__).resolve().parent.parent / "cadre" / "rules" / "attendance.py"
COMPLETION_RULES = RULES.with_name("completion.py")


NINE = at("2025-05-09 09:00")
ERRORS = [
    AttendanceRuleError("session_cancelled"),
    AttendanceRuleError("sign_in_not_open", opens_at=at("2025-05-09 08:30")),
    AttendanceRuleError("sign_in_closed", closed_at=at("2025-05-09 12:00")),
    AttendanceRuleError("sign_out_not_required"),
    AttendanceRuleError("not_signed_in"),
    AttendanceRuleError("sign_out_not_open", opens_at=NINE),
    AttendanceRuleError("sign_out_closed", closed_at=at("2025-05-09 12:30")),
    AttendanceRuleError("already_signed_out", signed_out_at=at("2025-05-09 11:50")),
]
SHORTFALLS = [
    Shortfall(
        "attendance_below_minimum",
        {"earned": Decimal("16.0"), "hours": Decimal("24.0"), "percent": Decimal("66.7"), "minimum": 80},
    ),
    Shortfall("required_sessions_missed", {"count": 2, "titles": ("开班仪式", "专题讲座")}),
    Shortfall("too_many_unexcused_absences", {"count": 3, "maximum": 2}),
    Shortfall("too_much_leave", {"hours": Decimal("6.0"), "limit": Decimal("4.0")}),
    Shortfall(
        "cannot_reach_minimum",
        {"earned": Decimal("18.0"), "hours": Decimal("24.0"), "percent": Decimal("75.0"), "minimum": 80},
    ),
    Shortfall("leave_planned_over_limit", {"hours": Decimal("6.0"), "limit": Decimal("4.0")}),
    Shortfall("required_on_leave", {"count": 1, "titles": ("现场教学",)}),
]


def test_every_code_the_rules_raise_has_a_message():
    raised = set(re.findall(r'AttendanceRuleError\(\s*"(\w+)"', RULES.read_text()))
    shortfalls = set(re.findall(r'Shortfall\(\s*"(\w+)"', COMPLETION_RULES.read_text()))
    assert raised == {e.code for e in ERRORS}
    assert shortfalls == {s.code for s in SHORTFALLS}


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_every_rule_error_reads_as_a_sentence(app, locale):
    with app.test_request_context(), force_locale(locale):
        for error in ERRORS:
            text = rule_error_message(error)
            assert text != error.code and len(text) > 5, error.code
            assert "%(" not in text
        for shortfall in SHORTFALLS:
            text = shortfall_message(shortfall)
            assert text != shortfall.code and "%(" not in text
        for status in (TokenStatus.EXPIRED, TokenStatus.FORGED, TokenStatus.WRONG_SESSION):
            assert token_message(status)


def test_a_sign_in_before_the_window_says_when_it_opens(app):
    session = SessionRules(1, NINE, at("2025-05-09 12:00"))
    with pytest.raises(AttendanceRuleError) as refused:
        check_sign_in(session, at("2025-05-09 08:00"))
    with app.test_request_context(), force_locale("zh"):
        assert rule_error_message(refused.value) == "签到尚未开始，08:30 起可以签到。"
    with app.test_request_context(), force_locale("en"):
        assert rule_error_message(refused.value) == "Sign-in has not opened yet; you can sign in from 08:30."


def test_times_are_shown_in_shanghai_whatever_zone_they_come_in(app):
    from datetime import UTC

    error = AttendanceRuleError("sign_in_closed", closed_at=at("2025-05-09 12:00").astimezone(UTC))
    with app.test_request_context(), force_locale("zh"):
        assert rule_error_message(error) == "签到已于 12:00 结束。如确实到场，请向班主任申请补签。"


def test_the_result_page_says_signed_in_late_or_already(app):
    first = at("2025-05-09 08:55")
    with app.test_request_context(), force_locale("zh"):
        assert sign_in_result_message(AttendanceStatus.PRESENT, first) == "签到成功，签到时间 08:55。"
        assert (
            sign_in_result_message(AttendanceStatus.LATE, at("2025-05-09 09:12")) == "迟到，签到时间 09:12。"
        )
        assert sign_in_result_message(AttendanceStatus.PRESENT, first, already=True) == (
            "您已于 08:55 签到，无需重复签到。"
        )
        assert sign_out_result_message(AttendanceStatus.LEFT_EARLY, at("2025-05-09 10:30")) == (
            "已签退（早退），签退时间 10:30。"
        )
    with app.test_request_context(), force_locale("en"):
        assert (
            sign_in_result_message(AttendanceStatus.LATE, at("2025-05-09 09:12"))
            == "Late: signed in at 09:12."
        )
        assert (
            sign_out_result_message(AttendanceStatus.PRESENT, at("2025-05-09 11:55"))
            == "Signed out at 11:55."
        )


def test_token_verdicts_tell_the_trainee_what_to_do(app):
    with app.test_request_context(), force_locale("zh"):
        assert "过期" in token_message(TokenStatus.EXPIRED)
        assert "另一次课程" in token_message(TokenStatus.WRONG_SESSION)
        assert token_message(TokenStatus.OK) == ""
        assert token_message("nonsense") == token_message(TokenStatus.FORGED)
    with app.test_request_context(), force_locale("en"):
        assert token_message(TokenStatus.EXPIRED).startswith("This sign-in code has expired.")


def test_shortfalls_in_english_keep_their_numbers(app):
    with app.test_request_context(), force_locale("en"):
        assert shortfall_message(SHORTFALLS[0]) == "Credit hours attended 16/24 = 66.7%, below 80%."
        assert shortfall_message(SHORTFALLS[3]) == "6 credit hours of leave, more than the 4 allowed."
    with app.test_request_context(), force_locale("zh"):
        assert shortfall_message(SHORTFALLS[0]) == "出勤学时 16/24 = 66.7%，低于 80%。"
        assert shortfall_message(SHORTFALLS[1]) == "缺席必修课《开班仪式》、《专题讲座》。"


def test_outcome_labels_cover_every_cell_of_the_matrix(app):
    with app.test_request_context(), force_locale("zh"):
        assert [outcome_label(s) for s in AttendanceStatus] == ["出勤", "迟到", "早退", "请假", "缺勤"]
        assert [outcome_label(s) for s in (PENDING, CANCELLED, NOT_EXPECTED)] == [
            "未签到",
            "课程已取消",
            "不计",
        ]
    with app.test_request_context(), force_locale("en"):
        assert outcome_label(AttendanceStatus.LEFT_EARLY) == "Left early"
        assert outcome_label(CANCELLED) == "Session cancelled"
