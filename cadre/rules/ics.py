"""Calendar feeds (iCalendar, RFC 5545): plain values in, bytes out, written with `icalendar`.

Choices, so that a phone calendar shows each session at the same local time:

- Times are local Asia/Shanghai times with ``TZID=Asia/Shanghai`` and one
  VTIMEZONE for that zone (a single +08:00 STANDARD rule from 2000 on: China
  has kept no daylight saving time since 1991, and the schedule rules accept
  2000–2100 only). ``X-WR-TIMEZONE`` says the same for Google Calendar.
  DTSTAMP is in UTC, as RFC 5545 requires.
- UID is ``session-{id}@{domain}``: stable across feeds (a trainee's and the
  organizers' show the same event) and across edits, which raise SEQUENCE
  (the session's edit counter, passed in).
- A cancelled session stays in the feed with ``STATUS:CANCELLED`` (so a
  calendar that had it removes or strikes it) and without reminders.
- Reminders (VALARM, ACTION:DISPLAY), unless ``reminders=False``: at 20:00
  local on the evening before, and one hour before the start; for a session
  with a meeting (departure) time — site visits, on-site teaching — the
  evening before the meeting day and one hour before the meeting time, with
  the meeting point in the text. Triggers are durations relative to DTSTART
  (the form every calendar application honours).
- The text of descriptions and reminders comes from ``FeedLabels``; its
  defaults are Chinese, and the web layer passes translated ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from icalendar import Alarm, Calendar, Event, Timezone

from cadre.enums import SessionKind
from cadre.rules.schedule import LOCAL_TZ, MAX_YEAR, MIN_YEAR

__all__ = ["FeedEvent", "FeedLabels", "FeedSpeaker", "FeedStop", "event_uid", "write_calendar"]

TZID = "Asia/Shanghai"
PRODID = "-//Cadre//Cadre training schedule//ZH"
EVENING_REMINDER_AT = time(20, 0)
REMINDER_BEFORE = timedelta(hours=1)


@dataclass(frozen=True)
class FeedSpeaker:
    name: str
    title: str = ""  # title and affiliation, e.g. 上海交通大学马克思主义学院教授


@dataclass(frozen=True)
class FeedStop:
    name: str
    address: str | None = None
    host: str | None = None
    phone: str | None = None
    arrives_at: datetime | None = None
    notes: str | None = None


@dataclass(frozen=True)
class FeedEvent:
    """One session as the feed shows it; aware datetimes."""

    id: int
    title: str
    kind: SessionKind
    starts_at: datetime
    ends_at: datetime
    sequence: int = 0
    cancelled: bool = False
    cancel_reason: str | None = None
    kind_label: str | None = None  # translated label of the kind; defaults to the kind's value
    venue_name: str | None = None
    venue_address: str | None = None
    speakers: tuple[FeedSpeaker, ...] = ()
    description: str | None = None
    what_to_bring: str | None = None
    meeting_point: str | None = None
    departure_at: datetime | None = None  # meeting / departure time of a site visit
    transport: str | None = None  # translated label, e.g. 大巴
    return_at: datetime | None = None
    stops: tuple[FeedStop, ...] = ()

    @property
    def is_outing(self) -> bool:
        """A session that starts with a meeting somewhere (site visits, on-site teaching)."""
        return self.departure_at is not None or bool(self.meeting_point)


@dataclass(frozen=True)
class FeedLabels:
    """Words of the feed's text. Templates use %(name)s placeholders."""

    kind: str = "类型"
    speakers: str = "授课人"
    stops: str = "现场教学点"
    host: str = "接待"
    phone: str = "电话"
    what_to_bring: str = "请携带"
    meeting_point: str = "集合地点"
    departure: str = "集合时间"
    transport: str = "交通方式"
    return_at: str = "返回时间"
    cancelled: str = "已取消"
    evening_reminder: str = "明天 %(time)s：%(title)s"
    hour_reminder: str = "一小时后开始：%(title)s"
    meeting_reminder: str = "一小时后集合：%(title)s，集合地点：%(place)s"


def event_uid(session_id: int, domain: str = "cadre") -> str:
    return f"session-{session_id}@{domain}"


