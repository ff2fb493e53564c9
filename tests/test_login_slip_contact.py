"""Login slips: whom to ask for help, the class name on one line, a QR code that fills in the username."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from cadre.extensions import db
from cadre.models import Cohort, Role
from cadre.trainees import accounts
from tests.factories import enroll, login, make_cohort, make_trainee, make_user
from tests.test_public_url import CONFIGURED, pdf_text, slips_from


def cohort_form(**overrides):
    data = {
        "name": "2025年青蓝接力培训班",
        "code": "qljl2025",
        "organizing_unit": "天目西路街道党建办",
        "contact_name": "王老师",
        "contact_phone": "021-62345678 转 801",
        "start_date": "2025-05-09",
        "end_date": "2025-06-27",
        "minutes_per_credit_hour": "45",
        "min_attendance_percent": "80",
        "max_unexcused_absences": "",
        "default_venue_id": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def organizer(app):
    return make_user(Role.ORGANIZER, username="org")


@pytest.fixture
def qr_texts(monkeypatch):
    seen: list[str] = []
    real = accounts.qr_data_url

    def spy(text: str) -> str:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(accounts, "qr_data_url", spy)
    return seen


def test_the_cohort_form_keeps_the_contact_person_and_phone(client, organizer):
    login(client, "org")
    assert "联系人" in client.get("/cohorts/new").get_data(as_text=True)
    client.post("/cohorts/new", data=cohort_form())
    cohort = db.session.query(Cohort).filter_by(code="QLJL2025").one()
    assert (cohort.contact_name, cohort.contact_phone) == ("王老师", "021-62345678 转 801")


def test_a_phone_with_letters_is_refused_on_its_field_and_nothing_is_saved(client, organizer):
    login(client, "org")
    page = client.post("/cohorts/new", data=cohort_form(contact_phone="call me")).get_data(as_text=True)
    assert "联系电话只能包含数字" in page
    assert db.session.query(Cohort).count() == 0


def test_the_slip_names_the_contact_and_its_qr_code_carries_the_username(client, organizer, qr_texts):
    name = "2025年居民区后备队伍“青蓝接力”计划培训班"
    cohort = make_cohort(
        organizers=[organizer], name=name, contact_name="王老师", contact_phone="021-62345678"
    )
    enroll(cohort, make_trainee(name="张三", phone="13812345670"))
    login(client, "org")
    text = pdf_text(slips_from(client.post(f"/trainees/accounts/cohort/{cohort.id}").get_data(as_text=True)))
    assert "有问题请联系：王老师 021-62345678" in text
    assert "青蓝接力" in text.replace("\n", "|")  # the class name is not broken across lines
    (qr,) = qr_texts
    assert qr.startswith(CONFIGURED)
    assert parse_qs(urlsplit(qr).query) == {"username": ["13812345670"]}
    assert "password" not in qr


def test_without_contact_fields_the_slip_has_no_help_line(client, organizer):
    cohort = make_cohort(organizers=[organizer])
    enroll(cohort, make_trainee(name="李四"))
    login(client, "org")
    text = pdf_text(slips_from(client.post(f"/trainees/accounts/cohort/{cohort.id}").get_data(as_text=True)))
    assert "李四" in text and "有问题请联系" not in text


def test_the_login_form_opens_with_the_username_from_the_qr_code(client):
    page = client.get("/auth/login?username=13812345670").get_data(as_text=True)
    assert 'value="13812345670"' in page
    password_input = re.search(r'<input[^>]*name="password"[^>]*>', page).group(0)
    assert "autofocus" in password_input  # the trainee only types the password


def test_the_login_form_escapes_a_hostile_username(client):
    page = client.get('/auth/login?username="><script>x</script>').get_data(as_text=True)
    assert "<script>x" not in page
