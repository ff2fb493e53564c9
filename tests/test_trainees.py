"""Trainee pages: list with filters and masking, detail, create and edit, who may see whom."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from cadre.extensions import db
from cadre.models import AuditEvent, Enrollment, EnrollmentStatus, Gender, Role, Trainee, User
from tests.factories import enroll, login, make_cohort, make_trainee, make_trainee_user, make_user


@pytest.fixture
def world(app):
    """Two organizers with a cohort each; trainees in one, the other, both and none."""
    org_a = make_user(Role.ORGANIZER, username="org_a")
    org_b = make_user(Role.ORGANIZER, username="org_b")
    admin = make_user(Role.ADMIN, username="admin")
    cohort_a = make_cohort(organizers=[org_a], name="青蓝接力A班", code="QLA")
    cohort_b = make_cohort(organizers=[org_b], name="青蓝接力B班", code="QLB")
    zhang = make_trainee(name="张三", phone="13812345678", community="曲阜路居民区")
    li = make_trainee(name="李四", phone="13900001111", community="天目西路居委")
    wang = make_trainee(name="王五", phone="13700002222", community="曲阜路居民区")
    zhao = make_trainee(name="赵六", phone="13600003333")
    enroll(cohort_a, zhang, group="第一组")
    enroll(cohort_b, li)
    enroll(cohort_a, wang)
    enroll(cohort_b, wang)
    return dict(
        org_a=org_a,
        org_b=org_b,
        admin=admin,
        cohort_a=cohort_a,
        cohort_b=cohort_b,
        zhang=zhang,
        li=li,
        wang=wang,
        zhao=zhao,
    )


def page(client, url, **params):
    response = client.get(url, query_string=params)
    return response, response.get_data(as_text=True)


def valid_form(**overrides):
    data = {
        "name": "孙七",
        "gender": "female",
        "birth": "1990.05",
        "phone": "135 0000 4444",
        "community": "天目西路居委",
        "position": "副书记",
        "political_status": "中共党员",
        "education": "本科",
        "notes": "",
    }
    data.update(overrides)
    return data


# --- list -----------------------------------------------------------------------------------


def test_admin_lists_everyone_with_full_phones(client, world):
    login(client, "admin")
    response, html = page(client, "/trainees/")
    assert response.status_code == 200
    for name, phone in [("张三", "13812345678"), ("李四", "13900001111"), ("赵六", "13600003333")]:
        assert name in html and phone in html


def test_organizer_lists_only_their_trainees_by_default(client, world):
    login(client, "org_a")
    _, html = page(client, "/trainees/")
    assert "张三" in html and "王五" in html
    assert "李四" not in html and "赵六" not in html
    assert "13812345678" in html


def test_organizer_sees_the_pool_with_masked_phones_of_others(client, world):
    login(client, "org_a")
    _, html = page(client, "/trainees/", scope="all")
    assert "李四" in html and "赵六" in html
    assert "13900001111" not in html and "139****1111" in html
    assert "13600003333" not in html and "136****3333" in html
    # Own trainees keep full phones, also in the pool.
    assert "13812345678" in html and "13700002222" in html
    # No link to someone one does not manage, and no name of a cohort one does not see.
    assert f'/trainees/{world["li"].id}"' not in html
    assert f'/trainees/{world["zhang"].id}"' in html
    assert "QLB" not in html


def test_partial_phone_search_in_the_pool_finds_only_own_trainees(client, world):
    login(client, "org_a")
    _, html = page(client, "/trainees/", scope="all", phone="0000111")
    assert "李四" not in html
    _, html = page(client, "/trainees/", scope="all", phone="1234")
    assert "张三" in html


def test_full_phone_search_in_the_pool_finds_a_known_person_masked(client, world):
    login(client, "org_a")
    _, html = page(client, "/trainees/", scope="all", phone="139 0000 1111")
    assert "李四" in html and "139****1111" in html and "13900001111" not in html
    assert "张三" not in html


@pytest.mark.parametrize(
    ("params", "present", "absent"),
    [
        ({"name": "张"}, ["张三"], ["王五", "李四"]),
        ({"community": "曲阜路"}, ["张三", "王五"], ["李四", "赵六"]),
        ({"phone": "139000"}, ["李四"], ["张三"]),
        ({"name": "%"}, [], ["张三", "李四"]),
    ],
)
def test_admin_filters_by_name_community_and_phone(client, world, params, present, absent):
    login(client, "admin")
    _, html = page(client, "/trainees/", **params)
    for name in present:
        assert name in html
    for name in absent:
        assert name not in html


def test_filter_by_cohort(client, world):
    login(client, "admin")
    _, html = page(client, "/trainees/", cohort=world["cohort_b"].id)
    assert "李四" in html and "王五" in html
    assert "张三" not in html and "赵六" not in html


def test_organizer_cannot_filter_by_a_cohort_they_do_not_manage(client, world):
    login(client, "org_a")
    _, html = page(client, "/trainees/", cohort=world["cohort_b"].id)
    # The foreign cohort is ignored: the organizer sees their own trainees, nothing of B's.
    assert "李四" not in html
    assert "张三" in html


def test_list_is_paginated(client, app):
    make_user(Role.ADMIN, username="admin")
    for n in range(35):
        make_trainee(name=f"学员{n:02d}号", phone=f"1370000{n:04d}")
    login(client, "admin")
    _, first = page(client, "/trainees/")
    _, second = page(client, "/trainees/", page=2)
    assert "共 35 人" in first
    assert len(re.findall(r"学员\d\d号", first)) == 30
    assert len(re.findall(r"学员\d\d号", second)) == 5
    assert "page=2" in first


def test_list_issues_a_bounded_number_of_queries(client, app, count_queries):
    organizer = make_user(Role.ORGANIZER, username="org")
    cohort = make_cohort(organizers=[organizer])
    other = make_cohort()
    login(client, "org")

    def queries_for_list():
        with count_queries() as statements:
            response = client.get("/trainees/", query_string={"scope": "all"})
        assert response.status_code == 200
        return len(statements)

    for _n in range(3):
        t = make_trainee()
        enroll(cohort, t)
    few = queries_for_list()
    for n in range(25):
        t = make_trainee()
        enroll(cohort if n % 2 else other, t)
        make_user(Role.TRAINEE, username=t.phone, trainee_id=t.id)
    assert queries_for_list() == few


def test_trainee_cannot_list_trainees(client, world):
    user = make_trainee_user(world["cohort_a"], name="学员甲")
    login(client, user.username)
    assert client.get("/trainees/").status_code == 403


def test_nav_shows_trainees_to_staff_only(client, world):
    login(client, "org_a")
    assert 'href="/trainees/"' in client.get("/").get_data(as_text=True)
    client.post("/auth/logout")
    user = make_trainee_user(world["cohort_a"])
    login(client, user.username)
    assert 'href="/trainees/"' not in client.get("/").get_data(as_text=True)


# --- detail -----------------------------------------------------------------------------------


def test_organizer_sees_detail_of_their_trainee_with_full_phone(client, world):
    login(client, "org_a")
    response, html = page(client, f"/trainees/{world['wang'].id}")
    assert response.status_code == 200
    assert "13700002222" in html
    # Only cohorts the organizer manages are listed.
    assert "青蓝接力A班" in html and "青蓝接力B班" not in html


def test_organizer_cannot_open_someone_they_do_not_manage(client, world):
    login(client, "org_a")
    assert client.get(f"/trainees/{world['li'].id}").status_code == 403
    assert client.get(f"/trainees/{world['zhao'].id}").status_code == 403
    assert client.get(f"/trainees/{world['li'].id}/edit").status_code == 403
    assert client.get(f"/trainees/{world['li'].id}/record").status_code == 403


def test_missing_trainee_is_404(client, world):
    login(client, "admin")
    assert client.get("/trainees/99999").status_code == 404


def test_trainee_sees_own_detail_but_not_another(client, world):
    user = make_trainee_user(world["cohort_a"], name="学员甲", phone="13511112222")
    login(client, user.username)
    response, html = page(client, f"/trainees/{user.trainee_id}")
    assert response.status_code == 200 and "学员甲" in html
    assert "编辑" not in html  # no edit button for oneself
    assert client.get(f"/trainees/{world['zhang'].id}").status_code == 403
    assert client.get(f"/trainees/{world['zhang'].id}/edit").status_code == 403


def test_anonymous_user_is_sent_to_login(client, world):
    response = client.get(f"/trainees/{world['zhang'].id}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


# --- create ------------------------------------------------------------------------------------


def test_organizer_creates_a_trainee_enrolled_in_their_cohort(client, world):
    login(client, "org_a")
    response = client.post(
        "/trainees/new", data=valid_form(cohort=world["cohort_a"].id), follow_redirects=True
    )
    assert response.status_code == 200
    trainee = db.session.scalar(select(Trainee).where(Trainee.name == "孙七"))
    assert trainee.phone == "13500004444"
    assert trainee.gender == Gender.FEMALE
    assert (trainee.birth_year, trainee.birth_month) == (1990, 5)
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.trainee_id == trainee.id))
    assert enrollment.cohort_id == world["cohort_a"].id
    event_ = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "trainee.created"))
    assert event_.object_id == trainee.id and event_.after["phone"] == "13500004444"
    assert event_.actor_id == world["org_a"].id


def test_organizer_must_choose_one_of_their_cohorts(client, world):
    login(client, "org_a")
    html = client.post("/trainees/new", data=valid_form(cohort=0)).get_data(as_text=True)
    assert "请选择培训班" in html
    client.post("/trainees/new", data=valid_form(cohort=world["cohort_b"].id))
    assert db.session.scalar(select(func.count()).select_from(Trainee).where(Trainee.name == "孙七")) == 0


def test_admin_may_create_a_trainee_without_cohort(client, world):
    login(client, "admin")
    response = client.post("/trainees/new", data=valid_form(cohort=0))
    assert response.status_code == 302
    assert db.session.scalar(select(Trainee).where(Trainee.name == "孙七")) is not None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "12345", "不是有效的大陆手机号码"),
        ("phone", "1381234567a", "不是有效的大陆手机号码"),
        ("birth", "2999.01", "晚于今天"),
        ("birth", "九零年", "无法识别出生年月"),
        ("name", "", "请输入姓名"),
    ],
)
def test_create_rejects_bad_fields_with_chinese_messages_and_writes_nothing(
    client, world, field, value, message
):
    login(client, "admin")
    response = client.post("/trainees/new", data=valid_form(**{field: value}))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 4
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_create_refuses_a_phone_that_belongs_to_someone_else(client, world):
    login(client, "org_a")
    response = client.post(
        "/trainees/new", data=valid_form(phone="139-0000-1111", cohort=world["cohort_a"].id)
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "该手机号码已登记为另一位学员" in html
    assert "李四" not in html  # the other person is not revealed
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 4
    assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 4


@pytest.mark.parametrize("name", ["\u200b", "\ufeff\u200c"])
def test_a_name_of_invisible_characters_only_is_asked_for_again_on_every_trainee_form(
    client, organizer, name
):
    cohort = make_cohort(organizers=[organizer])
    known = make_trainee(name="张三", phone="13812345679")
    enroll(cohort, known)
    posts = [
        ("/trainees/new", {"name": name, "phone": "13812345678", "cohort": cohort.id}),
        (f"/trainees/{known.id}/edit", {"name": name, "phone": "13812345679"}),
        (
            f"/cohorts/{cohort.id}/enrollments/new",
            {"name": name, "phone": "13812345670", "class_role": "member"},
        ),
    ]
    for url, data in posts:
        response = client.post(url, data=data)
        assert response.status_code == 200, url
        assert "请输入姓名。" in response.get_data(as_text=True), url
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 1
    assert db.session.get(Trainee, known.id).name == "张三"


def test_organizer_without_cohorts_is_told_why_they_cannot_create(client, app):
    make_user(Role.ORGANIZER, username="lonely")
    login(client, "lonely")
    html = client.get("/trainees/new").get_data(as_text=True)
    assert "您还没有负责的培训班" in html


# --- edit --------------------------------------------------------------------------------------


def test_edit_shows_current_values(client, world):
    world["zhang"].birth_year, world["zhang"].birth_month = 1988, 3
    db.session.commit()
    login(client, "org_a")
    html = client.get(f"/trainees/{world['zhang'].id}/edit").get_data(as_text=True)
    assert 'value="1988.03"' in html and 'value="13812345678"' in html


def test_a_trainee_known_only_by_birth_year_can_be_saved_again(client, world):
    zhang = world["zhang"]
    zhang.birth_year, zhang.birth_month = 1979, None  # e.g. imported from a roster that said 1979
    db.session.commit()
    login(client, "org_a")
    html = client.get(f"/trainees/{zhang.id}/edit").get_data(as_text=True)
    assert 'value="1979"' in html
    response = client.post(
        f"/trainees/{zhang.id}/edit", data=valid_form(name="张三", phone="13812345678", birth="1979")
    )
    assert response.status_code == 302
    db.session.refresh(zhang)
    assert (zhang.birth_year, zhang.birth_month) == (1979, None)


def test_edit_is_audited_before_and_after(client, world):
    login(client, "org_a")
    zhang = world["zhang"]
    response = client.post(
        f"/trainees/{zhang.id}/edit",
        data=valid_form(name="张三", phone="13812345678", community="新居民区", position="书记"),
    )
    assert response.status_code == 302
    event_ = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "trainee.updated"))
    assert event_.object_id == zhang.id
    assert event_.before["community"] == "曲阜路居民区"
    assert event_.after["community"] == "新居民区"
    assert "phone" not in event_.after  # unchanged fields are not listed
    detail = client.get(f"/trainees/{zhang.id}").get_data(as_text=True)
    assert "曲阜路居民区 → 新居民区" in detail


def test_edit_without_changes_writes_no_audit_event(client, world):
    login(client, "admin")
    zhang = world["zhang"]
    unchanged = {"name": "张三", "phone": "13812345678", "community": "曲阜路居民区"}
    client.post(f"/trainees/{zhang.id}/edit", data=unchanged)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_trainee_history_names_an_import_change_in_chinese_not_by_internal_keys(client, organizer):
    from cadre.imports import services as imports
    from cadre.services import writing

    cohort = make_cohort(organizers=[organizer])
    trainee = make_trainee(name="张三", phone="13812345678", community="慧华苑")
    enroll(cohort, trainee)
    data = "姓名,联系电话,所在居民区\n张三,13812345678,天目西路第一居民区\n".encode()
    with writing():
        _plan, result = imports.commit_import(cohort, data, "名单.csv")
    assert result is not None and result.updated == [trainee.id]

    page = client.get(f"/trainees/{trainee.id}").get_data(as_text=True)
    assert "天目西路第一居民区" in page
    history = page.split("修改记录", 1)[1]
    assert "source" not in page and "import" not in history
    assert "导入" in history


def test_trainee_history_shows_a_changed_gender_as_its_chinese_label(client, organizer):
    cohort = make_cohort(organizers=[organizer])
    trainee = make_trainee(name="张三", phone="13812345678")
    enroll(cohort, trainee)
    form = {"name": "张三", "gender": "female", "phone": "13812345678"}
    assert client.post(f"/trainees/{trainee.id}/edit", data=form).status_code == 302
    history = client.get(f"/trainees/{trainee.id}").get_data(as_text=True).split("修改记录", 1)[1]
    assert "female" not in history
    assert "— → 女" in history


def test_edit_refuses_a_phone_of_another_trainee_as_field_error(client, world):
    login(client, "admin")
    zhang = world["zhang"]
    response = client.post(f"/trainees/{zhang.id}/edit", data=valid_form(name="张三", phone="13900001111"))
    assert response.status_code == 200
    assert "该手机号码已登记为另一位学员" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Trainee, zhang.id).phone == "13812345678"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_keeping_ones_own_phone_is_not_a_duplicate(client, world):
    login(client, "admin")
    zhang = world["zhang"]
    response = client.post(f"/trainees/{zhang.id}/edit", data=valid_form(name="张三丰", phone="13812345678"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Trainee, zhang.id).name == "张三丰"


def test_login_follows_a_changed_phone_and_name(client, world):
    user = make_trainee_user(world["cohort_a"], name="学员甲", phone="13511112222")
    login(client, "org_a")
    client.post(f"/trainees/{user.trainee_id}/edit", data=valid_form(name="学员乙", phone="13511113333"))
    db.session.expire_all()
    account = db.session.get(User, user.id)
    assert (account.username, account.display_name) == ("13511113333", "学员乙")
    event_ = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "trainee.updated"))
    assert event_.after["username"] == "13511113333"


def test_withdrawn_trainee_is_still_managed_by_the_cohorts_organizer(client, world):
    e = db.session.scalar(select(Enrollment).where(Enrollment.trainee_id == world["zhang"].id))
    e.status = EnrollmentStatus.WITHDRAWN
    db.session.commit()
    login(client, "org_a")
    assert client.get(f"/trainees/{world['zhang'].id}").status_code == 200


def test_a_taken_phone_is_reported_together_with_other_field_errors(client, world):
    login(client, "admin")
    response = client.post(
        f"/trainees/{world['zhang'].id}/edit", data=valid_form(phone="13900001111", birth="2999.01")
    )
    html = response.get_data(as_text=True)
    assert "该手机号码已登记为另一位学员" in html and "晚于今天" in html
