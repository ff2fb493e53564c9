"""A person enrolled in cohorts of two organizers: each acts on them only through their own cohort.

Organizer B enrolls organizer A's trainee. B then sees and edits the person's data
(phone in full: a 班主任 must be able to call their trainees), and the edit is
audited with B's name; but A's cohort — hours, attendance, certificate, group —
stays hidden from B on the detail page, the record page and the record PDF, and
B may not reset, create or unlock the person's login (A's organizer and admins may).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from cadre.extensions import db
from cadre.models import AttendanceRecord, AttendanceStatus, AuditEvent, Certificate, Role, User
from cadre.rules import privacy
from tests.factories import PASSWORD, enroll, login, make_cohort, make_session, make_trainee, make_user
from tests.pdf_support import pdf_text

# --- the pure rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "managed", "shown", "hidden"),
    [
        ([1, 2], None, {1, 2}, 0),  # an admin, or the person themself
        ([1, 2], {2}, {2}, 1),
        ([1, 2], {1, 2, 3}, {1, 2}, 0),
        ([1], {2}, set(), 1),
        ([], {2}, set(), 0),
    ],
)
def test_record_shows_only_the_viewers_cohorts(person, managed, shown, hidden):
    assert privacy.visible_record_cohorts(person, managed) == (shown, hidden)


@pytest.mark.parametrize(
    ("person", "managed", "allowed"),
    [
        ([1, 2], None, True),  # admins
        ([1, 2], {1}, True),  # the organizer of the cohort the person came with
        ([1, 2], {2}, False),  # an organizer who enrolled the person later
        ([1, 2], {1, 2}, True),
        ([], {1}, False),
        ([3], {1, 2}, False),
    ],
)
def test_the_login_belongs_to_the_persons_first_cohort(person, managed, allowed):
    assert privacy.may_manage_account(person, managed) is allowed


# --- the pages ---------------------------------------------------------------------------------


@pytest.fixture
def shared(app):
    """王学员 of cohort 甲班 (organizer A), with a login, later enrolled by organizer B in 乙班."""
    org_a = make_user(Role.ORGANIZER, username="org_a", display_name="甲班主任")
    org_b = make_user(Role.ORGANIZER, username="org_b", display_name="乙班主任")
    make_user(Role.ADMIN, username="admin")
    cohort_a = make_cohort(organizers=[org_a], code="AAA2025", name="甲班")
    cohort_b = make_cohort(organizers=[org_b], code="BBB2025", name="乙班")
    person = make_trainee(name="王学员", phone="13900000001")
    enroll(cohort_a, person, group="甲班第三组")
    user = make_user(Role.TRAINEE, username=person.phone, display_name=person.name, trainee_id=person.id)
    s_a = make_session(cohort_a, starts_at=datetime(2025, 5, 9, 1, tzinfo=UTC), credit_hours=Decimal("7.5"))
    db.session.add(AttendanceRecord(session=s_a, trainee=person, status=AttendanceStatus.PRESENT))
    db.session.add(
        Certificate(
            serial="AAA2025-0042",
            verification_token="tok-aaa-0042",
            cohort=cohort_a,
            trainee=person,
            credit_hours=Decimal("7.5"),
        )
    )
    db.session.commit()
    enroll(cohort_b, person, group="乙班一组")  # organizer B found the person by the full phone number
    s_b = make_session(cohort_b, starts_at=datetime(2025, 6, 1, 1, tzinfo=UTC), credit_hours=Decimal("3"))
    db.session.add(AttendanceRecord(session=s_b, trainee=person, status=AttendanceStatus.LATE))
    db.session.commit()
    return dict(org_a=org_a, org_b=org_b, a=cohort_a, b=cohort_b, person=person, user=user)


HIDDEN_NOTE = "另有1个培训班的记录（由其班主任管理）"
A_DETAILS = ("甲班", "AAA2025-0042", "7.5", "甲班第三组")


def test_organizer_b_sees_the_persons_contact_details_and_only_bs_cohort(client, shared):
    login(client, "org_b")
    html = client.get(f"/trainees/{shared['person'].id}").get_data(as_text=True)
    assert "13900000001" in html  # the full phone: B must be able to call their trainee
    assert "乙班" in html and "乙班一组" in html
    assert "甲班" not in html
    assert HIDDEN_NOTE in html


@pytest.mark.parametrize("path", ["record", "record.pdf"])
def test_organizer_b_sees_only_bs_cohort_in_the_training_record(client, shared, path):
    login(client, "org_b")
    response = client.get(f"/trainees/{shared['person'].id}/{path}")
    assert response.status_code == 200
    text = pdf_text(response.data) if path.endswith(".pdf") else response.get_data(as_text=True)
    assert "乙班" in text and re.search(r"3\s*/\s*3", text)
    for detail in A_DETAILS:
        assert detail not in text, detail
    assert HIDDEN_NOTE in text.replace(" ", "").replace("\n", "")


def test_organizer_a_sees_only_as_cohort_and_admin_and_the_person_see_both(client, shared):
    person_id = shared["person"].id
    login(client, "org_a")
    html = client.get(f"/trainees/{person_id}/record").get_data(as_text=True)
    assert "AAA2025-0042" in html and "乙班" not in html and HIDDEN_NOTE in html
    for who in ("admin", shared["user"].username):
        client.post("/auth/logout")
        login(client, who)
        html = client.get(f"/trainees/{person_id}/record").get_data(as_text=True)
        assert "AAA2025-0042" in html and "乙班" in html and "另有" not in html, who


def test_organizer_b_edits_shared_data_and_the_change_is_recorded_with_bs_name(client, shared):
    person = shared["person"]
    login(client, "org_b")
    form = dict.fromkeys(("gender", "birth", "community", "political_status", "education", "notes"), "")
    form |= {"name": "王学员", "phone": "13900000009", "position": "副主任"}
    response = client.post(f"/trainees/{person.id}/edit", data=form)
    assert response.status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "trainee.updated"))
    assert event.actor_id == shared["org_b"].id and event.object_id == person.id
    assert event.before["phone"] == "13900000001" and event.after["phone"] == "13900000009"
    assert event.before["position"] is None and event.after["position"] == "副主任"
    client.post("/auth/logout")
    login(client, "org_a")  # A's organizer sees who changed their trainee's data
    html = client.get(f"/trainees/{person.id}").get_data(as_text=True)
    assert "乙班主任" in html and "13900000009" in html


def _password_hash(user_id: int) -> str:
    db.session.expire_all()
    return db.session.get(User, user_id).password_hash


def test_organizer_b_may_not_reset_the_shared_persons_password(client, shared):
    user = shared["user"]
    before = _password_hash(user.id)
    login(client, "org_b")
    detail = client.get(f"/trainees/{shared['person'].id}").get_data(as_text=True)
    assert "重置密码并打印登录条" not in detail and "由那个培训班的班主任或系统管理员办理" in detail
    response = client.post(
        f"/trainees/{shared['person'].id}/reset-password", data={"cohort_id": shared["b"].id}
    )
    assert response.status_code == 403
    assert "由那个培训班的班主任或系统管理员办理" in response.get_data(as_text=True)
    assert _password_hash(user.id) == before
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
    assert db.session.get(User, user.id).check_password(PASSWORD)  # the real trainee still gets in


@pytest.mark.parametrize("who", ["org_a", "admin"])
def test_the_first_cohorts_organizer_and_admins_still_reset_it(client, shared, who):
    before = _password_hash(shared["user"].id)
    login(client, who)
    response = client.post(f"/trainees/{shared['person'].id}/reset-password")
    assert response.status_code == 200
    assert _password_hash(shared["user"].id) != before


def test_organizer_b_cannot_issue_a_login_slip_for_the_shared_person(client, shared):
    db.session.delete(db.session.get(User, shared["user"].id))  # no login yet
    db.session.commit()
    login(client, "org_b")
    overview = client.get(f"/trainees/accounts/cohort/{shared['b'].id}").get_data(as_text=True)
    assert "也在其他班主任的培训班，由其班主任或管理员开通" in overview
    assert "为 1 名学员开通账号" not in overview
    result = client.post(f"/trainees/accounts/cohort/{shared['b'].id}").get_data(as_text=True)
    assert "王学员：" in result and "账号由那个培训班的班主任或系统管理员开通" in result
    assert "data:application/pdf" not in result
    assert db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.TRAINEE)) == 0
    client.post("/auth/logout")
    login(client, "org_a")
    client.post(f"/trainees/accounts/cohort/{shared['a'].id}")
    assert db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.TRAINEE)) == 1
