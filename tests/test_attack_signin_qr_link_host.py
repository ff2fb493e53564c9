"""Attack: a forged Host header puts another site's address into the sign-in QR code.

The QR on the projector is read by 200 phones that cannot check where it points; like every
printed or QR link (cadre/urls.py) it must come from CADRE_PUBLIC_URL, never from the request.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from cadre.models import Role
from cadre.models.types import utcnow
from tests.factories import PASSWORD, login, make_cohort, make_session, make_user


@pytest.fixture
def live(app):
    cohort = make_cohort(organizers=[make_user(Role.ORGANIZER, username="teacher")])
    return make_session(cohort, starts_at=utcnow() - timedelta(minutes=5))


EVIL = "http://evil.example"


def _evil(client):
    """The organizer logs in on a request that says Host: evil.example."""
    client.post("/auth/login", data={"username": "teacher", "password": PASSWORD}, base_url=EVIL)
    return client


def test_projector_sign_in_url_comes_from_the_public_address_not_the_host_header(client, live):
    _evil(client)
    page = client.get(f"/sessions/{live.id}/projector", base_url=EVIL)
    url = html.unescape(re.search(r'data-signin-url="([^"]+)"', page.get_data(as_text=True)).group(1))
    assert url.startswith("https://cadre.example.gov.cn/s/"), url
    state = client.get(f"/sessions/{live.id}/projector/state", base_url=EVIL).get_json()
    assert state["signin_url"].startswith("https://cadre.example.gov.cn/s/"), state["signin_url"]


def test_qr_image_encodes_the_public_address_not_the_host_header(app, client, live):
    login(client, "teacher")
    state = client.get(f"/sessions/{live.id}/projector/state").get_json()
    honest = client.get(state["qr_url"])
    evil = _evil(app.test_client()).get(state["qr_url"], base_url=EVIL)
    assert honest.status_code == evil.status_code == 200
    # The same URL gives the same picture: the Host header is not in the QR.
    assert evil.get_data() == honest.get_data()


def test_without_a_public_address_the_projector_shows_no_qr_and_says_how_to_set_it(
    app, client, live, monkeypatch
):
    """Like login slips: no address configured, no QR from the Host header; the code still works."""
    monkeypatch.setitem(app.config, "PUBLIC_URL", None)
    _evil(client)
    page = client.get(f"/sessions/{live.id}/projector", base_url=EVIL).get_data(as_text=True)
    assert "evil.example" not in page
    assert 'id="qr"' not in page and "CADRE_PUBLIC_URL" in page
    state = client.get(f"/sessions/{live.id}/projector/state", base_url=EVIL).get_json()
    assert state["signin_url"] == "" and state["qr_url"] == ""
    assert "CADRE_PUBLIC_URL" in state["public_url_missing"]
    assert len(state["code"]) == 6  # the typed code does not depend on any address
