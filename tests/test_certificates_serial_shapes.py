"""Serials are typed back on the verification page: a pattern or a cohort code that would make
serials nobody can find is refused, and what a Chinese input method types is found."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from cadre.certificates import services
from cadre.extensions import db
from cadre.models import Certificate, CertificateSettings, Cohort
from cadre.services import writing
from tests.certificate_support import finished_cohort
from tests.factories import login


def _save_pattern(client, f, pattern):
    return client.post(
        f"/certificates/cohorts/{f.cohort.id}/settings",
        data={"serial_pattern": pattern, "seal_position": "issuer", "seal_size_mm": "40"},
        follow_redirects=True,
    )


@pytest.mark.parametrize(
    "pattern",
    [
        "结业{seq:03}",
        "ql-{year}-{seq:03}",
        "QL {year} {seq:03}",
        "No.{seq}#",
        "{code}/{seq}号",
        'Q"{seq}',
        "Q;{seq}",
    ],
)
def test_a_pattern_making_untypeable_serials_is_refused_and_nothing_saved(app, client, pattern):
    f = finished_cohort(code="QLJL2025")
    login(client, f.organizer.username)
    before = db.session.scalar(select(CertificateSettings.serial_pattern))
    page = _save_pattern(client, f, pattern).get_data(as_text=True)
    assert "编号只能由大写字母、数字和" in page
    db.session.expire_all()
    assert db.session.scalar(select(CertificateSettings.serial_pattern)) == before


def test_a_serial_over_the_column_is_refused_at_issue_and_nothing_written(app, client):
    f = finished_cohort(code="A" * 32)  # the cohort form allows codes of 2..32 characters
    login(client, f.organizer.username)
    page = client.post(f"/certificates/cohorts/{f.cohort.id}/issue-all", follow_redirects=True)
    assert page.status_code == 200
    assert "太长" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_the_default_pattern_with_a_shorter_code_issues_and_verifies(app, client):
    f = finished_cohort(code="A" * 24)
    with writing():
        certs = services.issue_eligible(f.cohort)
    assert certs and all(len(c.serial) <= 40 for c in certs)
    body = client.get("/certificates/verify", query_string={"serial": certs[0].serial}).get_data(as_text=True)
    assert "有效" in body and "未找到该证书" not in body


def test_a_full_width_serial_as_an_input_method_types_it_is_found(app, client):
    f = finished_cohort(code="QLJL2025")
    with writing():
        certs = services.issue_eligible(f.cohort)
    typed = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in certs[0].serial)
    body = client.get("/certificates/verify", query_string={"serial": typed}).get_data(as_text=True)
    assert "有效" in body and "未找到该证书" not in body


def _cohort_form(cohort, value):
    return {
        "name": cohort.name,
        "code": cohort.code,
        "minutes_per_credit_hour": "45",
        "min_attendance_percent": "80",
        "require_required_sessions": "y",
        "default_venue_id": "",
        "max_leave_fraction": value,
    }


def test_a_leave_limit_with_a_huge_exponent_is_refused_at_once(app, client):
    f = finished_cohort()
    login(client, f.organizer.username)
    before = f.cohort.max_leave_fraction
    started = time.perf_counter()
    page = client.post(f"/cohorts/{f.cohort.id}/edit", data=_cohort_form(f.cohort, "1e-3000000"))
    assert time.perf_counter() - started < 1
    assert "请假上限请填写分数或百分比" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Cohort, f.cohort.id).max_leave_fraction == before


@pytest.mark.parametrize(
    ("typed", "stored"), [("0.142857142", "1/7"), ("14.285714%", "1/7"), ("15%", "3/20")]
)
def test_a_leave_limit_is_stored_short(app, client, typed, stored):
    f = finished_cohort()
    login(client, f.organizer.username)
    client.post(f"/cohorts/{f.cohort.id}/edit", data=_cohort_form(f.cohort, typed))
    db.session.expire_all()
    assert db.session.get(Cohort, f.cohort.id).max_leave_fraction == stored
