"""The next 期次: copying a cohort's programme into a new cohort."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from cadre.extensions import db
from cadre.models import AuditEvent, Cohort, CohortGoal, Enrollment, Role, TrainingSession
from tests.factories import login, make_cohort, make_user
from tests.timetable_support import SHANGHAI, programme


def copy(client, cohort_id, **data):
    form = {"name": "2026年青蓝接力", "code": "QLJL2026", "start_date": "2026-05-08"} | data
    return client.post(f"/cohorts/{cohort_id}/copy", data=form)


def test_copy_moves_every_live_session_to_the_same_weekday_and_time(app, client):
    p = programme()
    goal = CohortGoal(name="为民服务", position=0)
    p.cohort.goals = [goal]
    p.lecture.goals = [goal]
    p.cohort.minutes_per_credit_hour = 50
    db.session.commit()
    login(client, p.organizer.username)

    response = copy(client, p.cohort.id)

    assert response.status_code == 302
    new = db.session.scalar(select(Cohort).where(Cohort.code == "QLJL2026"))
    assert new.copied_from_id == p.cohort.id
    assert new.start_date == date(2026, 5, 8) and new.end_date == date(2026, 6, 26)
    assert new.minutes_per_credit_hour == 50
    assert [u.id for u in new.organizers] == [p.organizer.id]
    assert [g.name for g in new.goals] == ["为民服务"]
    sessions = db.session.scalars(
        select(TrainingSession).where(TrainingSession.cohort_id == new.id).order_by(TrainingSession.starts_at)
    ).all()
    assert [s.title for s in sessions] == ["开班第一课", "沉浸式研学"]  # the cancelled one stays behind
    lecture, visit = sessions
    start = lecture.starts_at.astimezone(SHANGHAI)
    assert (start.date(), start.strftime("%H:%M"), start.weekday()) == (date(2026, 5, 8), "10:00", 4)
    assert [s.name for s in lecture.speakers] == ["张雪梅"] and lecture.venue.name == "党群服务中心"
    assert [g.name for g in lecture.goals] == ["为民服务"] and lecture.goals[0].cohort_id == new.id
    assert visit.meeting_point == "党群服务中心门口"
    assert visit.departs_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") == "2026-05-08 13:15"
    assert [(s.position, s.name, s.host_phone) for s in visit.stops] == [
        (1, "大场镇党群服务中心", "021-56688123"),
        (2, "慧华苑居民区党群服务站", None),
    ]
    assert visit.stops[0].arrives_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") == "2026-05-08 14:00"


def test_copy_takes_no_trainees_and_is_audited(app, client):
    p = programme()
    login(client, p.organizer.username)
    copy(client, p.cohort.id)

    new = db.session.scalar(select(Cohort).where(Cohort.code == "QLJL2026"))
    assert (
        db.session.scalar(select(func.count()).select_from(Enrollment).where(Enrollment.cohort_id == new.id))
        == 0
    )
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.cohort_id == new.id)).all()
    assert actions.count("cohort.copied") == 1
    assert actions.count("session.copied") == 2


def test_a_start_on_another_weekday_moves_to_the_next_same_weekday(app, client):
    p = programme()
    login(client, p.organizer.username)
    copy(client, p.cohort.id, start_date="2026-05-04")  # a Monday

    new = db.session.scalar(select(Cohort).where(Cohort.code == "QLJL2026"))
    assert new.start_date == date(2026, 5, 8)  # the Friday after


def test_copy_reports_holidays_and_weekends_at_once(app, client):
    p = programme()
    login(client, p.organizer.username)
    # 2026-10-02 is a Friday in the 国庆节 holiday.
    response = copy(client, p.cohort.id, start_date="2026-10-02")
    page = client.get(response.headers["Location"]).get_data(as_text=True)

    assert "检查结果" in page
    assert "国庆节" in page


def test_a_taken_code_is_refused_on_the_field_and_nothing_is_written(app, client):
    p = programme()
    make_cohort(code="QLJL2026")
    login(client, p.organizer.username)
    before = db.session.scalar(select(func.count()).select_from(TrainingSession))

    response = copy(client, p.cohort.id)

    assert response.status_code == 200
    assert "已被培训班" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(TrainingSession)) == before


def test_bad_dates_and_codes_get_messages_not_errors(app, client):
    p = programme()
    login(client, p.organizer.username)
    for data, message in (
        ({"start_date": "2026-02-30"}, "开班日期无效"),
        ({"start_date": ""}, "请填写新一期的开班日期"),
        ({"start_date": "3026-05-08"}, "时间须在"),
        ({"code": "青蓝"}, "班级代码只能包含"),
        ({"name": " "}, "请输入培训班名称"),
    ):
        response = copy(client, p.cohort.id, **data)
        assert response.status_code == 200, data
        assert message in response.get_data(as_text=True), data
    assert db.session.scalar(select(func.count()).select_from(Cohort)) == 1


def test_copy_form_suggests_the_next_year(app, client):
    p = programme()
    p.cohort.name = "2025年青蓝接力"
    p.cohort.code = "QLJL2025"
    db.session.commit()
    login(client, p.organizer.username)
    page = client.get(f"/cohorts/{p.cohort.id}/copy").get_data(as_text=True)
    assert 'value="2026年青蓝接力"' in page and 'value="QLJL2026"' in page and 'value="2026-05-08"' in page


def test_an_admin_copy_keeps_the_cohorts_organizers(app, client):
    p = programme()
    admin = make_user(Role.ADMIN)
    login(client, admin.username)
    copy(client, p.cohort.id)
    new = db.session.scalar(select(Cohort).where(Cohort.code == "QLJL2026"))
    assert [u.id for u in new.organizers] == [p.organizer.id]
