"""Calendar feeds: what a phone calendar subscribed to the secret URL shows, read back with vobject
(a second parser, not the icalendar package that wrote it)."""

from __future__ import annotations

from datetime import timedelta

import vobject
from sqlalchemy import select

from cadre.extensions import db
from cadre.models import AuditEvent, CalendarFeed, TrainingSession
from tests.factories import login, make_cohort, make_session
from tests.timetable_support import SHANGHAI, feed_path_of, local, programme


def events_of(body: bytes) -> dict[str, object]:
    calendar = vobject.readOne(body.decode("utf-8"))
    return {event.uid.value: event for event in calendar.vevent_list}


def fetch(app, path):
    """As a calendar application: no cookies, no login."""
    return app.test_client().get(path)


def test_feed_shows_the_same_sessions_at_the_same_local_times(app, client):
    p = programme()
    response = fetch(app, feed_path_of(client, p.trainee))

    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    events = events_of(response.data)
    sessions = [p.lecture, p.visit, p.cancelled]
    assert len(events) == 3
    for s in sessions:
        event = next(e for e in events.values() if e.summary.value == s.title)
        assert event.dtstart.value.astimezone(SHANGHAI) == s.starts_at.astimezone(SHANGHAI)
        assert event.dtend.value.astimezone(SHANGHAI) == s.ends_at.astimezone(SHANGHAI)
    lecture = next(e for e in events.values() if e.summary.value == "开班第一课")
    assert lecture.dtstart.value.astimezone(SHANGHAI).strftime("%H:%M") == "10:00"
    assert "党群服务中心" in lecture.location.value
    assert (
        "张雪梅" in lecture.description.value
        and "上海交通大学马克思主义学院教授" in lecture.description.value
    )
    visit = next(e for e in events.values() if e.summary.value == "沉浸式研学")
    assert "党群服务中心门口" in visit.location.value
    assert "13:15" in visit.description.value and "大场镇党群服务中心" in visit.description.value


def test_uids_are_stable_and_sequence_grows_after_an_edit(app, client):
    p = programme()
    path = feed_path_of(client, p.trainee)
    first = events_of(fetch(app, path).data)

    session = db.session.get(TrainingSession, p.lecture.id)
    session.starts_at += timedelta(hours=1)
    session.ends_at += timedelta(hours=1)
    session.sequence += 1
    db.session.commit()
    second = events_of(fetch(app, path).data)

    assert set(first) == set(second)
    uid = next(u for u, e in second.items() if e.summary.value == "开班第一课")
    assert int(second[uid].sequence.value) == int(first[uid].sequence.value) + 1
    assert second[uid].dtstart.value.astimezone(SHANGHAI).strftime("%H:%M") == "11:00"


def test_cancelled_session_is_status_cancelled_without_reminders(app, client):
    p = programme()
    events = events_of(fetch(app, feed_path_of(client, p.trainee)).data)

    cancelled = next(e for e in events.values() if e.summary.value == p.cancelled.title)
    assert cancelled.status.value == "CANCELLED"
    assert "授课人临时出差" in cancelled.description.value
    assert not hasattr(cancelled, "valarm")
    others = [e for e in events.values() if e is not cancelled]
    assert all(e.status.value == "CONFIRMED" for e in others)


def test_reminders_are_there_until_the_trainee_turns_them_off(app, client):
    p = programme()
    path = feed_path_of(client, p.trainee)
    visit = next(e for e in events_of(fetch(app, path).data).values() if e.summary.value == "沉浸式研学")
    alarms = visit.valarm_list
    assert len(alarms) == 2
    # The evening before at 20:00, and an hour before the 13:15 meeting, naming the meeting point.
    start = visit.dtstart.value
    triggers = sorted(start + a.trigger.value for a in alarms)
    assert [t.astimezone(SHANGHAI).strftime("%m-%d %H:%M") for t in triggers] == [
        "05-08 20:00",
        "05-09 12:15",
    ]
    assert any("党群服务中心门口" in a.description.value for a in alarms)

    client.post("/my/calendar", data={"action": "reminders_off"})
    events = events_of(fetch(app, path).data)
    assert all(not hasattr(e, "valarm") for e in events.values())
    assert db.session.scalar(
        select(AuditEvent.action).where(AuditEvent.action == "calendar_feed.reminders_changed")
    )

    client.post("/my/calendar", data={"action": "reminders_on"})
    assert all(
        hasattr(e, "valarm")
        for e in events_of(fetch(app, path).data).values()
        if e.status.value != "CANCELLED"
    )


