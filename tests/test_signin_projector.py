"""The projector page (签到大屏): its QR, code and live counts; who may open it; `cadre live-session`."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from cadre.enums import LeaveStatus
from cadre.extensions import db
from cadre.models import LeaveRequest, Role, TrainingSession
from cadre.models.types import utcnow
from cadre.rules.signin_tokens import verify_code, verify_token
from tests.factories import (
    enroll,
    login,
    make_cohort,
    make_session,
    make_trainee,
    make_trainee_user,
    make_user,
)

KEY = "test-secret"


@pytest.fixture
def cohort(app):
    return make_cohort(organizers=[make_user(Role.ORGANIZER, username="teacher")], code="QLJL2025")


@pytest.fixture
def live(cohort):
    return make_session(cohort, starts_at=utcnow() - timedelta(minutes=5), title="开班仪式")


def test_projector_shows_a_current_qr_code_and_counts(client, cohort, live):
    for _ in range(3):
        enroll(cohort, make_trainee())
    login(client, "teacher")
    page = client.get(f"/sessions/{live.id}/projector")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    url = re.search(r'data-signin-url="([^"]+)"', html).group(1)
    token = url.rsplit("/s/", 1)[1]
    assert verify_token(KEY, token, live.id, utcnow()).ok
    code = re.search(r'id="code">(\d{6})<', html).group(1)
    assert verify_code(KEY, code, live.id, utcnow()).ok
    assert "开班仪式" in html and 'id="expected">3<' in html
    assert "<form" not in html  # nothing on it expires after an hour
    svg = client.get(re.search(r'id="qr" src="([^"]+)"', html).group(1).replace("&amp;", "&"))
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data


def test_qr_image_is_only_made_for_a_current_token_of_the_session(client, cohort, live):
    login(client, "teacher")
    assert client.get(f"/sessions/{live.id}/qr.svg?t=https://evil.example").status_code == 404


def test_poll_counts_sign_ins_late_and_leave_with_latest_names(app, client, cohort, live):
    login(client, "teacher")
    leave_taker = make_trainee_user(cohort)
    db.session.add(
        LeaveRequest(
            session=live, trainee_id=leave_taker.trainee_id, reason="病假", status=LeaveStatus.APPROVED
        )
    )
    db.session.commit()
    phone = app.test_client()
    login(phone, make_trainee_user(cohort, name="王五").username)
    # The trainee's phone signs in with the token the projector shows.
    state = client.get(f"/sessions/{live.id}/projector/state").get_json()
    token = state["signin_url"].rsplit("/s/", 1)[1]
    page = phone.get(f"/s/{token}")
    ticket = re.search(r'name="ticket" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    phone.post(f"/s/{token}", data={"ticket": ticket})
    state = client.get(f"/sessions/{live.id}/projector/state").get_json()
    assert (state["signed_in"], state["expected"], state["late"], state["on_leave"]) == (1, 2, 0, 1)
    assert state["latest"][0]["name"] == "王五"
    assert state["purpose"] == "in" and len(state["code"]) == 6


def test_poll_needs_a_bounded_number_of_queries(app, client, cohort, live, count_queries):
    login(client, "teacher")
    for _ in range(30):
        enroll(cohort, make_trainee())
    with count_queries() as statements:
        assert client.get(f"/sessions/{live.id}/projector/state").status_code == 200
    assert len(statements) <= 12  # login, session, cohort, right to manage, four counts


@pytest.mark.parametrize("who", ["trainee", "other_organizer"])
def test_only_the_cohorts_organizers_open_the_projector(client, cohort, live, who):
    user = make_trainee_user(cohort) if who == "trainee" else make_user(Role.ORGANIZER)
    login(client, user.username)
    assert client.get(f"/sessions/{live.id}/projector").status_code == 403
    assert client.get(f"/sessions/{live.id}/projector/state").status_code == 403
    assert client.get(f"/cohorts/{cohort.id}/proxy-suspects").status_code == 403


def test_projector_switches_to_sign_out_at_the_end(client, cohort):
    session = make_session(
        cohort,
        starts_at=utcnow() - timedelta(minutes=110),
        ends_at=utcnow() + timedelta(minutes=10),
        sign_out_required=True,
    )
    login(client, "teacher")
    state = client.get(f"/sessions/{session.id}/projector/state").get_json()
    assert state["purpose"] == "out"
    token = state["signin_url"].rsplit("/s/", 1)[1]
    assert verify_token(KEY, token, session.id, utcnow(), purpose="out").ok
    assert client.get(f"/sessions/{session.id}/projector/state?mode=in").get_json()["purpose"] == "in"


def test_live_session_command_adds_one_and_then_reuses_it(runner, cohort):
    first = runner.invoke(args=["cadre", "live-session", "qljl2025", "--minutes", "90"])
    assert first.exit_code == 0, first.output
    session = db.session.query(TrainingSession).one()
    assert f"/sessions/{session.id}/projector" in first.output
    assert session.starts_at <= utcnow() < session.ends_at
    assert session.ends_at - session.starts_at == timedelta(minutes=90)
    again = runner.invoke(args=["cadre", "live-session", "QLJL2025"])
    assert again.exit_code == 0 and "Reusing" in again.output
    assert db.session.query(TrainingSession).count() == 1


def test_live_session_command_refuses_an_unknown_cohort(runner, cohort):
    result = runner.invoke(args=["cadre", "live-session", "NOPE"])
    assert result.exit_code != 0 and "NOPE" in result.output
    assert db.session.query(TrainingSession).count() == 0


@pytest.mark.parametrize(
    ("starts_in", "cancelled", "says"),
    [
        (timedelta(hours=2), False, "签到 "),
        (-timedelta(hours=3), False, "签到已结束"),
        (timedelta(0), True, "已取消"),
    ],
    ids=["not_open_yet", "closed", "cancelled"],
)
def test_projector_says_when_sign_in_is_not_open(client, cohort, starts_in, cancelled, says):
    session = make_session(
        cohort, starts_at=utcnow() + starts_in, cancelled_at=utcnow() if cancelled else None
    )
    login(client, "teacher")
    state = client.get(f"/sessions/{session.id}/projector/state").get_json()
    assert says in state["phase_text"]
    live_state = client.get(f"/sessions/{session.id}/projector").get_data(as_text=True)
    assert says in live_state
