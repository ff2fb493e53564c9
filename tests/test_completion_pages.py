"""结业情况 for organizers (the page, at-risk first, and the count on the home page), the trainee's
own outlook on 我的课表, and the completion result with the certificate on the training record."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from cadre.enums import AttendanceStatus, EnrollmentStatus, LeaveStatus, SignInMethod
from cadre.extensions import db
from cadre.models import AttendanceRecord, Certificate, Cohort, LeaveRequest, Role
from cadre.models.types import utcnow
from tests.factories import (
    enroll,
    login,
    make_cohort,
    make_session,
    make_trainee,
    make_trainee_user,
    make_user,
)
from tests.pdf_support import pdf_text


def _present(session, trainee):
    db.session.add(
        AttendanceRecord(
            session=session,
            trainee=trainee,
            status=AttendanceStatus.PRESENT,
            signed_in_at=session.starts_at,
            method=SignInMethod.MANUAL,
        )
    )


def _world(extra_good: int = 0):
    """4 sessions held (the first, 开班仪式, required) and 6 to come, 2 学时 each: 20 学时, 80 % = 16."""
    org = make_user(Role.ORGANIZER, username="org")
    cohort = make_cohort(organizers=[org], name="青蓝接力班", code="QLJL2025")
    now = utcnow()
    first = now - timedelta(days=5)
    sessions = [
        make_session(
            cohort,
            starts_at=first + timedelta(days=i),
            title="开班仪式" if i == 0 else f"专题讲座{i}",
            is_required=i == 0,
        )
        for i in range(4)
    ] + [
        make_session(cohort, starts_at=now + timedelta(days=i + 1), title=f"现场教学{i}", is_required=False)
        for i in range(6)
    ]
    good = make_trainee_user(cohort, name="张好学", group="第一组")
    risky = make_trainee(name="李风险")
    hopeless = make_trainee(name="王缺席")
    gone = make_trainee(name="赵退训")
    enroll(cohort, risky, group="第一组")
    enroll(cohort, hopeless, group="第二组")
    enroll(cohort, gone, group="第二组", status=EnrollmentStatus.WITHDRAWN, withdrawn_on=date.today())
    more = [make_trainee(name=f"学员{i:03d}") for i in range(extra_good)]
    for t in more:
        enroll(cohort, t, group="第三组")
    for s in sessions[:4]:
        for t in [good.trainee, *more]:
            _present(s, t)
    for s in sessions[:2]:
        _present(s, risky)  # 4 of 8 so far: all 6 to come needed
    _present(sessions[1], hopeless)  # missed the required 开班仪式
    db.session.commit()
    return org, cohort, sessions, good


def test_the_page_lists_everyone_at_risk_first_with_reasons_in_words(client, app):
    org, cohort, _, _ = _world()
    login(client, org.username)
    page = client.get(f"/cohorts/{cohort.id}/completion").get_data(as_text=True)
    order = [page.index(name) for name in ("李风险", "王缺席", "张好学", "赵退训")]
    assert order == sorted(order)
    assert "余下 6 次课程须全部参加。" in page
    assert "缺席必修课《开班仪式》。" in page
    assert "还需参加 6 次课程中的至少 4 次。" in page  # 张好学: 8 of 16 earned, any 4 of 6 will do
    assert 'data-status="at_risk"' in page and 'data-status="cannot"' in page
    assert 'data-status="withdrawn"' in page
    assert "出勤学时不少于总学时的 80%" in page and "请假不超过总学时的 1/7（2.9 学时）" in page
    client.post("/language", data={"lang": "en", "next": "/"})
    page = client.get(f"/cohorts/{cohort.id}/completion").get_data(as_text=True)
    assert "All 6 remaining sessions must be attended." in page
    assert "Missed the required session “开班仪式”." in page


def test_the_cohort_page_and_the_statistics_link_to_it(client, app):
    org, cohort, _, _ = _world()
    login(client, org.username)
    link = f'href="/cohorts/{cohort.id}/completion"'
    assert link in client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert link in client.get(f"/cohorts/{cohort.id}/attendance").get_data(as_text=True)


@pytest.mark.parametrize("who", ["other_organizer", "trainee"])
def test_only_the_cohorts_organizers_and_admins_see_it(client, app, who):
    _, cohort, _, good = _world()
    if who == "other_organizer":
        other = make_user(Role.ORGANIZER, username="other")
        make_cohort(organizers=[other])
        login(client, other.username)
    else:
        login(client, good.username)
    assert client.get(f"/cohorts/{cohort.id}/completion").status_code in (403, 404)


def test_home_counts_match_the_page_and_link_to_it(client, app):
    org, cohort, _, _ = _world()
    make_cohort(organizers=[make_user(Role.ORGANIZER, username="else")], name="别人的班")
    login(client, org.username)
    home = client.get("/").get_data(as_text=True)
    assert f'data-cohort="{cohort.id}" data-at-risk="1" data-cannot="1"' in home
    assert f'href="/cohorts/{cohort.id}/completion"' in home
    assert "有风险 1 人" in home and "无法结业 1 人" in home and "别人的班" not in home
    page = client.get(f"/cohorts/{cohort.id}/completion").get_data(as_text=True)
    assert 'data-status="at_risk">有风险 1<' in page and 'data-status="cannot">无法结业 1<' in page


def test_nobody_at_risk_shows_no_box(client, app):
    org = make_user(Role.ORGANIZER, username="org")
    make_cohort(organizers=[org])
    login(client, org.username)
    assert 'id="completion-attention"' not in client.get("/").get_data(as_text=True)


def test_query_counts_do_not_grow_with_the_trainees(client, app, count_queries):
    org, cohort, _, _ = _world()
    login(client, org.username)
    counts = {}
    for extra in (0, 15):
        if extra:
            for i in range(extra):
                t = make_trainee(name=f"加{i}")
                enroll(cohort, t)
        for url in (f"/cohorts/{cohort.id}/completion", "/"):
            with count_queries() as statements:
                assert client.get(url).status_code == 200
            counts[(url, extra)] = len(statements)
    assert counts[(f"/cohorts/{cohort.id}/completion", 0)] == counts[(f"/cohorts/{cohort.id}/completion", 15)]
    assert counts[("/", 0)] == counts[("/", 15)]


def test_the_trainee_sees_their_own_outlook_on_my_timetable(client, app):
    _, cohort, sessions, good = _world()
    login(client, good.username)
    page = client.get("/my/timetable").get_data(as_text=True)
    assert "结业：可达到" in page and "还需参加 6 次课程中的至少 4 次。" in page
    assert "李风险" not in page and "王缺席" not in page
    # Approved leave for two sessions to come (4 学时) goes over a seventh of 20 学时.
    for s in sessions[4:6]:
        db.session.add(
            LeaveRequest(session=s, trainee=good.trainee, reason="出差", status=LeaveStatus.APPROVED)
        )
    db.session.commit()
    page = client.get("/my/timetable").get_data(as_text=True)
    assert "结业：有风险" in page and "已批准的请假合计 4 学时，将超过允许的 2.9 学时。" in page


def test_the_record_shows_the_result_and_the_valid_certificates_serial(client, app):
    org, cohort, sessions, good = _world()
    login(client, org.username)
    url = f"/trainees/{good.trainee_id}/record"
    page = client.get(url).get_data(as_text=True)
    assert "结业情况：" in page and "可达到" in page and "结业证书编号" not in page
    db.session.add_all(
        [
            Certificate(
                serial="QLJL2025-2025-001",
                verification_token="t1",
                cohort_id=cohort.id,
                trainee_id=good.trainee_id,
                credit_hours=8,
                revoked_at=utcnow(),
            ),
            Certificate(
                serial="QLJL2025-2025-002",
                verification_token="t2",
                cohort_id=cohort.id,
                trainee_id=good.trainee_id,
                credit_hours=8,
            ),
        ]
    )
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "结业证书编号：QLJL2025-2025-002" in page and "结业证书编号：QLJL2025-2025-001" not in page
    text = pdf_text(client.get(url + ".pdf").get_data())
    assert "结业证书编号：QLJL2025-2025-002" in text
    assert "培训尚未结束（可达到）" in text and "还需参加 6 次课程中的至少 4 次。" in text


def test_the_record_pdf_says_why_a_trainee_cannot_complete(client, app):
    org, cohort, _, _ = _world()
    login(client, org.username)
    hopeless = db.session.scalar(select(Cohort).where(Cohort.id == cohort.id)).enrollments
    trainee_id = next(e.trainee_id for e in hopeless if e.trainee.name == "王缺席")
    text = pdf_text(client.get(f"/trainees/{trainee_id}/record.pdf").get_data())
    assert "（无法结业）" in text and "缺席必修课《开班仪式》。" in text


def test_the_leave_limit_is_set_on_the_cohort_form(client, app):
    org, cohort, _, _ = _world()
    login(client, org.username)
    form = client.get(f"/cohorts/{cohort.id}/edit").get_data(as_text=True)
    assert 'name="max_leave_fraction"' in form and 'value="1/7"' in form
    data = {
        "name": cohort.name,
        "code": cohort.code,
        "minutes_per_credit_hour": "45",
        "min_attendance_percent": "80",
        "require_required_sessions": "y",
        "default_venue_id": "",
    }
    reply = client.post(f"/cohorts/{cohort.id}/edit", data={**data, "max_leave_fraction": "一半"})
    assert reply.status_code == 200 and "请假上限请填写分数或百分比" in reply.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Cohort, cohort.id).max_leave_fraction == "1/7"
    reply = client.post(f"/cohorts/{cohort.id}/edit", data={**data, "max_leave_fraction": "20%"})
    assert reply.status_code == 302
    db.session.expire_all()
    assert db.session.get(Cohort, cohort.id).max_leave_fraction == "1/5"
    page = client.get(f"/cohorts/{cohort.id}/completion").get_data(as_text=True)
    assert "请假不超过总学时的 1/5（4 学时）" in page
    client.post(f"/cohorts/{cohort.id}/edit", data={**data, "max_leave_fraction": ""})
    db.session.expire_all()
    assert db.session.get(Cohort, cohort.id).max_leave_fraction is None
    page = client.get(f"/cohorts/{cohort.id}/completion").get_data(as_text=True)
    assert "请假不超过" not in page
    assert db.session.scalar(select(func.count()).select_from(Cohort)) == 1


def test_home_and_page_agree_before_anything_is_held(client, app):
    # Approved leave for a required session to come puts a trainee at risk before the course starts.
    org = make_user(Role.ORGANIZER, username="org")
    cohort = make_cohort(organizers=[org])
    opening = make_session(cohort, starts_at=utcnow() + timedelta(days=2), title="开班仪式")
    for day in range(3, 13):
        make_session(cohort, starts_at=utcnow() + timedelta(days=day), is_required=False)
    t = make_trainee(name="请假人")
    enroll(cohort, t)
    db.session.add(LeaveRequest(session=opening, trainee=t, reason="出差", status=LeaveStatus.APPROVED))
    db.session.commit()
    login(client, org.username)
    assert f'data-cohort="{cohort.id}" data-at-risk="1" data-cannot="0"' in client.get("/").get_data(
        as_text=True
    )
    page = client.get(f"/cohorts/{cohort.id}/completion").get_data(as_text=True)
    assert "已请假的必修课《开班仪式》：缺席必修课不能结业。" in page


def test_a_trainees_attendance_page_shows_their_outlook(client, app):
    org, cohort, _, _ = _world()
    login(client, org.username)
    enrollment = next(e for e in db.session.get(Cohort, cohort.id).enrollments if e.trainee.name == "王缺席")
    page = client.get(f"/cohorts/{cohort.id}/attendance/trainees/{enrollment.trainee_id}").get_data(
        as_text=True
    )
    assert 'id="completion-outlook" data-status="cannot"' in page and "缺席必修课《开班仪式》。" in page


def test_the_record_says_completed_or_not_once_the_course_is_over(client, app):
    org = make_user(Role.ORGANIZER, username="org")
    cohort = make_cohort(organizers=[org], start_date=date(2025, 5, 9), end_date=date(2025, 5, 10))
    first = make_session(cohort, starts_at=utcnow() - timedelta(days=400), is_required=False)
    done, short = make_trainee(name="完成者"), make_trainee(name="未完成")
    enroll(cohort, done)
    enroll(cohort, short)
    _present(first, done)
    db.session.commit()
    login(client, org.username)
    assert "已结业" in client.get(f"/trainees/{done.id}/record").get_data(as_text=True)
    page = client.get(f"/trainees/{short.id}/record").get_data(as_text=True)
    assert "未结业" in page and "出勤学时 0/2 = 0%，低于 80%。" in page
    assert "未结业" in pdf_text(client.get(f"/trainees/{short.id}/record.pdf").get_data())


def test_the_completion_list_exports_to_excel_at_risk_first_without_formulas(client, app):
    from io import BytesIO

    from openpyxl import load_workbook

    org, cohort, _, _ = _world()
    enroll(cohort, make_trainee(name="=HYPERLINK(1)"))
    login(client, org.username)
    reply = client.get(f"/cohorts/{cohort.id}/completion.xlsx")
    assert reply.status_code == 200 and "completion-QLJL2025.xlsx" in reply.headers["Content-Disposition"]
    rows = list(load_workbook(BytesIO(reply.data)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("姓名", "小组", "所在居民区/单位", "结业情况")
    names = [r[0] for r in rows[1:]]
    assert names.index("李风险") < names.index("王缺席") < names.index("张好学") < names.index("赵退训")
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["李风险"][3] == "有风险" and by_name["李风险"][4:7] == (4.0, 8.0, 50.0)
    assert by_name["李风险"][7] == "余下 6 次课程须全部参加。"
    assert by_name["王缺席"][8].splitlines()[-1] == "缺席必修课《开班仪式》。"
    assert by_name["赵退训"][3] == "退训"
    assert "'=HYPERLINK(1)" in names