def test_wrong_tampered_or_revoked_tokens_are_a_plain_404(app, client):
    p = programme()
    path = feed_path_of(client, p.trainee)
    feed_id, mac = path.removeprefix("/calendar/").removesuffix(".ics").split("-")
    never = fetch(app, f"/calendar/{int(feed_id) + 100}-{mac}.ics")
    tampered = fetch(app, f"/calendar/{feed_id}-{mac[:-1]}{'0' if mac[-1] != '0' else '1'}.ics")
    garbage = fetch(app, "/calendar/nonsense.ics")

    client.post("/my/calendar", data={"action": "regenerate"})
    revoked = fetch(app, path)
    new_path = feed_path_of(client, p.trainee)

    assert {r.status_code for r in (never, tampered, garbage, revoked)} == {404}
    # Nothing tells a revoked feed from one that never existed.
    assert revoked.get_data() == never.get_data()
    assert new_path != path
    assert fetch(app, new_path).status_code == 200


def test_a_revoked_feed_stays_off_until_regenerated(app, client):
    p = programme()
    path = feed_path_of(client, p.trainee)
    client.post("/my/calendar", data={"action": "revoke"})

    page = client.get("/my/calendar").get_data(as_text=True)
    assert "/calendar/" not in page
    assert fetch(app, path).status_code == 404
    assert db.session.scalar(select(CalendarFeed).where(CalendarFeed.revoked_at.is_(None))) is None

    client.post("/my/calendar", data={"action": "regenerate"})
    assert fetch(app, feed_path_of(client, p.trainee)).status_code == 200


def test_subscription_page_shows_webcal_and_https_links_with_phone_instructions(app, client):
    p = programme()
    path = feed_path_of(client, p.trainee)
    page = client.get("/my/calendar").get_data(as_text=True)

    # The configured public address (TestConfig.PUBLIC_URL), never the request's Host.
    assert f"webcal://cadre.example.gov.cn{path}" in page
    assert f"https://cadre.example.gov.cn{path}" in page
    assert "localhost" not in page
    assert "设置”→“日历”→“账户”" in page
    assert "通过网址添加" in page


def test_without_a_public_address_the_subscription_page_says_so_instead_of_trusting_the_host(
    app, client, monkeypatch
):
    monkeypatch.setitem(app.config, "PUBLIC_URL", "")
    p = programme()
    login(client, p.trainee.username)
    page = client.get("/my/calendar").get_data(as_text=True)
    assert "CADRE_PUBLIC_URL" in page
    assert "webcal://" not in page and "/calendar/" not in page


def test_trainee_in_two_cohorts_gets_both_in_one_feed(app, client):
    p = programme()
    other = make_cohort(name="第二个班")
    from tests.factories import enroll

    enroll(other, db.session.get(type(p.trainee), p.trainee.id).trainee)
    make_session(other, title="第二班讲座", starts_at=local(2025, 5, 12, 9))
    events = events_of(fetch(app, feed_path_of(client, p.trainee)).data)

    titles = sorted(e.summary.value for e in events.values())
    assert "第二班讲座（第二个班）" in titles
    assert len(titles) == 4


def test_cohort_feed_for_its_organizers(app, client):
    p = programme()
    login(client, p.organizer.username)
    client.post(f"/cohorts/{p.cohort.id}/timetable/feed", data={"action": "regenerate"})
    page = client.get(f"/cohorts/{p.cohort.id}/timetable").get_data(as_text=True)
    from tests.timetable_support import FEED_URL

    token = FEED_URL.search(page).group(1)
    events = events_of(fetch(app, f"/calendar/{token}.ics").data)
    assert sorted(e.summary.value for e in events.values()) == sorted(
        [p.lecture.title, p.visit.title, p.cancelled.title]
    )

    client.post(f"/cohorts/{p.cohort.id}/timetable/feed", data={"action": "revoke"})
    assert fetch(app, f"/calendar/{token}.ics").status_code == 404


def test_cli_writes_the_cohort_feed(app, runner, tmp_path):
    p = programme()
    out = tmp_path / "feed.ics"
    result = runner.invoke(args=["cadre", "ics", p.cohort.code.lower(), "-o", str(out)])

    assert result.exit_code == 0, result.output
    events = events_of(out.read_bytes())
    assert len(events) == 3
    unknown = runner.invoke(args=["cadre", "ics", "NOPE", "-o", str(out)])
    assert unknown.exit_code != 0 and "NOPE" in unknown.output
