"""The training record (培训档案): numbers from sessions and attendance, pages, PDF, who may see it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event

from cadre.extensions import db
from cadre.models import AttendanceRecord, AttendanceStatus, Certificate, EnrollmentStatus, Role
from cadre.models.types import utcnow
from cadre.trainees.record import training_record
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

PAST = datetime(2025, 5, 9, 1, 0, tzinfo=UTC)


def attend(session, trainee, status: AttendanceStatus, **times) -> AttendanceRecord:
    record = AttendanceRecord(session=session, trainee=trainee, status=status, **times)
    db.session.add(record)
    db.session.commit()
    return record


def certify(cohort, trainee, serial: str, revoked: bool = False) -> Certificate:
    cert = Certificate(
        serial=serial,
        verification_token=serial.lower() + "-token",
        cohort=cohort,
        trainee=trainee,
        credit_hours=Decimal("7"),
        revoked_at=utcnow() if revoked else None,
        revoke_reason="录入错误" if revoked else None,
    )
    db.session.add(cert)
    db.session.commit()
    return cert


@pytest.fixture
def history(app):
    """A trainee in two cohorts: one with six sessions, one left after the first session."""
    organizer = make_user(Role.ORGANIZER, username="org")
    make_user(Role.ORGANIZER, username="stranger")
    make_user(Role.ADMIN, username="admin")
    user = make_trainee_user(name="张三", phone="13812345678")
    trainee = user.trainee
    qla = make_cohort(organizers=[organizer], name="青蓝接力A班", code="QLA", start_date=date(2025, 5, 9))
    qlb = make_cohort(name="青蓝接力B班", code="QLB", start_date=date(2024, 3, 1), end_date=date(2024, 4, 1))
    enroll(qla, trainee, group="第一组")
    enroll(
        qlb,
        trainee,
        status=EnrollmentStatus.WITHDRAWN,
        withdrawn_on=date(2024, 3, 5),
        withdrawal_reason="工作调动",
    )
    plan = [
        ("2", AttendanceStatus.PRESENT),
        ("3", AttendanceStatus.LATE),
        ("2", AttendanceStatus.EXCUSED),
        ("1", AttendanceStatus.ABSENT),
        ("2", AttendanceStatus.LEFT_EARLY),
    ]
    for day, (hours, status) in enumerate(plan):
        s = make_session(qla, starts_at=PAST + timedelta(days=day), credit_hours=Decimal(hours))
        # The one who left early sat one hour of two: the rules credit 1 of its 2 hours (pro rata).
        times = {"signed_in_at": s.starts_at, "signed_out_at": s.starts_at + timedelta(hours=1)}
        attend(s, trainee, status, **(times if status == AttendanceStatus.LEFT_EARLY else {}))
    make_session(qla, starts_at=utcnow() + timedelta(days=10), credit_hours=Decimal("2"))  # not held yet
    first = make_session(qlb, starts_at=datetime(2024, 3, 1, 1, tzinfo=UTC), credit_hours=Decimal("2"))
    attend(first, trainee, AttendanceStatus.PRESENT)
    make_session(
        qlb, starts_at=datetime(2024, 3, 8, 1, tzinfo=UTC), credit_hours=Decimal("2")
    )  # after leaving
    certify(qla, trainee, "QLA2025-0001")
    certify(qlb, trainee, "QLB2024-0001", revoked=True)
    other = make_trainee_user(qla, name="李四")
    return dict(user=user, trainee=trainee, qla=qla, qlb=qlb, organizer=organizer, other=other)


def test_record_numbers_from_sessions_and_attendance(history):
    rows = training_record(history["trainee"])
    assert [r.cohort.code for r in rows] == ["QLA", "QLB"]  # newest first
    a, b = (r.tally for r in rows)
    # Hours as cadre.rules.attendance gives them: 2 + 3 + 1 (left early, pro rata) of the 10 held;
    # the rate is attended sessions over held ones (3 of 5), as on the statistics page.
    assert (a.earned, a.due, a.planned) == (Decimal(6), Decimal(10), Decimal(12))
    assert a.percent == Decimal("60.0")
    assert a.counts == {
        "present": 1,
        "late": 1,
        "left_early": 1,
        "excused": 1,
        "absent": 1,
        "unrecorded": 0,
    }
    assert (b.earned, b.due, b.planned) == (Decimal(2), Decimal(2), Decimal(4))
    assert b.percent == Decimal("100.0")
    assert rows[0].certificate.serial == "QLA2025-0001" and rows[0].certificate.is_valid
    assert rows[1].certificate.serial == "QLB2024-0001" and not rows[1].certificate.is_valid


def test_a_reissued_certificate_wins_over_the_revoked_one(history):
    certify(history["qlb"], history["trainee"], "QLB2024-0002")
    rows = training_record(history["trainee"])
    assert rows[1].certificate.serial == "QLB2024-0002"


def test_cohort_without_sessions_or_certificate(app):
    trainee = make_trainee()
    enroll(make_cohort(), trainee)
    (row,) = training_record(trainee)
    assert row.tally.due == 0 and row.tally.percent is None and row.certificate is None


def test_record_loads_in_a_bounded_number_of_queries(history):
    def queries() -> int:
        statements = []

        def before(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            training_record(history["trainee"])
        finally:
            event.remove(db.engine, "before_cursor_execute", before)
        return sum(1 for s in statements if s.lstrip().upper().startswith("SELECT"))

    two_cohorts = queries()
    for n in range(4):
        cohort = make_cohort()
        enroll(cohort, history["trainee"])
        s = make_session(cohort)
        attend(s, history["trainee"], AttendanceStatus.PRESENT)
        certify(cohort, history["trainee"], f"X{n}")
    # Enrollments, cohorts, sessions, attendance, certificates (+ the trainee, expired by the factories).
    assert queries() == two_cohorts <= 6


def test_record_page_shows_cohorts_hours_attendance_and_certificates(client, history):
    login(client, "admin")  # organizers see only their own cohorts: tests/test_shared_people.py
    response = client.get(f"/trainees/{history['trainee'].id}/record")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "青蓝接力A班" in html and "青蓝接力B班" in html
    assert "6 / 10" in html and "60.0%" in html
    assert "2 / 2" in html and "100.0%" in html
    assert "QLA2025-0001" in html and "有效" in html
    assert "QLB2024-0001" in html and "已撤销" in html
    assert "退训" in html and "2024年3月5日" in html
    assert "第一组" in html
    assert "13812345678" in html  # the admin manages this trainee


def test_record_without_certificate_shows_a_dash(client, app):
    make_user(Role.ADMIN, username="admin")
    trainee = make_trainee()
    enroll(make_cohort(name="无证书班"), trainee)
    login(client, "admin")
    html = client.get(f"/trainees/{trainee.id}/record").get_data(as_text=True)
    assert re.search(r"—\s*</div>\s*<div class=\"small text-muted\">结业证书", html)


def test_trainee_reaches_own_record_from_me_link(client, history):
    login(client, history["user"].username)
    response = client.get("/trainees/me/record")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/trainees/{history['trainee'].id}/record")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "培训档案" in html and "60.0%" in html


def test_trainee_cannot_see_another_trainees_record(client, history):
    login(client, history["user"].username)
    other = history["other"].trainee_id
    assert client.get(f"/trainees/{other}/record").status_code == 403
    assert client.get(f"/trainees/{other}/record.pdf").status_code == 403
    assert client.get(f"/trainees/{other}").status_code == 403


def test_organizer_who_does_not_manage_the_trainee_cannot_see_the_record(client, history):
    login(client, "stranger")
    assert client.get(f"/trainees/{history['trainee'].id}/record").status_code == 403
    assert client.get(f"/trainees/{history['trainee'].id}/record.pdf").status_code == 403


def test_staff_without_trainee_get_404_for_me_record(client, history):
    login(client, "org")
    assert client.get("/trainees/me/record").status_code == 404


def test_record_pdf_renders_in_chinese_with_the_numbers(client, history):
    login(client, "admin")
    response = client.get(f"/trainees/{history['trainee'].id}/record.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "培训档案" in text.replace(" ", "")
    for expected in (
        "张三",
        "13812345678",
        "青蓝接力A班",
        "青蓝接力B班",
        "6 / 10",
        "60.0%",
        "QLA2025-0001",
        "已撤销",
    ):
        assert expected in text, expected
    assert "出勤情况" in text and "无记录" in text


def test_trainee_prints_own_record(client, history):
    login(client, history["user"].username)
    response = client.get(f"/trainees/{history['trainee'].id}/record.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")


def test_detail_page_links_to_the_record(client, history):
    login(client, "org")
    html = client.get(f"/trainees/{history['trainee'].id}").get_data(as_text=True)
    assert f"/trainees/{history['trainee'].id}/record" in html
