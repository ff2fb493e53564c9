"""Attacks that held, kept as regression tests: script in a trainee's name on the projector and
the 疑似代签 list; the projector, its poll, its QR and the review as the wrong person (IDOR).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from cadre.extensions import db
from cadre.models import Role, SuspectedProxySignIn
from cadre.models.types import utcnow
from cadre.rules.signin_tokens import make_token
from tests.factories import login, make_cohort, make_session, make_trainee_user, make_user

KEY = "test-secret"
EVIL = '<img src=x onerror="alert(1)">'


@pytest.fixture
def live(cohort):
    return make_session(cohort, starts_at=utcnow() - timedelta(minutes=5))


def tap(client, session):
    token = make_token(KEY, session.id, utcnow())
    page = client.get(f"/s/{token}")
    ticket = re.search(r'name="ticket" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post(f"/s/{token}", data={"ticket": ticket})


def test_a_name_with_markup_is_text_on_the_projector_and_the_suspects_list(app, client, cohort, live):
    phone = app.test_client()
    login(phone, make_trainee_user(cohort, name=EVIL).username)
    assert tap(phone, live).status_code == 200
    phone.post("/auth/logout")
    login(phone, make_trainee_user(cohort, name=EVIL + "2").username)  # same phone: a suspect
    assert tap(phone, live).status_code == 409
    assert db.session.query(SuspectedProxySignIn).count() == 1
    login(client, "teacher")
    for url in (f"/sessions/{live.id}/projector", f"/cohorts/{cohort.id}/proxy-suspects"):
        body = client.get(url).get_data(as_text=True)
        assert EVIL not in body and "&lt;img src=x" in body, url
    state = client.get(f"/sessions/{live.id}/projector/state").get_json()
    assert state["latest"][0]["name"] == EVIL  # JSON carries text; the script must insert it as text


def test_projector_script_inserts_names_as_text_only():
    script = (Path(__file__).parent.parent / "cadre" / "static" / "js" / "projector.js").read_text()
    assert "textContent" in script
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script, sink


@pytest.mark.parametrize("who", ["trainee", "other_organizer"])
def test_projector_poll_qr_and_review_refuse_the_wrong_person(client, cohort, live, who):
    suspect = SuspectedProxySignIn(
        session_id=live.id,
        trainee_id=make_trainee_user(cohort).trainee_id,
        device_id="x" * 22,
        purpose="in",
        attempted_at=utcnow(),
    )
    db.session.add(suspect)
    db.session.commit()
    user = make_trainee_user(cohort) if who == "trainee" else make_user(Role.ORGANIZER)
    login(client, user.username)
    token = make_token(KEY, live.id, utcnow())
    assert client.get(f"/sessions/{live.id}/projector/state").status_code == 403
    assert client.get(f"/sessions/{live.id}/qr.svg?t={token}").status_code == 403
    review = client.post(f"/cohorts/{cohort.id}/proxy-suspects/{suspect.id}/review", data={"note": "ok"})
    assert review.status_code == 403
    db.session.refresh(suspect)
    assert suspect.reviewed_at is None


def test_an_organizer_cannot_review_another_cohorts_suspect_through_their_own_cohort(client, live):
    mine = make_cohort(organizers=[make_user(Role.ORGANIZER, username="mine")])
    suspect = SuspectedProxySignIn(
        session_id=live.id,
        trainee_id=make_trainee_user(live.cohort).trainee_id,
        device_id="y" * 22,
        purpose="in",
        attempted_at=utcnow(),
    )
    db.session.add(suspect)
    db.session.commit()
    login(client, "mine")
    response = client.post(f"/cohorts/{mine.id}/proxy-suspects/{suspect.id}/review", data={"note": "ok"})
    assert response.status_code == 404
    db.session.refresh(suspect)
    assert suspect.reviewed_at is None
