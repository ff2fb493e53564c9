"""我的课表 shows what attendance decided: each past session's status (补 for a correction) and
hours from the rules, the hours so far and of the whole course, leave on coming sessions, and a
签到 button for the session on now."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from cadre.enums import AttendanceStatus, LeaveStatus, SignInMethod
from cadre.extensions import db
from cadre.models import AttendanceRecord, LeaveRequest
from cadre.timetable import views
from tests.factories import login, make_cohort, make_session, make_trainee_user

NOW = datetime(2025, 5, 16, 1, 15, tzinfo=UTC)  # Fri 16 May 2025, 09:15 in Shanghai


@pytest.fixture
def world(app, monkeypatch):
    monkeypatch.setattr(views, "now", lambda: NOW)
    cohort = make_cohort()
    user = make_trainee_user(cohort)
    day = timedelta(days=1)
    s = {
        "present": make_session(cohort, title="按时讲座", starts_at=NOW - 7 * day),
        "left": make_session(
            cohort,
            title="早退讲座",
            starts_at=NOW - 6 * day,
            sign_out_required=True,
            credit_hours=Decimal("2"),
        ),
        "fixed": make_session(cohort, title="补签讲座", starts_at=NOW - 5 * day),
        "absent": make_session(cohort, title="缺勤讲座", starts_at=NOW - 4 * day),
        "now": make_session(cohort, title="正在上的课", starts_at=NOW - timedelta(minutes=15)),
        "asked": make_session(cohort, title="请假待批的课", starts_at=NOW + 2 * day),
        "free": make_session(cohort, title="还能请假的课", starts_at=NOW + 3 * day),
    }
    t = user.trainee_id

    def rec(key, status, **kw):
        start = s[key].starts_at
        db.session.add(
            AttendanceRecord(session=s[key], trainee_id=t, status=status, signed_in_at=start, **kw)
        )

    rec("present", AttendanceStatus.PRESENT)
    # Left after one of two hours: the rules credit one of its two hours (pro rata).
    rec("left", AttendanceStatus.LEFT_EARLY, signed_out_at=s["left"].starts_at + timedelta(hours=1))
    rec("fixed", AttendanceStatus.PRESENT, corrected=True, method=SignInMethod.MANUAL)
    db.session.add(LeaveRequest(session=s["asked"], trainee_id=t, reason="出差", status=LeaveStatus.PENDING))
    db.session.commit()
    return user, s


def _card(page: str, session_id: int) -> str:
    match = re.search(
        rf'data-session="{session_id}".*?(?=<div class="tt-session|<details|</details>|$)', page, re.S
    )
    assert match, session_id
    return match.group(0)


def _text(html: str) -> str:
    """What the reader sees: the markup (e.g. spans that keep "2 学时" on one line) left out."""
    return re.sub(r"<[^>]+>", "", html)


def test_past_sessions_show_status_and_hours_from_the_rules(client, world):
    user, s = world
    login(client, user.username)
    page = client.get("/my/timetable").get_data(as_text=True)
    assert 'data-status="present"' in _card(page, s["present"].id)
    left = _card(page, s["left"].id)
    assert 'data-status="left_early"' in left and "早退" in left and "得 1 / 2 学时" in _text(left)
    fixed = _card(page, s["fixed"].id)
    assert "出勤" in fixed and "补" in fixed
    absent = _card(page, s["absent"].id)
    assert 'data-status="absent"' in absent and "缺勤" in absent and "得 0 / 2 学时" in _text(absent)
    # Held so far: 4 sessions of 2 hours = 8; earned 2 + 1 + 2 + 0 = 5; the course has 7 × 2 = 14.
    seen = _text(page)
    assert "已得 5 学时" in seen and "已上课程 8 学时" in seen and "全部课程 14 学时" in seen
    assert "出勤率 75.0%<" in page  # 3 attended of 4 held


def test_coming_sessions_show_leave_and_a_leave_link(client, world):
    user, s = world
    login(client, user.username)
    page = client.get("/my/timetable").get_data(as_text=True)
    asked = _card(page, s["asked"].id)
    assert "请假 · " in asked and "待审批" in asked
    assert f"/leave/new?session_id={s['asked'].id}" not in asked  # asked once already
    assert f'href="/leave/new?session_id={s["free"].id}"' in _card(page, s["free"].id)


def test_the_session_on_now_has_a_big_sign_in_button_until_signed_in(client, world):
    user, s = world
    login(client, user.username)
    page = client.get("/my/timetable").get_data(as_text=True)
    assert re.search(r'class="btn btn-primary btn-lg[^"]*tt-signin-now" href="/signin/code">签到', page)
    db.session.add(
        AttendanceRecord(
            session=s["now"], trainee_id=user.trainee_id, status=AttendanceStatus.PRESENT, signed_in_at=NOW
        )
    )
    db.session.commit()
    page = client.get("/my/timetable").get_data(as_text=True)
    assert "tt-signin-now" not in page
    assert 'data-status="present"' in _card(page, s["now"].id)
