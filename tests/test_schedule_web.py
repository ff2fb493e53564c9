"""The 课程安排 pages as an organizer uses them: forms, bad input, clashes, stops, cancel, shift, 检查冲突."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from cadre.extensions import db
from cadre.models import AuditEvent, CohortGoal, Role, Speaker, TrainingSession, Venue
from cadre.rules.schedule import LOCAL_TZ
from tests.factories import login, make_cohort, make_session, make_user


def at(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=LOCAL_TZ).astimezone(UTC)


def form(**overrides) -> dict:
    data = {
        "title": "专题讲座：基层治理",
        "kind": "lecture",
        "day": "2025-05-09",
        "start_time": "09:00",
        "end_time": "11:00",
        "venue_id": "",
        "venue_name": "",
        "speaker_query": "",
        "credit_hours": "",
        "is_required": "y",
        "sign_in_opens_minutes": "30",
        "late_after_minutes": "10",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def sessions() -> list[TrainingSession]:
    db.session.expire_all()
    return db.session.scalars(select(TrainingSession).order_by(TrainingSession.starts_at)).all()


@pytest.fixture
def organizer(client):
    user = make_user(Role.ORGANIZER)
    login(client, user.username)
    return user


@pytest.fixture
def cohort(organizer):
    return make_cohort(organizers=[organizer], start_date=date(2025, 5, 9), end_date=date(2025, 6, 27))


@pytest.fixture
def hall(app):
    venue = Venue(name="街道党群服务中心", address="天目西路")
    db.session.add(venue)
    db.session.commit()
    return venue


@pytest.fixture
def speaker(app):
    sp = Speaker(name="张雪梅", title="教授", affiliation="复旦大学")
    db.session.add(sp)
    db.session.commit()
    return sp


def new_url(cohort) -> str:
    return f"/cohorts/{cohort.id}/schedule/new"


def test_new_session_is_stored_at_the_local_time_with_venue_and_speaker(client, cohort, hall, speaker):
    response = client.post(new_url(cohort), data=form(venue_name="街道党群服务中心", speaker_query="张雪梅"))
    assert response.status_code == 302
    [s] = sessions()
    assert s.starts_at == at("2025-05-09", "09:00") and s.ends_at == at("2025-05-09", "11:00")
    assert s.venue_id == hall.id and s.speakers == [speaker]
    assert str(s.credit_hours) == "2.5"
    page = client.get(f"/cohorts/{cohort.id}/schedule").get_data(as_text=True)
    assert "5月9日（周五）" in page and "专题讲座：基层治理" in page and "张雪梅（复旦大学教授）" in page


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"end_time": "08:00"}, "结束时间须晚于开始时间"),
        ({"end_time": "09:00"}, "结束时间须晚于开始时间"),
        ({"end_day": "2025-05-10", "end_time": "09:30"}, "最长 24 小时"),
        ({"day": "0001-01-01"}, "2000 年至 2100 年"),
        ({"day": "2025-13-45"}, "日期无效"),
        ({"start_time": "25:00"}, "09:00 的格式"),
        ({"venue_id": "999999", "venue_name": "街道党群服务中心"}, "所选场地不存在"),
        ({"speaker_ids": "999999"}, "所选授课人不存在"),
        ({"speaker_ids": "abc"}, "所选授课人不存在"),
        ({"kind": "party"}, "课程类型无效"),
        ({"credit_hours": "1.3"}, "以 0.5 为单位"),
        ({"repeat_until": "2027-01-01"}, "最多 60 次"),
        ({"repeat_until": "2025-05-01"}, "截止日期不能早于"),
        ({"stops-0-address": "慧华苑"}, "请填写教学点名称"),
    ],
)
def test_bad_input_gets_a_message_and_saves_nothing(client, cohort, hall, overrides, message):
    response = client.post(new_url(cohort), data=form(**overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert sessions() == []


def test_unknown_venue_name_suggests_and_can_be_created(client, cohort, hall):
    page = client.post(new_url(cohort), data=form(venue_name="党群")).get_data(as_text=True)
    assert "您要找的是不是：街道党群服务中心" in page and sessions() == []
    client.post(new_url(cohort), data=form(venue_name="慧华苑居民区", create_venue="y"))
    [s] = sessions()
    assert s.venue.name == "慧华苑居民区"


def test_buttons_without_script_add_order_and_remove_stops_and_speakers(client, cohort, speaker):
    other = Speaker(name="李明", title="书记")
    db.session.add(other)
    db.session.commit()
    base = form(kind="site_visit")
    page = client.post(new_url(cohort), data=base | {"op": "stop-add"}).get_data(as_text=True)
    assert 'name="stops-0-name"' in page
    two = base | {"stops-0-name": "慧华苑", "stops-1-name": "锦华苑"}
    page = client.post(new_url(cohort), data=two | {"op": "stop-up-1"}).get_data(as_text=True)
    assert page.index('value="锦华苑"') < page.index('value="慧华苑"')
    page = client.post(new_url(cohort), data=two | {"op": "stop-remove-0"}).get_data(as_text=True)
    assert 'value="慧华苑"' not in page and 'value="锦华苑"' in page
    page = client.post(new_url(cohort), data=base | {"speaker_query": "李明", "op": "speaker-add"}).get_data(
        as_text=True
    )
    assert f'name="speaker_ids" value="{other.id}"' in page
    assert sessions() == []  # none of these buttons saves


def test_site_visit_with_two_stops_is_saved_in_order(client, cohort):
    data = form(
        title="红色研学",
        kind="site_visit",
        meeting_point="街道门口",
        departs_time="08:30",
        transport="bus",
        returns_time="12:00",
    ) | {
        "stops-0-name": "慧华苑居民区",
        "stops-0-host": "王书记",
        "stops-0-host_phone": "13800000000",
        "stops-0-arrives_time": "09:10",
        "stops-1-name": "锦华苑居民区",
        "stops-1-arrives_time": "10:20",
    }
    assert client.post(new_url(cohort), data=data).status_code == 302
    [s] = sessions()
    assert [st.name for st in s.stops] == ["慧华苑居民区", "锦华苑居民区"]
    assert s.stops[0].arrives_at == at("2025-05-09", "09:10") and s.departs_at == at("2025-05-09", "08:30")
    edit = client.get(f"/sessions/{s.id}/edit").get_data(as_text=True)
    assert 'value="王书记"' in edit and 'value="09:10"' in edit and 'value="08:30"' in edit


def test_venue_clash_shows_the_other_session_and_saves_after_confirmation(client, cohort, hall):
    other = make_cohort(name="乙班")
    make_session(other, title="乙班讲座", venue=hall, starts_at=at("2025-05-09", "10:00"))
    response = client.post(new_url(cohort), data=form(venue_id=str(hall.id), venue_name=hall.name))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "场地冲突" in page and "乙班讲座" in page and "仍然保存" in page
    assert len(sessions()) == 1
    response = client.post(
        new_url(cohort), data=form(venue_id=str(hall.id), venue_name=hall.name, confirm_clash="y")
    )
    assert response.status_code == 302 and len(sessions()) == 2


def test_holiday_warning_shows_after_saving(client, cohort):
    response = client.post(new_url(cohort), data=form(day="2025-05-01"), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "法定节假日（劳动节）" in page and "不在培训班的日期内" in page
    assert len(sessions()) == 1


def test_weekly_series_from_the_form(client, cohort):
    response = client.post(new_url(cohort), data=form(repeat_until="2025-05-30"), follow_redirects=True)
    assert "已排好每周重复的 4 次课程" in response.get_data(as_text=True)
    assert len({s.series_id for s in sessions()}) == 1 and len(sessions()) == 4


def test_edit_keeps_typed_credit_hours_and_goals(client, cohort):
    goal = CohortGoal(cohort=cohort, name="为民服务")
    db.session.add(goal)
    s = make_session(cohort)
    client.post(f"/sessions/{s.id}/edit", data=form(credit_hours="3", goal_ids=str(goal.id)))
    [s] = sessions()
    assert (str(s.credit_hours), s.credit_hours_manual, [g.name for g in s.goals]) == (
        "3.0",
        True,
        ["为民服务"],
    )
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "session.updated")).one()
    assert event.after["goal_ids"] == [goal.id]


def test_cancelled_session_stays_struck_through_with_its_reason_and_is_restored(client, cohort):
    s = make_session(cohort, title="开班仪式")
    page = client.post(f"/sessions/{s.id}/cancel", data={"reason": ""}).get_data(as_text=True)
    assert "请填写取消原因" in page
    client.post(f"/sessions/{s.id}/cancel", data={"reason": "台风停课"})
    page = client.get(f"/cohorts/{cohort.id}/schedule").get_data(as_text=True)
    assert "is-cancelled" in page and "已取消：台风停课" in page and "开班仪式" in page
    client.post(f"/sessions/{s.id}/restore", data={})
    assert not sessions()[0].is_cancelled


def test_shift_outside_the_cohort_asks_first(client, cohort):
    s = make_session(cohort, starts_at=at("2025-06-27", "09:00"))
    page = client.post(f"/sessions/{s.id}/shift", data={"days": "7"}).get_data(as_text=True)
    assert "不在培训班的日期内" in page and "确认调整到培训班日期之外" in page
    assert sessions()[0].starts_at == at("2025-06-27", "09:00")
    client.post(f"/sessions/{s.id}/shift", data={"days": "7", "confirm_outside": "y"})
    assert sessions()[0].starts_at == at("2025-07-04", "09:00")


def test_shift_by_nothing_or_nonsense_is_refused(client, cohort):
    s = make_session(cohort)
    assert "请填写要调整的时间" in client.post(f"/sessions/{s.id}/shift", data={}).get_data(as_text=True)
    assert "-3650 到 3650" in client.post(f"/sessions/{s.id}/shift", data={"days": "x"}).get_data(
        as_text=True
    )


def test_conflicts_page_lists_each_problem_once_with_links(client, cohort, hall):
    a = make_session(cohort, title="甲课", venue=hall, starts_at=at("2025-05-09", "09:00"))
    b = make_session(cohort, title="乙课", venue=hall, starts_at=at("2025-05-09", "10:00"))
    make_session(cohort, title="周六课", starts_at=at("2025-05-10", "09:00"))
    page = client.get(f"/cohorts/{cohort.id}/schedule/conflicts").get_data(as_text=True)
    assert page.count("场地冲突") == 1 and page.count("与本班课程「") == 1 and page.count("是周末") == 1
    assert f"/sessions/{a.id}/edit" in page and f"/sessions/{b.id}/edit" in page


def test_goals_are_managed_on_the_schedule_page(client, cohort):
    url = f"/cohorts/{cohort.id}/schedule/goals"
    client.post(url, data={"op": "add", "goal_name": "为民服务"})
    client.post(url, data={"op": "add", "goal_name": "组织动员"})
    page = client.post(url, data={"op": "add", "goal_name": "为民服务"}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "本班已有培训目标“为民服务”" in page
    second = db.session.scalars(select(CohortGoal).where(CohortGoal.name == "组织动员")).one()
    client.post(url, data={"op": "up", "goal_id": str(second.id)})
    client.post(url, data={"op": "rename", "goal_id": str(second.id), "goal_name": "群众工作"})
    db.session.expire_all()
    assert [g.name for g in db.session.scalars(select(CohortGoal).order_by(CohortGoal.position))] == [
        "群众工作",
        "为民服务",
    ]
    client.post(url, data={"op": "remove", "goal_id": str(second.id)})
    assert db.session.scalar(select(func.count()).select_from(CohortGoal)) == 1


def test_speaker_and_venue_screens_and_search(client, organizer, speaker):
    client.post("/speakers/new", data={"name": "李明", "title": "书记", "affiliation": "天目西路街道"})
    page = client.post("/speakers/new", data={"name": "李明", "title": "书记"}).get_data(as_text=True)
    assert "已有同名同职称的授课人" in page
    assert [s["label"] for s in client.get("/speakers/search?q=街道").get_json()] == [
        "李明（天目西路街道书记）"
    ]
    client.post(
        f"/speakers/{speaker.id}/edit", data={"name": "张雪梅", "title": "教授", "phone": "13900000000"}
    )
    assert db.session.get(Speaker, speaker.id).phone == "13900000000"
    client.post("/venues/new", data={"name": "慧华苑", "capacity": "40"})
    page = client.post("/venues/new", data={"name": "慧华苑"}).get_data(as_text=True)
    assert "已有名为“慧华苑”的场地" in page
    assert client.get("/venues/search?q=慧华").get_json()[0]["name"] == "慧华苑"
    assert "李明" in client.get("/speakers").get_data(as_text=True)
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert sorted(actions) == ["speaker.created", "speaker.updated", "venue.created"]


def test_search_gives_at_most_ten(client, organizer):
    db.session.add_all([Venue(name=f"会议室{i}") for i in range(25)])
    db.session.commit()
    assert len(client.get("/venues/search?q=会议室").get_json()) == 10


def test_english_pages_write_dates_the_english_way(client, cohort):
    make_session(cohort)
    client.post("/language", data={"lang": "en", "next": "/"})
    page = client.get(f"/cohorts/{cohort.id}/schedule").get_data(as_text=True)
    assert "Fri 9 May" in page and "Schedule" in page
