"""What the organizer reads for each schedule rule code, in Chinese and in English."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from flask_babel import force_locale

from cadre.enums import SessionKind
from cadre.rules.holidays import known_years
from cadre.rules.schedule import (
    LOCAL_TZ,
    CohortDates,
    ScheduleRuleError,
    SlotValue,
    check_candidate,
    validate_times,
)
from cadre.rules.schedule_moves import weekly_series
from cadre.schedule_messages import (
    field_error_message,
    holiday_name,
    problem_message,
    rule_error_message,
    shift_leaving_message,
)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)


COHORT = CohortDates(1, date(2025, 5, 9), date(2025, 6, 27))


def slot(id, start, end, **kwargs) -> SlotValue:
    return SlotValue(
        id, kwargs.pop("cohort_id", 1), f"课程{id}", SessionKind.LECTURE, at(start), at(end), **kwargs
    )


@pytest.fixture
def names():
    return {
        "venues": {7: "党群服务中心多功能厅"},
        "speakers": {3: "陈立群"},
        "sessions": {10: "基层治理专题"},
    }


def test_clash_messages_name_the_venue_speaker_and_other_session(app, names):
    booked = slot(10, "2025-05-09 09:30", "2025-05-09 11:00", cohort_id=2, venue_id=7, speaker_ids=(3,))
    candidate = slot(1, "2025-05-09 09:00", "2025-05-09 10:00", venue_id=7, speaker_ids=(3,))
    problems = check_candidate(candidate, [booked], COHORT)
    with app.test_request_context(), force_locale("zh"):
        assert [problem_message(p, **names) for p in problems] == [
            "场地冲突：党群服务中心多功能厅 同一时间已安排「基层治理专题」。",
            "授课人冲突：陈立群 同一时间已有课程「基层治理专题」。",
        ]
    with app.test_request_context(), force_locale("en"):
        assert problem_message(problems[0], **names) == (
            "Venue clash: 党群服务中心多功能厅 is booked at the same time for “基层治理专题”."
        )


def test_holiday_weekend_and_outside_messages_in_english(app):
    holiday = check_candidate(slot(1, "2025-05-01 09:00", "2025-05-01 10:00"), [], COHORT)
    weekend = check_candidate(slot(2, "2025-05-10 09:00", "2025-05-10 10:00"), [], COHORT)
    with app.test_request_context(), force_locale("en"):
        assert [problem_message(p) for p in holiday] == [
            "2025-05-01 is outside the cohort's dates (2025-05-09 to 2025-06-27).",
            "2025-05-01 is a public holiday (Labour Day).",
        ]
        assert [problem_message(p) for p in weekend] == ["2025-05-10 is a weekend day."]
    with app.test_request_context(), force_locale("zh"):
        assert problem_message(holiday[1]) == "2025-05-01 是法定节假日（劳动节）。"


def test_unknown_year_message_says_the_calendar_does_not_know(app):
    year = known_years().stop
    found = check_candidate(slot(1, f"{year}-03-03 09:00", f"{year}-03-03 10:00"), [])
    problems = [p for p in found if p.code == "unknown_calendar_year"]
    with app.test_request_context(), force_locale("zh"):
        text = problem_message(problems[0])
    assert f"节假日日历还没有 {year} 年的安排" in text
    assert f"{known_years().start}–{year - 1}" in text


def test_open_cohort_dates_read_not_set(app):
    open_ended = CohortDates(1, date(2025, 5, 9), None)
    (problem,) = check_candidate(slot(1, "2025-05-08 09:00", "2025-05-08 10:00"), [], open_ended)
    with app.test_request_context(), force_locale("en"):
        assert problem_message(problem) == "2025-05-08 is outside the cohort's dates (2025-05-09 to not set)."


def test_time_and_rule_errors_have_sentences(app):
    errors = validate_times(at("2025-05-09 10:00"), at("2025-05-09 09:00"))
    too_long = validate_times(at("2025-05-09 10:00"), at("2025-05-10 11:00"))
    missing = validate_times(None, None)
    with pytest.raises(ScheduleRuleError) as err:
        weekly_series(at("2025-05-09 09:00"), at("2025-05-09 10:00"), date(2025, 5, 9) + timedelta(weeks=70))
    with app.test_request_context(), force_locale("zh"):
        assert field_error_message(errors[0]) == "结束时间须晚于开始时间。"
        assert field_error_message(too_long[0]) == "一次课程最长 24 小时。"
        assert [field_error_message(e) for e in missing] == ["请填写开始时间。", "请填写结束时间。"]
        assert rule_error_message(err.value) == "重复课程最多 60 次，按此截止日期将有 71 次。"
        assert shift_leaving_message(2) == "调整后有 2 次课程不在培训班的日期内。确认后才会保存。"
    with app.test_request_context(), force_locale("en"):
        assert (
            rule_error_message(err.value)
            == "A series has at most 60 sessions; with this end date it would have 71."
        )
        assert holiday_name("national_day") == "National Day"
        assert (
            rule_error_message(ScheduleRuleError("series_no_end"))
            == "Enter the date the series repeats until."
        )
