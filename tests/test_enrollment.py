"""Managing a cohort's roster: adding, withdrawing, removing, groups and class roles."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from cadre.extensions import db
from cadre.models import (
    AttendanceRecord,
    AttendanceStatus,
    AuditEvent,
    Certificate,
    ClassRole,
    Enrollment,
    EnrollmentStatus,
    Role,
    Trainee,
)
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

CONFIRMED = {"confirmed": "1"}  # the second step of 从本班名单中删除


def events(action):
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def enrollment_count(cohort=None):
    stmt = select(func.count()).select_from(Enrollment)
    if cohort is not None:
        stmt = stmt.where(Enrollment.cohort_id == cohort.id)
    return db.session.scalar(stmt)


def fresh(enrollment):
    db.session.expire_all()
    return db.session.get(Enrollment, enrollment.id)


@pytest.fixture
def cohort(organizer):
    return make_cohort(organizers=[organizer], name="青蓝接力", code="QLJL2025")


def url(cohort, rest=""):
    return f"/cohorts/{cohort.id}/enrollments{rest}"


def alumni(organizer, *names):
    """People of the pool the organizer may pick by name: trainees of an earlier cohort of theirs."""
    earlier = make_cohort(organizers=[organizer])
    people = [make_trainee(name=name) for name in names]
    for person in people:
        enroll(earlier, person)
    return people


# ---------------------------------------------------------------- the roster page


def test_roster_shows_group_role_status_and_full_phone_to_managers(client, cohort):
    zhang = enroll(
        cohort, make_trainee(name="张伟", phone="13812345678"), group="第一组", class_role=ClassRole.MONITOR
    )
    enroll(
        cohort,
        make_trainee(name="李娜", community="慧华苑居民区"),
        group="第二组",
        status=EnrollmentStatus.WITHDRAWN,
        withdrawn_on=date(2025, 5, 20),
        withdrawal_reason="工作调动",
    )
    page = client.get(url(cohort)).get_data(as_text=True)
    assert "张伟" in page and "李娜" in page
    assert "13812345678" in page
    assert "第一组" in page and "第二组" in page
    assert "班长" in page
    assert "退训" in page and "工作调动" in page
    assert "慧华苑居民区" in page
    assert f'value="{zhang.id}"' in page  # a checkbox for bulk changes


def test_roster_filters_by_group(client, cohort):
    enroll(cohort, make_trainee(name="张伟"), group="第一组")
    enroll(cohort, make_trainee(name="李娜"), group="第二组")
    enroll(cohort, make_trainee(name="无组人"))
    page = client.get(url(cohort, "?group=第二组")).get_data(as_text=True)
    assert "李娜" in page and "张伟" not in page
    page = client.get(url(cohort, "?group=-")).get_data(as_text=True)
    assert "无组人" in page and "李娜" not in page


def test_roster_is_for_people_who_manage_the_cohort(client, app):
    owner = make_user(Role.ORGANIZER)
    cohort = make_cohort(organizers=[owner])
    other = make_user(Role.ORGANIZER)
    login(client, other.username)
    assert client.get(url(cohort)).status_code == 403
    assert client.get(url(cohort, "/add")).status_code == 403
    assert client.post(url(cohort, "/bulk"), data={"ids": "1", "group": "x"}).status_code == 403
    client.post("/auth/logout")
    trainee_user = make_trainee_user(cohort)
    login(client, trainee_user.username)
    assert client.get(url(cohort)).status_code == 403
    e = db.session.scalar(select(Enrollment))
    assert client.get(url(cohort, f"/{e.id}")).status_code == 403
    assert client.post(url(cohort, f"/{e.id}/remove")).status_code == 403
    assert enrollment_count() == 1


def test_admin_manages_any_roster(client):
    admin = make_user(Role.ADMIN)
    cohort = make_cohort(organizers=[make_user(Role.ORGANIZER)])
    login(client, admin.username)
    assert client.get(url(cohort)).status_code == 200


def test_unknown_ids_are_404(client, cohort):
    other = make_cohort()
    foreign = enroll(other, make_trainee())
    assert client.get("/cohorts/9999/enrollments").status_code == 404
    assert client.get(url(cohort, "/9999")).status_code == 404
    assert (
        client.post(
            url(cohort, "/9999/withdraw"), data={"withdrawn_on": "2025-05-20", "reason": "x"}
        ).status_code
        == 404
    )
    assert client.post(url(cohort, "/9999/reactivate")).status_code == 404
    assert client.post(url(cohort, "/9999/remove")).status_code == 404
    # An enrollment of another cohort is not reachable through this one.
    assert client.get(url(cohort, f"/{foreign.id}")).status_code == 404
    assert client.post(url(cohort, f"/{foreign.id}/remove")).status_code == 404
    assert enrollment_count(other) == 1


# ---------------------------------------------------------------- adding from the pool


def test_search_tells_two_trainees_of_the_same_name_apart(client, cohort):
    make_trainee(name="王芳", phone="13900001111", community="慧华苑居民区")
    make_trainee(name="王芳", phone="13700002222", community="天目西路第一居民区")
    page = client.get(url(cohort, "/add?q=王芳")).get_data(as_text=True)
    assert "139****1111" in page and "137****2222" in page
    assert "慧华苑居民区" in page and "天目西路第一居民区" in page
    assert "13900001111" not in page


def test_search_by_phone_digits(client, cohort):
    make_trainee(name="赵磊", phone="13900001111")
    make_trainee(name="李娜", phone="13700002222")
    page = client.get(url(cohort, "/add?q=2222")).get_data(as_text=True)
    assert "李娜" in page and "赵磊" not in page
    page = client.get(url(cohort, "/add?q=137 0000 2222")).get_data(as_text=True)
    assert "李娜" in page


def pool_search(client, cohort, q):
    return client.get(url(cohort, "/add"), query_string={"q": q}).get_data(as_text=True)


def test_pool_search_by_partial_digits_cannot_unmask_a_phone_the_organizer_may_not_see(client, cohort):
    # Shown to this organizer as 139****5678: the four middle digits are hidden.
    stranger = make_trainee(name="赵磊", phone="13912345678")
    assert "139****5678" in pool_search(client, cohort, "赵磊")
    # Guessing the hidden digits through a partial search must not confirm them.
    for guess in ("12345678", "1391234", "9123", "1234"):
        assert "赵磊" not in pool_search(client, cohort, guess), guess
    # The visible last four digits and the full number still find the person.
    assert "赵磊" in pool_search(client, cohort, "5678")
    assert "赵磊" in pool_search(client, cohort, "139 1234 5678")
    assert "139****5678" in pool_search(client, cohort, stranger.phone)


def test_pool_search_by_partial_digits_still_finds_the_organizers_own_trainees(client, organizer, cohort):
    earlier = make_cohort(organizers=[organizer])
    enroll(earlier, make_trainee(name="钱多", phone="13712345678"))
    assert "钱多" in pool_search(client, cohort, "1234")


def test_search_marks_trainees_already_in_the_cohort(client, cohort):
    enroll(cohort, make_trainee(name="张伟"))
    page = client.get(url(cohort, "/add?q=张伟")).get_data(as_text=True)
    assert "已在本班" in page
    assert "disabled" in page


def test_search_shows_other_cohorts_and_a_way_to_create_when_nothing_matches(client, cohort):
    earlier = make_cohort(code="QLJL2024", name="2024年青蓝接力培训班")
    enroll(earlier, make_trainee(name="赵磊"))
    found = client.get(url(cohort, "/add?q=赵磊")).get_data(as_text=True)
    assert "参加过：2024年青蓝接力培训班" in found and "QLJL2024" not in found  # the name, not the code
    page = client.get(url(cohort, "/add?q=不存在的人")).get_data(as_text=True)
    assert "没有找到“不存在的人”" in page
    assert "enrollments/new?name=" in page


def test_search_results_are_bounded(client, cohort):
    for i in range(35):
        make_trainee(name=f"陈{i}")
    page = client.get(url(cohort, "/add?q=陈")).get_data(as_text=True)
    assert page.count('name="trainee_ids"') == 30
    assert "只显示前 30 条" in page


def test_search_with_like_wildcards_is_literal(client, cohort):
    make_trainee(name="张伟")
    page = client.get(url(cohort, "/add?q=%25")).get_data(as_text=True)
    assert "张伟" not in page


def test_adding_trainees_from_the_pool(client, cohort, organizer):
    a, b = alumni(organizer, "张伟", "李娜")
    response = client.post(
        url(cohort, "/add"),
        data={"trainee_ids": [str(a.id), str(b.id)], "group": " 第一组 ", "class_role": "member"},
        follow_redirects=True,
    )
    assert "已加入本班：张伟、李娜" in response.get_data(as_text=True)
    rows = db.session.scalars(select(Enrollment).where(Enrollment.cohort_id == cohort.id)).all()
    assert {(r.trainee_id, r.group, r.class_role) for r in rows} == {
        (a.id, "第一组", ClassRole.MEMBER),
        (b.id, "第一组", ClassRole.MEMBER),
    }
    added = events("enrollment.added")
    assert len(added) == 2
    assert all(e.cohort_id == cohort.id for e in added)
    assert added[0].after["group"] == "第一组"


def test_adding_someone_already_enrolled_does_not_duplicate(client, cohort):
    t = make_trainee(name="张伟")
    enroll(cohort, t)
    response = client.post(
        url(cohort, "/add"), data={"trainee_ids": str(t.id), "class_role": "member"}, follow_redirects=True
    )
    assert "已在本班，未重复加入：张伟" in response.get_data(as_text=True)
    assert enrollment_count(cohort) == 1
    assert events("enrollment.added") == []


def test_adding_a_new_monitor_from_the_pool_demotes_the_old_one(client, cohort, organizer):
    old = enroll(cohort, make_trainee(name="张伟"), class_role=ClassRole.MONITOR)
    (t,) = alumni(organizer, "李娜")
    response = client.post(
        url(cohort, "/add"), data={"trainee_ids": str(t.id), "class_role": "monitor"}, follow_redirects=True
    )
    assert "原班长 张伟 已改为学员" in response.get_data(as_text=True)
    assert fresh(old).class_role == ClassRole.MEMBER
    new = db.session.scalar(
        select(Enrollment).where(Enrollment.trainee_id == t.id, Enrollment.cohort_id == cohort.id)
    )
    assert new.class_role == ClassRole.MONITOR
    assert events("enrollment.added")[0].after["class_role"] == "monitor"
    assert events("enrollment.updated")[0].before["class_role"] == "monitor"


def test_two_monitors_at_once_are_refused_when_adding(client, cohort):
    a, b = make_trainee(), make_trainee()
    response = client.post(
        url(cohort, "/add"), data={"trainee_ids": [str(a.id), str(b.id)], "class_role": "monitor"}
    )
    assert "只能有一位班长" in response.get_data(as_text=True)
    assert enrollment_count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"class_role": "member"}, "请先勾选要加入的学员"),
        ({"trainee_ids": "99999", "class_role": "member"}, "所选学员不存在"),
        ({"trainee_ids": "abc", "class_role": "member"}, "所选项目无效"),
        ({"trainee_ids": "99999999999999999999", "class_role": "member"}, "所选项目无效"),
        ({"trainee_ids": "{t}", "class_role": "captain"}, "班级职务无效"),
        ({"trainee_ids": "{t}", "class_role": "member", "group": "组" * 33}, "小组名称最多 32 个字"),
    ],
)
def test_bad_add_requests_get_a_message_and_write_nothing(client, cohort, data, message):
    t = make_trainee()
    data = {k: (v.format(t=t.id) if isinstance(v, str) else v) for k, v in data.items()}
    response = client.post(url(cohort, "/add"), data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert enrollment_count() == 0


# ---------------------------------------------------------------- creating a new trainee


def new_trainee_data(**overrides):
    data = {
        "name": "周敏",
        "gender": "female",
        "birth": "1990.05",
        "phone": "138 1234 5678",
        "community": "慧华苑居民区",
        "position": "居委会副主任",
        "political_status": "中共党员",
        "education": "本科",
        "notes": "",
        "group": "第三组",
        "class_role": "group_leader",
    }
    data.update(overrides)
    return data


def test_new_trainee_is_created_and_enrolled_in_one_step(client, cohort):
    response = client.post(url(cohort, "/new"), data=new_trainee_data(), follow_redirects=True)
    assert "已新建学员 周敏 并加入本班" in response.get_data(as_text=True)
    trainee = db.session.scalar(select(Trainee))
    assert (trainee.phone, trainee.birth_year, trainee.birth_month) == ("13812345678", 1990, 5)
    e = db.session.scalar(select(Enrollment))
    assert (e.cohort_id, e.group, e.class_role) == (cohort.id, "第三组", ClassRole.GROUP_LEADER)
    assert len(events("trainee.created")) == 1
    assert events("enrollment.added")[0].cohort_id == cohort.id


def test_enrollment_made_with_a_new_trainee_shows_in_the_enrollment_history_like_any_other(client, cohort):
    client.post(
        "/trainees/new",
        data={
            "name": "孙七",
            "gender": "female",
            "birth": "1990.05",
            "phone": "13500004444",
            "cohort": cohort.id,
        },
    )
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.cohort_id == cohort.id))
    page = client.get(url(cohort, f"/{enrollment.id}")).get_data(as_text=True)
    assert "enrollment.created" not in page
    assert "加入本班" in page


def test_known_phone_offers_the_existing_person_instead_of_a_duplicate(client, cohort):
    known = make_trainee(name="周敏", phone="13812345678", community="慧华苑居民区")
    response = client.post(url(cohort, "/new"), data=new_trainee_data(name="周敏敏"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "手机号码 138****5678 已属于学员 周敏（慧华苑居民区），不能重复建档" in page
    assert f'name="trainee_ids" value="{known.id}"' in page
    assert "改为把 周敏 加入本班" in page
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 1
    assert enrollment_count() == 0
    # The offered button enrolls the known person (it carries the full number the organizer typed).
    assert 'name="phone" value="13812345678"' in page
    client.post(
        url(cohort, "/add"),
        data={"trainee_ids": str(known.id), "phone": "13812345678", "class_role": "member"},
    )
    assert db.session.scalar(select(Enrollment.trainee_id)) == known.id


def test_known_phone_of_someone_already_enrolled_says_so(client, cohort):
    known = make_trainee(name="周敏", phone="13812345678")
    enroll(cohort, known)
    page = client.post(url(cohort, "/new"), data=new_trainee_data()).get_data(as_text=True)
    assert "此人已在本班名单中" in page
    assert enrollment_count() == 1


def test_same_name_asks_for_confirmation_before_creating(client, cohort):
    make_trainee(name="王芳", phone="13900001111", community="慧华苑居民区")
    response = client.post(url(cohort, "/new"), data=new_trainee_data(name="王芳", phone=""))
    page = response.get_data(as_text=True)
    assert "学员库中已有同名的学员" in page
    assert "139****1111" in page
    assert "确认是新学员" in page
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 1
    response = client.post(url(cohort, "/new"), data=new_trainee_data(name="王芳", phone="", confirm_new="1"))
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "请输入姓名"),
        ({"phone": "12345"}, "不是有效的大陆手机号码"),
        ({"birth": "2999.01"}, "晚于今天"),
        ({"birth": "去年"}, "无法识别出生年月"),
        ({"class_role": "boss"}, "班级职务无效"),
        ({"group": "组" * 40}, "小组名称最多 32 个字"),
    ],
)
def test_bad_new_trainee_input_is_refused_field_by_field(client, cohort, overrides, message):
    response = client.post(url(cohort, "/new"), data=new_trainee_data(**overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 0
    assert enrollment_count() == 0


def test_new_trainee_form_prefills_the_searched_name(client, cohort):
    page = client.get(url(cohort, "/new?name=钱多多")).get_data(as_text=True)
    assert 'value="钱多多"' in page


# ---------------------------------------------------------------- withdraw, reactivate, remove


def test_withdraw_keeps_the_person_in_the_roster_with_date_and_reason(client, cohort):
    e = enroll(cohort, make_trainee(name="张伟"), group="第一组")
    response = client.post(
        url(cohort, f"/{e.id}/withdraw"),
        data={"withdrawn_on": "2025-05-20", "reason": "工作调动"},
        follow_redirects=True,
    )
    assert "张伟 已退训" in response.get_data(as_text=True)
    e = fresh(e)
    assert (e.status, e.withdrawn_on, e.withdrawal_reason) == (
        EnrollmentStatus.WITHDRAWN,
        date(2025, 5, 20),
        "工作调动",
    )
    [event] = events("enrollment.withdrawn")
    assert event.before["status"] == "active" and event.after["status"] == "withdrawn"
    assert event.after["withdrawal_reason"] == "工作调动" and event.cohort_id == cohort.id
    page = client.get(url(cohort, f"/{e.id}")).get_data(as_text=True)
    assert "恢复为在训" in page  # the way back
    assert "状态：在训 → 退训" in page  # the history
    assert "退出原因：— → 工作调动" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"withdrawn_on": "2025-05-20", "reason": "  "}, "请填写退出原因"),
        ({"withdrawn_on": "", "reason": "工作调动"}, "请填写退出日期"),
        ({"withdrawn_on": "五月二十日", "reason": "工作调动"}, "退出日期无效"),
        ({"withdrawn_on": "2025-02-30", "reason": "工作调动"}, "退出日期无效"),
        ({"withdrawn_on": "2025-05-20", "reason": "很" * 501}, "退出原因最多 500 个字"),
    ],
)
def test_bad_withdrawal_is_refused_with_a_message(client, cohort, data, message):
    e = enroll(cohort, make_trainee())
    response = client.post(url(cohort, f"/{e.id}/withdraw"), data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert fresh(e).status == EnrollmentStatus.ACTIVE
    assert events("enrollment.withdrawn") == []


def test_withdrawing_twice_is_refused_politely(client, cohort):
    e = enroll(
        cohort, make_trainee(name="张伟"), status=EnrollmentStatus.WITHDRAWN, withdrawn_on=date(2025, 5, 1)
    )
    response = client.post(
        url(cohort, f"/{e.id}/withdraw"),
        data={"withdrawn_on": "2025-05-20", "reason": "x"},
        follow_redirects=True,
    )
    assert "已经是退出状态" in response.get_data(as_text=True)
    assert fresh(e).withdrawn_on == date(2025, 5, 1)


def test_reactivate_brings_a_withdrawn_trainee_back(client, cohort):
    e = enroll(
        cohort,
        make_trainee(name="张伟"),
        status=EnrollmentStatus.WITHDRAWN,
        withdrawn_on=date(2025, 5, 20),
        withdrawal_reason="工作调动",
    )
    response = client.post(url(cohort, f"/{e.id}/reactivate"), follow_redirects=True)
    assert "张伟 已恢复为在训" in response.get_data(as_text=True)
    e = fresh(e)
    assert (e.status, e.withdrawn_on, e.withdrawal_reason) == (EnrollmentStatus.ACTIVE, None, None)
    [event] = events("enrollment.reactivated")
    assert event.before["withdrawal_reason"] == "工作调动" and event.after["status"] == "active"


def test_remove_deletes_an_enrollment_without_records(client, cohort):
    t = make_trainee(name="张伟")
    e = enroll(cohort, t)
    enrollment_id, trainee_id = e.id, t.id
    response = client.post(url(cohort, f"/{enrollment_id}/remove"), data=CONFIRMED, follow_redirects=True)
    assert "已将 张伟 从本班名单中删除" in response.get_data(as_text=True)
    assert enrollment_count() == 0
    assert db.session.get(Trainee, trainee_id) is not None  # the person stays in the pool
    [event] = events("enrollment.removed")
    assert event.object_id == enrollment_id and event.cohort_id == cohort.id
    assert event.before["trainee"] == "张伟"


def test_remove_is_refused_when_there_is_attendance(client, cohort):
    t = make_trainee(name="张伟")
    e = enroll(cohort, t)
    session = make_session(cohort)
    db.session.add(AttendanceRecord(session_id=session.id, trainee_id=t.id, status=AttendanceStatus.PRESENT))
    db.session.commit()
    assert "签到记录 1 条" in client.get(url(cohort, f"/{e.id}")).get_data(as_text=True)
    response = client.post(url(cohort, f"/{e.id}/remove"), data=CONFIRMED, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "不能删除" in page and "请办理退训" in page
    assert enrollment_count() == 1
    assert events("enrollment.removed") == []


def test_remove_is_refused_when_there_is_a_certificate(client, cohort):
    t = make_trainee()
    e = enroll(cohort, t)
    db.session.add(
        Certificate(
            serial="QLJL2025-0001",
            verification_token="x" * 32,
            cohort_id=cohort.id,
            trainee_id=t.id,
            credit_hours=Decimal("20"),
        )
    )
    db.session.commit()
    response = client.post(url(cohort, f"/{e.id}/remove"), data=CONFIRMED, follow_redirects=True)
    assert "证书 1 张" in response.get_data(as_text=True)
    assert enrollment_count() == 1


def test_attendance_in_another_cohort_does_not_block_removal(client, cohort):
    t = make_trainee()
    e = enroll(cohort, t)
    other = make_cohort()
    enroll(other, t)
    session = make_session(other)
    db.session.add(AttendanceRecord(session_id=session.id, trainee_id=t.id, status=AttendanceStatus.PRESENT))
    db.session.commit()
    client.post(url(cohort, f"/{e.id}/remove"), data=CONFIRMED)
    assert enrollment_count(cohort) == 0
    assert enrollment_count(other) == 1


def test_state_changes_need_a_post(client, cohort):
    e = enroll(cohort, make_trainee())
    for action in ("withdraw", "reactivate", "remove"):
        assert client.get(url(cohort, f"/{e.id}/{action}")).status_code == 405
    assert client.get(url(cohort, "/bulk")).status_code == 405


# ---------------------------------------------------------------- groups and class roles


def test_setting_group_and_role_of_one_trainee(client, cohort):
    e = enroll(cohort, make_trainee(name="张伟"))
    page = client.get(url(cohort, f"/{e.id}")).get_data(as_text=True)
    assert '<datalist id="groups">' in page
    response = client.post(
        url(cohort, f"/{e.id}"), data={"group": "第二组", "class_role": "group_leader"}, follow_redirects=True
    )
    assert "已保存 张伟 的小组和职务" in response.get_data(as_text=True)
    e = fresh(e)
    assert (e.group, e.class_role) == ("第二组", ClassRole.GROUP_LEADER)
    [event] = events("enrollment.updated")
    assert event.before["group"] is None and event.after["group"] == "第二组"
    assert event.before["class_role"] == "member" and event.after["class_role"] == "group_leader"
    assert event.cohort_id == cohort.id


def test_blank_group_clears_it(client, cohort):
    e = enroll(cohort, make_trainee(), group="第一组")
    client.post(url(cohort, f"/{e.id}"), data={"group": "  ", "class_role": "member"})
    assert fresh(e).group is None


def test_datalist_offers_existing_groups(client, cohort):
    enroll(cohort, make_trainee(), group="第二组")
    e = enroll(cohort, make_trainee(), group="第一组")
    page = client.get(url(cohort, f"/{e.id}")).get_data(as_text=True)
    assert '<option value="第一组"><option value="第二组">' in page


def test_new_monitor_demotes_the_previous_one_with_a_message(client, cohort):
    old = enroll(cohort, make_trainee(name="张伟"), class_role=ClassRole.MONITOR)
    new = enroll(cohort, make_trainee(name="李娜"))
    response = client.post(
        url(cohort, f"/{new.id}"), data={"group": "", "class_role": "monitor"}, follow_redirects=True
    )
    assert "原班长 张伟 已改为学员" in response.get_data(as_text=True)
    assert fresh(old).class_role == ClassRole.MEMBER
    assert fresh(new).class_role == ClassRole.MONITOR
    assert len(events("enrollment.updated")) == 2


def test_second_group_leader_is_allowed_with_a_warning(client, cohort):
    enroll(cohort, make_trainee(name="王芳"), group="第一组", class_role=ClassRole.GROUP_LEADER)
    e = enroll(cohort, make_trainee(name="李娜"), group="第一组")
    response = client.post(
        url(cohort, f"/{e.id}"), data={"group": "第一组", "class_role": "group_leader"}, follow_redirects=True
    )
    assert "第一组 现在有 2 位组长（李娜、王芳）" in response.get_data(as_text=True)
    assert fresh(e).class_role == ClassRole.GROUP_LEADER


def test_bad_role_or_group_gets_a_message(client, cohort):
    e = enroll(cohort, make_trainee())
    page = client.post(url(cohort, f"/{e.id}"), data={"group": "x", "class_role": "king"}).get_data(
        as_text=True
    )
    assert "班级职务无效" in page
    page = client.post(url(cohort, f"/{e.id}"), data={"group": "组" * 33, "class_role": "member"}).get_data(
        as_text=True
    )
    assert "小组名称最多 32 个字" in page
    assert fresh(e).group is None


def test_bulk_sets_the_group_of_selected_trainees(client, cohort):
    a, b, c = (enroll(cohort, make_trainee(name=n)) for n in ("甲", "乙", "丙"))
    response = client.post(
        url(cohort, "/bulk"),
        data={"ids": [str(a.id), str(b.id)], "group": "第四组", "class_role": ""},
        follow_redirects=True,
    )
    assert "已修改 2 位学员" in response.get_data(as_text=True)
    assert (fresh(a).group, fresh(b).group, fresh(c).group) == ("第四组", "第四组", None)
    assert fresh(a).class_role == ClassRole.MEMBER
    assert len(events("enrollment.updated")) == 2


def test_bulk_can_set_roles_and_clear_groups(client, cohort):
    a = enroll(cohort, make_trainee(), group="第一组")
    b = enroll(cohort, make_trainee(), group="第一组")
    client.post(
        url(cohort, "/bulk"),
        data={"ids": [str(a.id), str(b.id)], "clear_group": "y", "class_role": "group_leader"},
    )
    assert (fresh(a).group, fresh(a).class_role) == (None, ClassRole.GROUP_LEADER)
    assert (fresh(b).group, fresh(b).class_role) == (None, ClassRole.GROUP_LEADER)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"group": "第一组"}, "请先勾选要修改的学员"),
        ({"ids": "{a}", "group": "", "class_role": ""}, "请填写小组或选择职务"),
        ({"ids": ["{a}", "{b}"], "class_role": "monitor"}, "只能有一位班长"),
        ({"ids": "{foreign}", "group": "第一组"}, "不在本班名单中"),
        ({"ids": "{a}", "class_role": "emperor"}, "班级职务无效"),
        ({"ids": "99999999999999999999", "group": "第一组"}, "所选项目无效"),
    ],
)
def test_bad_bulk_requests_change_nothing(client, cohort, data, message):
    a, b = enroll(cohort, make_trainee()), enroll(cohort, make_trainee())
    foreign = enroll(make_cohort(), make_trainee())
    ids = {"a": a.id, "b": b.id, "foreign": foreign.id}

    def fill(v):
        return [x.format(**ids) for x in v] if isinstance(v, list) else v.format(**ids)

    response = client.post(
        url(cohort, "/bulk"), data={k: fill(v) for k, v in data.items()}, follow_redirects=True
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert events("enrollment.updated") == []
    assert fresh(foreign).group is None


# ---------------------------------------------------------------- archived cohorts


def test_archived_cohort_roster_is_read_only(client, cohort):
    e = enroll(cohort, make_trainee(name="张伟"), group="第一组")
    t = make_trainee(name="李娜")
    cohort.archived_at = utcnow()
    db.session.commit()
    page = client.get(url(cohort)).get_data(as_text=True)
    assert "本班已归档" in page
    assert 'name="ids"' not in page
    assert "+ 添加学员" not in page
    detail = client.get(url(cohort, f"/{e.id}")).get_data(as_text=True)
    assert f"/{e.id}/withdraw" not in detail and "从本班名单中删除" not in detail
    requests = [
        ("/add", {"trainee_ids": str(t.id), "class_role": "member"}),
        ("/new", new_trainee_data()),
        ("/bulk", {"ids": str(e.id), "group": "第二组"}),
        (f"/{e.id}", {"group": "第二组", "class_role": "member"}),
        (f"/{e.id}/withdraw", {"withdrawn_on": "2025-05-20", "reason": "x"}),
        (f"/{e.id}/reactivate", {}),
        (f"/{e.id}/remove", {}),
    ]
    for path, data in requests:
        response = client.post(url(cohort, path), data=data, follow_redirects=True)
        assert response.status_code == 200, path
        assert "已归档，不能再修改学员名单" in response.get_data(as_text=True), path
    assert client.get(url(cohort, "/add")).status_code == 302
    e = fresh(e)
    assert (e.group, e.status) == ("第一组", EnrollmentStatus.ACTIVE)
    assert enrollment_count() == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


# ---------------------------------------------------------------- the cohort page


def test_cohort_page_summarizes_groups(client, cohort):
    enroll(cohort, make_trainee(name="张伟"), group="第一组", class_role=ClassRole.MONITOR)
    enroll(cohort, make_trainee(name="王芳"), group="第一组", class_role=ClassRole.GROUP_LEADER)
    enroll(cohort, make_trainee(name="李娜"), group="第二组")
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "分组" in page
    assert "班长" in page and "张伟" in page
    assert "组长：王芳" in page
    assert "2 人" in page and "1 人" in page


def test_withdrawal_date_defaults_to_today_in_shanghai(client, cohort, monkeypatch):
    from datetime import UTC, datetime

    import cadre.cohorts.forms as forms

    class FakeDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            # 2025-05-19 20:00 UTC is already 2025-05-20 in Shanghai.
            return datetime(2025, 5, 19, 20, 0, tzinfo=UTC).astimezone(tz)

    monkeypatch.setattr(forms, "datetime", FakeDatetime)
    e = enroll(cohort, make_trainee())
    page = client.get(url(cohort, f"/{e.id}")).get_data(as_text=True)
    assert 'value="2025-05-20"' in page


def test_cohort_page_links_the_roster_for_managers_only(client, cohort):
    enroll(cohort, make_trainee(name="张伟", phone="13812345678"))
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert f"/cohorts/{cohort.id}/enrollments" in page
    client.post("/auth/logout")
    trainee_user = make_trainee_user(cohort)
    login(client, trainee_user.username)
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert f"/cohorts/{cohort.id}/enrollments" not in page
    assert "13812345678" not in page


def test_enrolling_concurrently_gets_a_message_not_a_500(client, cohort, monkeypatch):
    from cadre.cohorts import roster

    t = make_trainee(name="张伟")
    enroll(cohort, t)
    # The other request enrolled the same person after our roster was read.
    monkeypatch.setattr(roster, "_locked_roster", lambda cohort_id: [])
    response = client.post(url(cohort, "/add"), data={"trainee_ids": str(t.id), "class_role": "member"})
    assert response.status_code == 200
    assert "刚才有人同时修改了这些数据" in response.get_data(as_text=True)
    assert enrollment_count() == 1