def _local(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime: the feed takes timezone-aware datetimes")
    return value.astimezone(LOCAL_TZ)


def _hm(value: datetime) -> str:
    return _local(value).strftime("%H:%M")


def _location(event: FeedEvent) -> str | None:
    if event.meeting_point:
        return event.meeting_point
    parts = [p for p in (event.venue_name, event.venue_address) if p]
    return " ".join(parts) or None


def _description(event: FeedEvent, labels: FeedLabels) -> str:
    lines: list[str] = []
    if event.cancelled:
        lines.append(f"{labels.cancelled}" + (f"：{event.cancel_reason}" if event.cancel_reason else ""))
    lines.append(f"{labels.kind}：{event.kind_label or event.kind.value}")
    if event.speakers:
        names = "；".join(f"{s.name}（{s.title}）" if s.title else s.name for s in event.speakers)
        lines.append(f"{labels.speakers}：{names}")
    if event.meeting_point:
        lines.append(f"{labels.meeting_point}：{event.meeting_point}")
    if event.departure_at is not None:
        lines.append(f"{labels.departure}：{_hm(event.departure_at)}")
    if event.transport:
        lines.append(f"{labels.transport}：{event.transport}")
    if event.return_at is not None:
        lines.append(f"{labels.return_at}：{_hm(event.return_at)}")
    if event.stops:
        lines.append(f"{labels.stops}：")
        for number, stop in enumerate(event.stops, 1):
            head = f"{number}. " + (f"{_hm(stop.arrives_at)} " if stop.arrives_at else "") + stop.name
            details = [stop.address]
            if stop.host:
                details.append(f"{labels.host}：{stop.host}")
            if stop.phone:
                details.append(f"{labels.phone}：{stop.phone}")
            details.append(stop.notes)
            lines.append("  ".join([head, *[d for d in details if d]]))
    if event.what_to_bring:
        lines.append(f"{labels.what_to_bring}：{event.what_to_bring}")
    if event.description:
        lines.append("")
        lines.append(event.description)
    return "\n".join(lines)


def _alarm(trigger: timedelta, text: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", text)
    alarm.add("trigger", trigger)
    return alarm


def _alarms(event: FeedEvent, labels: FeedLabels) -> list[Alarm]:
    start = _local(event.starts_at)
    anchor = _local(event.departure_at) if event.departure_at is not None else start
    evening_day: date = anchor.date() - timedelta(days=1)
    evening = datetime.combine(evening_day, EVENING_REMINDER_AT, tzinfo=LOCAL_TZ)
    params = {"title": event.title, "time": anchor.strftime("%H:%M"), "place": event.meeting_point or _location(event) or ""}
    alarms = [_alarm(evening - start, labels.evening_reminder % params)]
    if event.is_outing:
        alarms.append(_alarm(anchor - REMINDER_BEFORE - start, labels.meeting_reminder % params))
    else:
        alarms.append(_alarm(anchor - REMINDER_BEFORE - start, labels.hour_reminder % params))
    return alarms


def _timezone() -> Timezone:
    return Timezone.from_tzinfo(LOCAL_TZ, tzid=TZID, first_date=date(MIN_YEAR, 1, 1), last_date=date(MAX_YEAR + 1, 1, 1))


def write_calendar(
    events: Iterable[FeedEvent],
    *,
    name: str,
    now: datetime | None = None,
    reminders: bool = True,
    labels: FeedLabels | None = None,
    domain: str = "cadre",
) -> bytes:
    """A VCALENDAR with one VEVENT per session, as UTF-8 bytes with CRLF line ends (see the module docstring)."""
    labels = labels or FeedLabels()
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", TZID)
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    cal.add_component(_timezone())
    for item in sorted(events, key=lambda e: (e.starts_at, e.id)):
        vevent = Event()
        vevent.add("uid", event_uid(item.id, domain))
        vevent.add("dtstamp", stamp)
        vevent.add("dtstart", _local(item.starts_at))
        vevent.add("dtend", _local(item.ends_at))
        vevent.add("summary", item.title)
        location = _location(item)
        if location:
            vevent.add("location", location)
        vevent.add("description", _description(item, labels))
        vevent.add("categories", [item.kind_label or item.kind.value])
        vevent.add("sequence", max(0, int(item.sequence)))
        vevent.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        if reminders and not item.cancelled:
            for alarm in _alarms(item, labels):
                vevent.add_component(alarm)
        cal.add_component(vevent)
    return cal.to_ical()
