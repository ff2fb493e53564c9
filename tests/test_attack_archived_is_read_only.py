"""An archived cohort is read-only: its attendance, leave, corrections and goals cannot change.

Found by attacking main: the schedule refused edits of an archived cohort, but roll call,
the head count, the paper sheet, leave and correction decisions (and the trainees' own
requests) and the cohort's training goals still changed the archived class's records.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cadre.enums import LeaveStatus
from cadre.extensions import db
from cadre.models import (
    AttendanceRecord,
    CohortGoal,
    CorrectionRequest,
    HeadCount,
    LeaveRequest,
    Role,
    SessionKind,
)
from tests.factories import (
    enroll,
    login,
    make_cohort,
    make_session,
    make_trainee,
    make_trainee_user,
    make_user,
)


@pytest.fixture
def archived(app):
    """A cohort with a session held an hour ago, one coming, pending requests; then archived."""
    org = make_user(Role.ORGANIZER)
    cohort = make_cohort(organizers=[org])
    trainee_user = make_trainee_user(cohort, name="王学员", group="第一组")
    other = make_trainee(name="赵二")
    enroll(cohort, other, group="第一组")
    now = datetime.now(UTC).replace(microsecond=0)
    held = make_session(
        cohort, title="上过的课", kind=SessionKind.SITE_VISIT, starts_at=now - timedelta(hours=3)
    )
    coming = make_session(cohort, title="明天的课", starts_at=now + timedelta(days=1))
    later = make_session(cohort, title="后天的课", starts_at=now + timedelta(days=2))
    leave = LeaveRequest(
        session_id=coming.id, trainee_id=trainee_user.trainee_id, reason="值班", requested_at=now
    )
    correction = CorrectionRequest(
        session_id=held.id, trainee_id=other.id, reason="手机没电", requested_at=now
    )
    goal = CohortGoal(cohort=cohort, name="为民服务", position=0)
    db.session.add_all([leave, correction, goal])
    cohort.archived_at = now
    db.session.commit()
    return {
        "org": org,
        "cohort": cohort,
        "trainee_user": trainee_user,
        "other": other,
        "held": held,
        "coming": coming,
        "later": later,
        "leave": leave,
        "correction": correction,
        "goal": goal,
    }


def _count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_roll_call_of_an_archived_cohort_is_refused(client, archived):
    a = archived
    login(client, a["org"].username)
    page = client.post(
        f"/sessions/{a['held'].id}/rollcall",
        data={f"status-{a['other'].id}": "present", "action": "rest_absent"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已归档" in page
    assert _count(AttendanceRecord) == 0


def test_paper_entry_and_head_count_of_an_archived_cohort_are_refused(client, archived):
    a = archived
    login(client, a["org"].username)
    page = client.post(
        f"/sessions/{a['held'].id}/paper", data={f"time-{a['other'].id}": "08:55"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "已归档" in page
    page = client.post(
        f"/sessions/{a['held'].id}/headcount/departure",
        data={f"here-{a['other'].id}": "1"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已归档" in page
    assert _count(AttendanceRecord) == 0 and _count(HeadCount) == 0


def test_leave_and_corrections_of_an_archived_cohort_cannot_be_decided(client, archived):
    a = archived
    login(client, a["org"].username)
    page = client.post(
        f"/leave/{a['leave'].id}/decide", data={"decision": "approve"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "已归档" in page
    page = client.post(
        f"/corrections/{a['correction'].id}/decide", data={"decision": "approve"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "已归档" in page
    assert _count(LeaveRequest, LeaveRequest.status == LeaveStatus.PENDING) == 1
    assert _count(CorrectionRequest, CorrectionRequest.status == LeaveStatus.PENDING) == 1
    assert _count(AttendanceRecord) == 0


def test_a_trainee_cannot_ask_or_withdraw_leave_in_an_archived_cohort(client, archived):
    a = archived
    login(client, a["trainee_user"].username)
    page = client.post(
        "/leave/new", data={"sessions": [a["later"].id], "reason": "出差"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "已归档" in page
    page = client.post(f"/leave/{a['leave'].id}/withdraw", follow_redirects=True).get_data(as_text=True)
    assert "已归档" in page
    assert _count(LeaveRequest) == 1
    assert _count(LeaveRequest, LeaveRequest.status == LeaveStatus.PENDING) == 1


def test_a_trainee_cannot_ask_a_correction_in_an_archived_cohort(client, archived):
    a = archived
    login(client, a["trainee_user"].username)
    page = client.post(
        f"/sessions/{a['held'].id}/correction", data={"reason": "扫码失败"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "已归档" in page
    assert _count(CorrectionRequest) == 1


@pytest.mark.parametrize(
    "op",
    [
        {"op": "add", "goal_name": "议事协商"},
        {"op": "rename", "goal_name": "群众工作"},
        {"op": "remove"},
    ],
)
def test_goals_of_an_archived_cohort_cannot_change(client, archived, op):
    a = archived
    login(client, a["org"].username)
    data = {"goal_id": str(a["goal"].id), **op}
    page = client.post(
        f"/cohorts/{a['cohort'].id}/schedule/goals", data=data, follow_redirects=True
    ).get_data(as_text=True)
    assert "已归档" in page
    db.session.expire_all()
    assert [g.name for g in db.session.scalars(select(CohortGoal))] == ["为民服务"]
