"""The printed training record: who issues it, a line to seal and sign, each session's status and hours."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from cadre.extensions import db
from cadre.models import AttendanceRecord, AttendanceStatus, LeaveRequest, LeaveStatus
from tests.factories import enroll, make_cohort, make_session, make_trainee


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8")


def keep(pdf: bytes, suffix: str) -> bytes:
    """CADRE_KEEP_PDF=/tmp/x keeps the PDFs (/tmp/x-zh.pdf, /tmp/x-en.pdf) to look at."""
    if os.environ.get("CADRE_KEEP_PDF"):
        with open(f"{os.environ['CADRE_KEEP_PDF']}-{suffix}.pdf", "wb") as f:
            f.write(pdf)
    return pdf


@pytest.fixture
def record_of(organizer):
    """A trainee in an ended cohort of the organizer: one session attended, one excused, one missed."""
    cohort = make_cohort(
        organizers=[organizer],
        name="青蓝接力培训班",
        organizing_unit="天目西路街道党建办",
        min_attendance_percent=80,
    )
    trainee = make_trainee(name="王芳")
    enroll(cohort, trainee)
    opening = make_session(cohort, title="开班仪式", starts_at=datetime(2025, 5, 9, 1, 0, tzinfo=UTC))
    lecture = make_session(
        cohort,
        title="基层治理专题",
        starts_at=datetime(2025, 5, 16, 1, 0, tzinfo=UTC),
        credit_hours=Decimal("3"),
    )
    visit = make_session(cohort, title="红色场馆研学", starts_at=datetime(2025, 5, 23, 1, 0, tzinfo=UTC))
    db.session.add(
        AttendanceRecord(session_id=opening.id, trainee_id=trainee.id, status=AttendanceStatus.PRESENT)
    )
    db.session.add(
        LeaveRequest(session_id=lecture.id, trainee_id=trainee.id, status=LeaveStatus.APPROVED, reason="出差")
    )
    db.session.commit()
    del visit  # no record and no leave: absent
    return trainee


def test_the_pdf_lists_each_session_with_status_and_hours_and_the_result(client, record_of):
    response = client.get(f"/trainees/{record_of.id}/record.pdf")
    assert response.status_code == 200
    text = pdf_text(keep(response.data, "zh"))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert any("5月9日（周五） 开班仪式 出勤 2" in line for line in lines)
    assert any("5月16日（周五） 基层治理专题 请假 0" in line for line in lines)
    assert any("5月23日（周五） 红色场馆研学 缺勤 0" in line for line in lines)
    assert "结业情况：未达到结业要求" in text.replace(" ", "")
    assert "出具单位：天目西路街道党建办" in text.replace(" ", "")
    assert "（盖章）" in text and "经办人签字：" in text


def test_the_english_pdf_title_is_not_letter_spaced(client, record_of):
    client.post("/language", data={"lang": "en", "next": "/"})
    text = pdf_text(keep(client.get(f"/trainees/{record_of.id}/record.pdf").data, "en"))
    assert "Training record" in text
    assert "T r a i n i n g" not in text
    # the class-name column is wide enough to keep the name on one line, beside its dates
    assert any("青蓝接力培训班" in line and "9 May 2025" in line for line in text.splitlines())
    assert "Issued by:" in text and "(seal)" in text


def test_sessions_after_a_withdrawal_are_not_listed_and_the_result_says_退训(client, record_of):
    from datetime import date

    from cadre.models import Enrollment, EnrollmentStatus

    e = db.session.query(Enrollment).filter_by(trainee_id=record_of.id).one()
    e.status, e.withdrawn_on = EnrollmentStatus.WITHDRAWN, date(2025, 5, 20)
    db.session.commit()
    text = pdf_text(client.get(f"/trainees/{record_of.id}/record.pdf").data)
    assert "基层治理专题" in text and "红色场馆研学" not in text
    assert "结业情况：退训" in text.replace(" ", "")
