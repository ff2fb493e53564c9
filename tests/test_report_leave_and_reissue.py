"""The report's leave count equals the statistics page; a reissue for a trainee
who no longer meets the rule keeps a written reason."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from cadre.certificates import services
from cadre.enums import LeaveStatus
from cadre.extensions import db
from cadre.models import (
    AttendanceRecord,
    AttendanceStatus,
    LeaveRequest,
    TrainingSession,
)
from cadre.services import writing
from tests.certificate_support import finished_cohort
from tests.factories import login, make_session
from tests.test_report_matches_statistics import _table


def test_leave_total_vs_stats_excused(app, client):
    f = finished_cohort(completed=("张晓明", "李娜"), absent=("王缺课",))
    sessions = list(db.session.scalars(select(TrainingSession).order_by(TrainingSession.starts_at)))
    extra = make_session(f.cohort, title="取消的课", starts_at=datetime(2025, 5, 23, 1, 0, tzinfo=UTC))
    extra.cancelled_at = datetime(2025, 5, 20, tzinfo=UTC)
    # an approved leave on the cancelled session, and one of the absent trainee on session 1
    absent = f.absent[0]
    db.session.add(
        LeaveRequest(session=extra, trainee=f.completed[0], reason="病假", status=LeaveStatus.APPROVED)
    )
    db.session.add(
        LeaveRequest(session=sessions[0], trainee=absent, reason="事假", status=LeaveStatus.APPROVED)
    )
    db.session.add(AttendanceRecord(session=sessions[0], trainee=absent, status=AttendanceStatus.EXCUSED))
    db.session.commit()
    login(client, f.organizer.username)
    stats = client.get(f"/cohorts/{f.cohort.id}/attendance").get_data(as_text=True)
    report = client.get(f"/cohorts/{f.cohort.id}/report").get_data(as_text=True)
    excused = sum(int(r[5]) for r in _table(stats, "per-session") if r[5].isdigit())
    leave_total = int(re.search(r"经批准请假（人次）</div><div class=\"figure\">(\d+)<", report).group(1))
    assert leave_total == excused, (
        f"report says {leave_total} approved leaves, statistics page {excused} excused"
    )


def test_reissue_of_a_no_longer_eligible_trainee_keeps_a_written_reason(app):
    f = finished_cohort(completed=("张晓明", "李娜"), absent=())
    with writing():
        certs = services.issue_eligible(f.cohort)
    # the attendance of 张晓明 is corrected to absent on both sessions (e.g. sign-in fraud found)
    for rec in db.session.scalars(
        select(AttendanceRecord).where(AttendanceRecord.trainee_id == certs[0].trainee_id)
    ):
        rec.status = AttendanceStatus.ABSENT
    db.session.commit()
    assert services.eligibility(f.cohort)[certs[0].trainee_id].eligible is False
    with writing():
        new = services.reissue(f.cohort, certs[0].id, "换个编号")
    assert new.issue_reason is not None, (
        "reissue handed a not-eligible trainee a valid certificate with 0 hours and no recorded reason"
    )
