"""The public verification page: by QR token or typed serial, no login, the same answer for any unknown."""

from __future__ import annotations

import pytest

from cadre.certificates import services
from cadre.services import writing
from tests.certificate_support import finished_cohort


@pytest.fixture
def issued(app):
    f = finished_cohort(code="QLJL2025")
    with writing():
        certs = services.issue_eligible(f.cohort)
    return f, certs


def test_the_qr_page_shows_valid_masked_name_cohort_dates_hours_issuer_and_nothing_more(issued, client):
    f, certs = issued
    cert = certs[0]
    response = client.get(f"/certificates/v/{cert.verification_token}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "有效" in page and cert.serial in page
    name = cert.trainee.name
    assert name not in page and (name[0] + "*" * (len(name) - 2) + name[-1]) in page
    assert f.cohort.name.replace("“", "&#34;") in page or "青蓝接力" in page
    assert "2025年5月9日—6月27日" in page and "4 学时" in page and "天目西路街道党建办" in page
    assert cert.trainee.phone not in page and "第一组" not in page


def test_typing_the_serial_finds_it_whatever_the_case_and_dashes(issued, client):
    f, certs = issued
    typed = certs[1].serial.lower().replace("-", "－")
    page = client.get("/certificates/verify", query_string={"serial": typed}).get_data(as_text=True)
    assert "有效" in page and certs[1].serial in page


def test_revoked_and_replaced_certificates_say_so(issued, client):
    f, certs = issued
    with writing():
        services.revoke(f.cohort, certs[0].id, "弄虚作假")
    with writing():
        new = services.reissue(f.cohort, certs[1].id, "姓名有误")
    revoked = client.get(f"/certificates/v/{certs[0].verification_token}").get_data(as_text=True)
    assert "已撤销" in revoked and "弄虚作假" not in revoked  # the reason stays internal
    replaced = client.get("/certificates/verify", query_string={"serial": certs[1].serial}).get_data(
        as_text=True
    )
    assert "已更换" in replaced and new.serial in replaced and "姓名有误" not in replaced


def _answer(page: str) -> str:
    start = page.index("<h1")
    return page[start : page.index("<form", start)]


def test_a_serial_that_never_existed_and_a_mistyped_one_get_the_same_answer(issued, client):
    f, certs = issued
    never = client.get("/certificates/verify", query_string={"serial": "NOPE2025-2025-001"})
    mistyped = client.get("/certificates/verify", query_string={"serial": certs[0].serial[:-1] + "9"})
    garbage = client.get("/certificates/verify", query_string={"serial": "<script>alert(1)</script>"})
    assert never.status_code == mistyped.status_code == garbage.status_code == 200
    assert _answer(never.get_data(as_text=True)) == _answer(mistyped.get_data(as_text=True))
    assert _answer(never.get_data(as_text=True)) == _answer(garbage.get_data(as_text=True))
    assert "未找到该证书" in never.get_data(as_text=True)


@pytest.mark.parametrize("token", ["x", "A" * 65, "..%2F..%2Fetc", "%00" * 10, "é" * 20, "Z" * 32])
def test_a_token_of_the_wrong_shape_or_unknown_is_the_same_not_found(issued, client, token):
    response = client.get(f"/certificates/v/{token}")
    assert response.status_code == 404 or (response.status_code == 400 and "%00" in token)
    if response.status_code == 404:
        assert "未找到该证书" in response.get_data(as_text=True)


def test_an_empty_serial_asks_for_one(client):
    page = client.get("/certificates/verify", query_string={"serial": " "}).get_data(as_text=True)
    assert "请输入证书编号" in page


def test_the_page_needs_no_login_and_is_limited_per_client_address(issued, client, app, monkeypatch):
    monkeypatch.setitem(app.config, "CERTIFICATE_VERIFY_RATE_LIMIT", "5 per minute")
    f, certs = issued
    codes = [
        client.get("/certificates/verify", query_string={"serial": f"GUESS-{i:03d}"}).status_code
        for i in range(6)
    ]
    assert codes == [200] * 5 + [429]
    # Another address is not held up by the first one's guesses.
    other = client.get("/certificates/verify", environ_overrides={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200
