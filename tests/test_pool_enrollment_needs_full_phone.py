"""Adding someone already in the pool: an organizer must know the full mobile number (issue 7.2).

Organizer B runs cohort B; 王芳 is a trainee of organizer A's cohort A. The pool shows
B her masked number; a name search, or a forged POST with her id, must not put her
into cohort B. Her full number does, and so does an admin.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from cadre.extensions import db
from cadre.models import AuditEvent, Enrollment, Role, Trainee
from tests import upload_support
from tests.data import rosters
from tests.factories import enroll, login, make_cohort, make_trainee, make_user
from tests.upload_support import post_roster

upload_dir = upload_support.upload_dir  # the fixture

PHONE = "13812345678"


@pytest.fixture
def cohort_a():
    return make_cohort(organizers=[make_user(Role.ORGANIZER)], code="PROBEA", name="A 班")


@pytest.fixture
def wang_fang(cohort_a):
    person = make_trainee(name="王芳", phone=PHONE, community="慧华苑居民区")
    enroll(cohort_a, person, group="第一组")
    return person


@pytest.fixture
def organizer_b(client):
    user = make_user(Role.ORGANIZER)
    login(client, user.username)
    return user


@pytest.fixture
def cohort_b(organizer_b):
    return make_cohort(organizers=[organizer_b], code="PROBEB", name="B 班")


def add_url(cohort) -> str:
    return f"/cohorts/{cohort.id}/enrollments/add"


def in_cohort(cohort) -> list[int]:
    db.session.expire_all()
    return db.session.scalars(select(Enrollment.trainee_id).where(Enrollment.cohort_id == cohort.id)).all()


def added_events() -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "enrollment.added")
    )


def test_a_name_search_shows_another_cohorts_trainee_masked_and_without_an_enroll_box(
    client, cohort_b, wang_fang
):
    page = client.get(add_url(cohort_b), query_string={"q": "王芳"}).get_data(as_text=True)
    assert "138****5678" in page
    assert PHONE not in page
    assert f'name="trainee_ids" value="{wang_fang.id}"\n                 disabled' in page
    assert "不在您负责的培训班中：请在上方输入此人的完整手机号码查找" in page


def test_a_forged_post_with_the_trainee_id_alone_is_refused_and_writes_nothing(client, cohort_b, wang_fang):
    response = client.post(add_url(cohort_b), data={"trainee_ids": str(wang_fang.id), "class_role": "member"})
    assert response.status_code == 200
    assert "王芳 不在您负责的培训班中：请输入此人的完整手机号码查找" in response.get_data(as_text=True)
    assert in_cohort(cohort_b) == []
    assert added_events() == 0


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("13812345679", "输入的手机号码与 王芳 登记的号码不符"),
        ("138****5678", "不是有效的大陆手机号码"),
        ("12345", "不是有效的大陆手机号码"),
    ],
)
def test_a_wrong_or_partial_number_is_refused_and_writes_nothing(client, cohort_b, wang_fang, phone, message):
    response = client.post(
        add_url(cohort_b), data={"trainee_ids": str(wang_fang.id), "phone": phone, "class_role": "member"}
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert in_cohort(cohort_b) == []
    assert added_events() == 0


def test_searching_the_full_number_lets_the_organizer_enroll_the_person(
    client, cohort_b, cohort_a, wang_fang
):
    page = client.get(add_url(cohort_b), query_string={"q": "138 1234 5678"}).get_data(as_text=True)
    assert f'name="phone" value="{PHONE}"' in page
    assert f'name="trainee_ids" value="{wang_fang.id}"\n                 >' in page  # not disabled
    response = client.post(
        add_url(cohort_b),
        data={"trainee_ids": str(wang_fang.id), "phone": PHONE, "group": "第二组", "class_role": "member"},
        follow_redirects=True,
    )
    assert "已加入本班：王芳" in response.get_data(as_text=True)
    assert in_cohort(cohort_b) == [wang_fang.id]
    assert in_cohort(cohort_a) == [wang_fang.id]  # cohort A keeps her; no duplicate person was made
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "enrollment.added"))
    assert (event.cohort_id, event.after["trainee_id"], event.after["group"]) == (
        cohort_b.id,
        wang_fang.id,
        "第二组",
    )


def test_a_number_given_for_one_person_does_not_bring_in_another(client, cohort_b, cohort_a, wang_fang):
    other = make_trainee(name="李娜", phone="13900001111")
    enroll(cohort_a, other)
    response = client.post(
        add_url(cohort_b),
        data={"trainee_ids": [str(wang_fang.id), str(other.id)], "phone": PHONE, "class_role": "member"},
    )
    assert "输入的手机号码与 李娜 登记的号码不符" in response.get_data(as_text=True)
    assert in_cohort(cohort_b) == []


def test_someone_in_no_cohort_also_needs_the_full_number(client, cohort_b):
    loner = make_trainee(name="赵磊", phone="13700002222")
    refused = client.post(add_url(cohort_b), data={"trainee_ids": str(loner.id), "class_role": "member"})
    assert "赵磊 不在您负责的培训班中" in refused.get_data(as_text=True)
    assert in_cohort(cohort_b) == []
    client.post(
        add_url(cohort_b), data={"trainee_ids": str(loner.id), "phone": "13700002222", "class_role": "member"}
    )
    assert in_cohort(cohort_b) == [loner.id]


def test_a_trainee_of_the_organizers_own_earlier_cohort_is_picked_by_name(client, organizer_b, cohort_b):
    earlier = make_cohort(organizers=[organizer_b])
    alumna = make_trainee(name="王芳", phone=PHONE)
    enroll(earlier, alumna)
    page = client.get(add_url(cohort_b), query_string={"q": "王芳"}).get_data(as_text=True)
    assert "不在您负责的培训班中" not in page
    client.post(add_url(cohort_b), data={"trainee_ids": str(alumna.id), "class_role": "member"})
    assert in_cohort(cohort_b) == [alumna.id]


def test_an_admin_may_enroll_anyone_by_picking_them(client, cohort_a, wang_fang):
    admin = make_user(Role.ADMIN)
    login(client, admin.username)
    cohort = make_cohort()
    client.post(add_url(cohort), data={"trainee_ids": str(wang_fang.id), "class_role": "member"})
    assert in_cohort(cohort) == [wang_fang.id]


def test_a_namesake_from_another_cohort_gets_no_join_button_on_the_new_trainee_page(
    client, cohort_b, wang_fang
):
    data = {"name": "王芳", "phone": "", "class_role": "member"}
    page = client.post(f"/cohorts/{cohort_b.id}/enrollments/new", data=data).get_data(as_text=True)
    assert "学员库中已有同名的学员" in page
    assert "就是此人，加入本班" not in page
    assert "如是此人，请在下方填写此人的完整手机号码" in page
    # Typing her number finds her and offers to add her, carrying the number.
    page = client.post(f"/cohorts/{cohort_b.id}/enrollments/new", data={**data, "phone": PHONE}).get_data(
        as_text=True
    )
    assert f'name="phone" value="{PHONE}"' in page
    assert "改为把 王芳 加入本班" in page


def upload(client, cohort, rows):
    return post_roster(client, cohort.id, rosters.xlsx_bytes(rows))


def test_an_import_naming_her_number_enrolls_her(client, upload_dir, cohort_b, wang_fang):
    page = upload(client, cohort_b, [["姓名", "联系电话"], ["王芳", PHONE]]).get_data(as_text=True)
    assert "已有学员，加入本班" in page
    fields = dict(re.findall(r'<input id="(\w+)" name="\w+" type="hidden" value="([^"]*)"', page))
    response = client.post(f"/cohorts/{cohort_b.id}/import/commit", data=fields)
    assert response.status_code == 302
    assert in_cohort(cohort_b) == [wang_fang.id]
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 1  # no duplicate person


def test_an_import_row_without_a_number_does_not_match_another_cohorts_trainee_by_name(
    client, upload_dir, cohort_a, cohort_b
):
    phoneless = make_trainee(name="钱芳", phone=None, birth_year=1990, birth_month=5)
    enroll(cohort_a, phoneless)
    response = upload(client, cohort_b, [["姓名", "联系电话", "出生年月"], ["钱芳", "", "1990.05"]])
    assert response.status_code == 422
    assert "缺少手机号码" in response.get_data(as_text=True)
    assert in_cohort(cohort_b) == []


def test_guessing_the_hidden_digits_is_stopped_after_a_few_misses(
    app, client, cohort_b, wang_fang, monkeypatch
):
    monkeypatch.setitem(app.config, "POOL_PHONE_GUESS_LIMIT", "3 per hour")
    # Finding someone does not count: an organizer at work is never slowed.
    for _ in range(4):
        assert client.get(add_url(cohort_b), query_string={"q": PHONE}).status_code == 200
    guesses = [f"138{n:04d}5678" for n in range(3)]
    for guess in guesses[:2]:
        assert client.get(add_url(cohort_b), query_string={"q": guess}).status_code == 200
    data = {"trainee_ids": str(wang_fang.id), "phone": guesses[2], "class_role": "member"}
    assert "登记的号码不符" in client.post(add_url(cohort_b), data=data).get_data(as_text=True)
    # Three misses: now even the right number waits.
    right = {**data, "phone": PHONE}
    assert client.post(add_url(cohort_b), data=right).status_code == 429
    assert client.get(add_url(cohort_b), query_string={"q": PHONE}).status_code == 429
    assert in_cohort(cohort_b) == []
