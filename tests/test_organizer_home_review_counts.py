"""The organizer's home page says what waits for review — pending leave, pending corrections (补签)
and suspected proxy sign-ins (疑似代签) — per cohort they manage, each linking to its page;
and the schedule pages link each session to its projector, roll call and sign-in sheet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cadre.enums import LeaveStatus
from cadre.extensions import db
from cadre.models import CorrectionRequest, LeaveRequest, Role, SuspectedProxySignIn
from cadre.models.types import utcnow
from tests.factories import login, make_cohort, make_session, make_trainee_user, make_user

START = datetime(2025, 5, 9, 1, 0, tzinfo=UTC)


def _world():
    org = make_user(Role.ORGANIZER, username="org")
    mine = make_cohort(organizers=[org], name="我的班")
    other = make_cohort(name="别人的班")
    a = make_trainee_user(mine).trainee
    b = make_trainee_user(mine).trainee
    s = make_session(mine, starts_at=START)
    t = make_session(other, starts_at=START)
    coming = make_session(mine, starts_at=utcnow() + timedelta(days=3))
    db.session.add_all(
        [
            LeaveRequest(session=coming, trainee=a, reason="出差", status=LeaveStatus.PENDING),
            CorrectionRequest(session=s, trainee=a, reason="手机没电", status=LeaveStatus.PENDING),
            CorrectionRequest(session=s, trainee=b, reason="手机没电", status=LeaveStatus.PENDING),
            CorrectionRequest(session=t, trainee=a, reason="别人的班", status=LeaveStatus.PENDING),
            CorrectionRequest(session=s, trainee=b, reason="已批", status=LeaveStatus.APPROVED),
            SuspectedProxySignIn(session=s, trainee=b, device_owner=a, device_id="d1"),
            SuspectedProxySignIn(session=s, trainee=b, device_owner=a, device_id="d1", reviewed_at=utcnow()),
        ]
    )
    db.session.commit()
    return org, mine, s


def test_home_counts_what_waits_for_review_with_links(client, app):
    org, mine, _ = _world()
    login(client, org.username)
    page = client.get("/").get_data(as_text=True)
    assert 'data-pending-leave="1"' in page
    assert f'data-pending-corrections="2" href="/cohorts/{mine.id}/requests"' in page
    assert f'data-proxy-suspects="1" href="/cohorts/{mine.id}/proxy-suspects"' in page
    assert "补签申请待审批：2" in page and "疑似代签待核查：1" in page
    assert "别人的班" not in page  # another organizer's correction is not counted here


def test_nothing_to_review_shows_no_box(client, app):
    org = make_user(Role.ORGANIZER, username="org")
    make_cohort(organizers=[org])
    login(client, org.username)
    page = client.get("/").get_data(as_text=True)
    assert 'id="to-review"' not in page and "data-pending-leave" not in page


def test_schedule_and_week_grid_link_each_session_to_projector_roll_call_and_sheet(client, app):
    org, mine, s = _world()
    login(client, org.username)
    for url in (f"/cohorts/{mine.id}/schedule", f"/cohorts/{mine.id}/timetable?week=2025-05-09"):
        page = client.get(url).get_data(as_text=True)
        for link in (
            f"/sessions/{s.id}/projector",
            f"/sessions/{s.id}/rollcall",
            f"/sessions/{s.id}/sheet.pdf",
            f"/cohorts/{mine.id}/proxy-suspects",
        ):
            assert f'href="{link}"' in page, (url, link)


def test_a_trainee_sees_no_organizer_links_on_the_week_grid(client, app):
    _, mine, s = _world()
    user = make_trainee_user(mine)
    login(client, user.username)
    response = client.get(f"/cohorts/{mine.id}/timetable?week=2025-05-09")
    assert response.status_code == 200 and f'data-session="{s.id}"' in response.get_data(as_text=True)
    assert f"/sessions/{s.id}/" not in response.get_data(as_text=True)
