"""Printed links and QR codes carry the configured public address, never the request's Host header."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cadre.models import Role
from cadre.trainees import accounts
from cadre.urls import public_url, public_url_for
from tests.factories import PASSWORD, enroll, login, make_cohort, make_trainee, make_user
from tests.pdf_support import pdf_text

ROOT = Path(__file__).resolve().parent.parent
CONFIGURED = "https://cadre.example.gov.cn/"  # TestConfig.PUBLIC_URL


def slips_from(page_html: str) -> bytes:
    match = re.search(r'href="data:application/pdf;base64,([A-Za-z0-9+/=]+)"', page_html)
    assert match, "no embedded slips PDF"
    return base64.b64decode(match.group(1))


@pytest.fixture
def public_address(app):
    """Set PUBLIC_URL for one test (the app is shared by the whole run)."""
    saved = app.config["PUBLIC_URL"]

    def set_to(value):
        app.config["PUBLIC_URL"] = value

    yield set_to
    app.config["PUBLIC_URL"] = saved


@pytest.fixture
def qr_texts(monkeypatch):
    """What every QR code drawn on a slip encodes."""
    seen: list[str] = []
    real = accounts.qr_data_url

    def spy(text: str) -> str:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(accounts, "qr_data_url", spy)
    return seen


@pytest.fixture
def cohort(app):
    organizer = make_user(Role.ORGANIZER, username="org")
    cohort = make_cohort(organizers=[organizer], name="青蓝接力班")
    enroll(cohort, make_trainee(name="张三", phone="13812345670"))
    return cohort


def test_a_forged_host_header_appears_neither_on_the_slip_nor_in_its_qr_code(client, cohort, qr_texts):
    evil = "http://evil.example"  # every request of this client names Host: evil.example
    client.post("/auth/login", data={"username": "org", "password": PASSWORD}, base_url=evil)
    response = client.post(f"/trainees/accounts/cohort/{cohort.id}", base_url=evil)
    assert response.status_code == 200
    page_html = response.get_data(as_text=True)
    text = pdf_text(slips_from(page_html))
    assert "evil.example" not in text and "evil.example" not in page_html
    assert CONFIGURED in text
    # each slip's QR code: the login page of the configured address, with its username
    assert [t.split("auth/login")[0] for t in qr_texts] == [CONFIGURED]


def test_without_a_public_address_the_slip_has_no_link_and_the_page_says_so(
    client, cohort, qr_texts, public_address
):
    public_address(None)
    login(client, "org")
    overview = client.get(f"/trainees/accounts/cohort/{cohort.id}").get_data(as_text=True)
    assert "CADRE_PUBLIC_URL" in overview  # warned before anything is printed
    page_html = client.post(f"/trainees/accounts/cohort/{cohort.id}").get_data(as_text=True)
    assert "系统未设置公开网址（CADRE_PUBLIC_URL）" in page_html
    text = pdf_text(slips_from(page_html))
    assert "张三" in text and "初始密码" in text  # the slips still carry the login
    assert "登录网址" not in text and "localhost" not in text
    assert qr_texts == []


@pytest.mark.parametrize(
    ("configured", "path", "expected"),
    [
        ("https://cadre.example.gov.cn", "/", "https://cadre.example.gov.cn/"),
        ("https://cadre.example.gov.cn/", "/auth/login", "https://cadre.example.gov.cn/auth/login"),
        ("http://10.0.0.5:5000/cadre/", "verify/ABC", "http://10.0.0.5:5000/cadre/verify/ABC"),
        (None, "/", None),
        ("", "/", None),
        ("cadre.example.gov.cn", "/", None),  # no scheme: not an address a phone can open
        ("javascript:alert(1)", "/", None),
        ("ftp://cadre.example.gov.cn/", "/", None),
    ],
)
def test_public_url_joins_paths_to_the_configured_address(app, public_address, configured, path, expected):
    public_address(configured)
    assert public_url(path) == expected


def test_public_url_for_builds_a_route_without_a_request(app):
    assert public_url_for("auth.login") == CONFIGURED + "auth/login"


def test_config_reads_cadre_public_url_from_the_environment():
    code = "import config; print(config.Config.PUBLIC_URL, config.ProductionConfig.PUBLIC_URL)"
    env = {**os.environ, "CADRE_PUBLIC_URL": " https://cadre.example.org/ "}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["https://cadre.example.org/", "https://cadre.example.org/"]
    env.pop("CADRE_PUBLIC_URL")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["None", "None"]


def test_bin_serve_sets_the_public_address_it_serves_on():
    script = (ROOT / "bin" / "serve").read_text()
    assert 'CADRE_PUBLIC_URL="http://$host:$port/"' in script
    assert "export CADRE_PUBLIC_URL" in script


def test_gunicorn_config_drops_the_server_header():
    """bin/serve starts gunicorn with gunicorn.conf.py; its responses name no server."""
    code = f"""
import runpy
from gunicorn.http import wsgi

class Req:
    version, method = (1, 1), "GET"
    def should_close(self):
        return False

def headers():
    resp = wsgi.Response(Req(), None, None)
    resp.status, resp.status_code = "200 OK", 200
    return [line.split(":")[0] for line in resp.default_headers()[1:]]

print(",".join(headers()))
runpy.run_path({str(ROOT / "gunicorn.conf.py")!r})
print(",".join(headers()))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["Server,Date,Connection", "Date,Connection"]
    assert "--config gunicorn.conf.py" in (ROOT / "bin" / "serve").read_text()
