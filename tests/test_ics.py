"""The calendar feed, read back by a second, independent iCalendar parser (vobject).

What a phone calendar relies on: the same instants and the same Shanghai wall-clock times, stable UIDs,
SEQUENCE and STATUS, where to go and who speaks, and the reminders (VALARM) at the right moments.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject

from cadre.enums import SessionKind
from cadre.rules.ics import FeedEvent, FeedLabels, FeedSpeaker, FeedStop, event_uid, write_calendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2025, 5, 1, 2, 3, 4, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


LECTURE = FeedEvent(
    11,
    "居民区议事协商的方法与实践",
    SessionKind.LECTURE,
    at("2025-05-16 09:00").astimezone(UTC),  # stored in UTC
    at("2025-05-16 11:15").astimezone(UTC),
    sequence=3,
    kind_label="专题讲座",
    venue_name="天目西路街道党群服务中心",
    venue_address="静安区天目西路 123 号",
    speakers=(FeedSpeaker("陈立群", "上海市委党校教授"), FeedSpeaker("周雅琴", "恒丰居民区党总支书记")),
    what_to_bring="笔记本",
)
VISIT = FeedEvent(
    3,
    "沉浸式研学：党建引领社区治理",
    SessionKind.SITE_VISIT,
    at("2025-05-09 13:30"),
    at("2025-05-09 16:30"),
    sequence=1,
    kind_label="研学参观",
    meeting_point="街道党群服务中心东门",
    departure_at=at("2025-05-09 13:00"),
    transport="大巴",
    return_at=at("2025-05-09 17:00"),
    stops=(
        FeedStop(
            "宝山区大场镇党群服务中心",
            "宝山区大场镇",
            host="大场镇党群服务中心",
            phone="021-56000000",
            arrives_at=at("2025-05-09 14:00"),
        ),
        FeedStop(
            "慧华苑居民区党群服务站",
            "宝山区大场镇",
            host="慧华苑居民区党总支",
            arrives_at=at("2025-05-09 15:15"),
        ),
    ),
)
CANCELLED = FeedEvent(
    5,
    "交流分享：我身边的群众工作故事",
    SessionKind.EXCHANGE,
    at("2025-05-16 13:30"),
    at("2025-05-16 15:45"),
    sequence=2,
    cancelled=True,
    cancel_reason="场地维修",
    venue_name="天目西路街道党群服务中心",
)
EVENTS = [LECTURE, VISIT, CANCELLED]


def parse(data: bytes):
    return vobject.readOne(data.decode("utf-8"))


def events_by_uid(cal) -> dict:
    return {e.uid.value: e for e in cal.vevent_list}


@pytest.fixture(scope="module")
def feed() -> bytes:
    return write_calendar(EVENTS, name="青蓝接力 2025", now=NOW)


def test_calendar_header_names_the_feed_and_its_zone(feed):
    cal = parse(feed)
    assert cal.version.value == "2.0"
    assert cal.prodid.value.startswith("-//Cadre//")
    assert cal.contents["x-wr-calname"][0].value == "青蓝接力 2025"
    assert [tz.tzid.value for tz in cal.vtimezone_list] == ["Asia/Shanghai"]


def test_one_event_per_session_with_stable_uids(feed):
    cal = parse(feed)
    assert sorted(events_by_uid(cal)) == sorted(event_uid(e.id) for e in EVENTS)
    assert event_uid(11) == "session-11@cadre"
    # Another feed (a trainee's, later, after an edit) names the same events the same way.
    again = parse(write_calendar([LECTURE], name="我的课表", now=NOW + timedelta(days=3), reminders=False))
    assert list(events_by_uid(again)) == ["session-11@cadre"]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.title)
def test_same_instants_and_same_shanghai_wall_clock(feed, event):
    parsed = events_by_uid(parse(feed))[event_uid(event.id)]
    start, end = parsed.dtstart.value, parsed.dtend.value
    assert start == event.starts_at and end == event.ends_at  # the same instants
    # As the phone shows it: the wall-clock time written in the feed is Shanghai's, offset +08:00.
    assert start.replace(tzinfo=None) == event.starts_at.astimezone(SHANGHAI).replace(tzinfo=None)
    assert end.replace(tzinfo=None) == event.ends_at.astimezone(SHANGHAI).replace(tzinfo=None)
    assert start.utcoffset() == timedelta(hours=8)


def test_zone_holds_for_the_whole_range_sessions_may_have():
    late = FeedEvent(1, "x", SessionKind.LECTURE, at("2099-06-01 09:00"), at("2099-06-01 10:00"))
    early = FeedEvent(2, "y", SessionKind.LECTURE, at("2000-01-03 09:00"), at("2000-01-03 10:00"))
    parsed = events_by_uid(parse(write_calendar([late, early], name="x", now=NOW)))
    assert parsed["session-1@cadre"].dtstart.value == late.starts_at
    assert parsed["session-1@cadre"].dtstart.value.utcoffset() == timedelta(hours=8)
    assert parsed["session-2@cadre"].dtstart.value == early.starts_at


def test_dtstamp_is_utc_and_sequence_and_status_are_passed_through(feed):
    parsed = events_by_uid(parse(feed))
    for event in EVENTS:
        vevent = parsed[event_uid(event.id)]
        assert vevent.dtstamp.value == NOW
        assert vevent.dtstamp.value.utcoffset() == timedelta(0)
        assert int(vevent.sequence.value) == event.sequence
        assert vevent.status.value == ("CANCELLED" if event.cancelled else "CONFIRMED")


def test_location_is_the_venue_or_for_a_site_visit_the_meeting_point(feed):
    parsed = events_by_uid(parse(feed))
    assert parsed["session-11@cadre"].location.value == "天目西路街道党群服务中心 静安区天目西路 123 号"
    assert parsed["session-3@cadre"].location.value == "街道党群服务中心东门"


def test_description_has_kind_speakers_with_titles_and_what_to_bring(feed):
    text = events_by_uid(parse(feed))["session-11@cadre"].description.value
    lines = text.split("\n")
    assert lines[0] == "类型：专题讲座"
    assert "授课人：陈立群（上海市委党校教授）；周雅琴（恒丰居民区党总支书记）" in lines
    assert "请携带：笔记本" in lines


def test_description_of_a_site_visit_has_meeting_transport_and_stops_in_order(feed):
    text = events_by_uid(parse(feed))["session-3@cadre"].description.value
    assert "集合地点：街道党群服务中心东门" in text
    assert "集合时间：13:00" in text
    assert "交通方式：大巴" in text
    assert "返回时间：17:00" in text
    first = text.index("1. 14:00 宝山区大场镇党群服务中心")
    second = text.index("2. 15:15 慧华苑居民区党群服务站")
    assert first < second
    assert "电话：021-56000000" in text
    assert "接待：慧华苑居民区党总支" in text


def test_cancelled_session_says_why_and_has_no_reminders(feed):
    vevent = events_by_uid(parse(feed))["session-5@cadre"]
    assert vevent.description.value.startswith("已取消：场地维修")
    assert "valarm" not in vevent.contents


def _alarm_times(vevent) -> list[tuple[datetime, str]]:
    start = vevent.dtstart.value
    return sorted(
        ((start + alarm.trigger.value).astimezone(SHANGHAI), alarm.description.value)
        for alarm in vevent.valarm_list
    )


def test_lecture_reminds_the_evening_before_at_eight_and_an_hour_before(feed):
    vevent = events_by_uid(parse(feed))["session-11@cadre"]
    assert all(a.action.value == "DISPLAY" for a in vevent.valarm_list)
    assert _alarm_times(vevent) == [
        (at("2025-05-15 20:00"), "明天 09:00：居民区议事协商的方法与实践"),
        (at("2025-05-16 08:00"), "一小时后开始：居民区议事协商的方法与实践"),
    ]


def test_site_visit_reminds_an_hour_before_the_meeting_with_the_meeting_point(feed):
    vevent = events_by_uid(parse(feed))["session-3@cadre"]
    assert _alarm_times(vevent) == [
        (at("2025-05-08 20:00"), "明天 13:00：沉浸式研学：党建引领社区治理"),
        (
            at("2025-05-09 12:00"),
            "一小时后集合：沉浸式研学：党建引领社区治理，集合地点：街道党群服务中心东门",
        ),
    ]


def test_reminders_can_be_turned_off():
    cal = parse(write_calendar(EVENTS, name="我的课表", now=NOW, reminders=False))
    assert all("valarm" not in e.contents for e in cal.vevent_list)
    assert len(cal.vevent_list) == 3


def test_translated_labels_replace_the_chinese_words():
    labels = FeedLabels(
        colon=": ",
        list_separator="; ",
        speaker="%(name)s (%(title)s)",
        kind="Kind",
        speakers="Speakers",
        what_to_bring="Bring",
        evening_reminder="Tomorrow %(time)s: %(title)s",
        hour_reminder="In one hour: %(title)s",
    )
    event = FeedEvent(
        1,
        "Opening",
        SessionKind.CEREMONY,
        at("2025-05-09 09:00"),
        at("2025-05-09 09:45"),
        kind_label="Opening ceremony",
        speakers=(FeedSpeaker("Dong Qimeng", "Secretary"), FeedSpeaker("Li Lei")),
    )
    vevent = parse(write_calendar([event], name="x", now=NOW, labels=labels)).vevent
    assert vevent.description.value == "Kind: Opening ceremony\nSpeakers: Dong Qimeng (Secretary); Li Lei"
    assert [text for _, text in _alarm_times(vevent)] == ["Tomorrow 09:00: Opening", "In one hour: Opening"]


def test_without_a_kind_label_the_chinese_kind_name_is_used():
    event = FeedEvent(1, "开班", SessionKind.CEREMONY, at("2025-05-09 09:00"), at("2025-05-09 09:45"))
    vevent = parse(write_calendar([event], name="x", now=NOW)).vevent
    assert vevent.description.value == "类型：开班仪式"
    assert "location" not in vevent.contents  # no venue given: no empty LOCATION


def test_output_is_rfc5545_text_crlf_and_folded(feed):
    assert feed.startswith(b"BEGIN:VCALENDAR\r\n") and feed.endswith(b"END:VCALENDAR\r\n")
    lines = feed.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in feed.replace(b"\r\n", b"")


def test_naive_times_are_refused():
    event = FeedEvent(1, "x", SessionKind.LECTURE, datetime(2025, 5, 9, 9), datetime(2025, 5, 9, 10))
    with pytest.raises(ValueError):
        write_calendar([event], name="x", now=NOW)


def test_a_feed_with_no_sessions_is_still_a_calendar():
    cal = parse(write_calendar([], name="空", now=NOW))
    assert cal.contents["x-wr-calname"][0].value == "空"
    assert "vevent" not in cal.contents
