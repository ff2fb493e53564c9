"""The sign-in page's lean WSGI path (cadre/signin/views_lean.py) against the Flask view.

The lean path answers the common case (a logged-in trainee opens a valid QR, taps once)
and hands everything else to the view. These tests hold it to three promises: its
answers are the view's (body, status, headers, cookies, record, audit event); every case
that is not the common one reaches the view; a tap it counted and handed on counts once.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from cadre.extensions import db
from cadre.models import AuditEvent, Role, SuspectedProxySignIn, User
from cadre.models.types import utcnow
from cadre.signin import services
from tests.factories import PASSWORD, login, make_cohort, make_session, make_trainee_user, make_user
from tests.test_signin_flow import records, ticket_of, token_for


@contextmanager
def view_calls(app):
    """The sign-in requests Flask answered (its hooks or the view); the lean path answered the others."""
    from cadre.signin.views_lean import LeanSignIn

    lean = app.wsgi_app
    while not isinstance(lean, LeanSignIn):
        lean = lean.app  # inside ProxyFix when TRUSTED_PROXIES is set
    calls: list[str] = []
    flask_app = lean.wsgi_app

    def recorder(environ, start_response):
        if environ["PATH_INFO"].startswith("/s/"):
            calls.append(environ["REQUEST_METHOD"])
        return flask_app(environ, start_response)

    lean.wsgi_app = recorder
    try:
        yield calls
    finally:
        lean.wsgi_app = flask_app


def normalized(response) -> str:
    """A page with what differs between two requests blanked: signed values, times."""
    body = response.get_data(as_text=True)
    body = re.sub(r'(name="(?:csrf_token|ticket)" type="hidden" value=")[^"]+', r"\1…", body)
    return re.sub(r"\d\d:\d\d", "hh:mm", body)


def headers_of(response) -> list[tuple[str, str]]:
    """Headers with each cookie's value and expiry blanked (its name and attributes kept)."""
    out = []
    for name, value in response.headers:
        if name == "Set-Cookie":
            value = re.sub(r"=[^;]*", "=…", value, count=1)
            value = re.sub(r"Expires=[^;]*", "Expires=…", value)
        out.append((name, value))
    return out


def twin_trainees(cohort, n=2):
    """Trainees who look alike on the page (same name), each with a phone."""
    return [make_trainee_user(cohort, name="陈思远") for _ in range(n)]


def open_and_tap(client, session):
    token = token_for(session)
    page = client.get(f"/s/{token}")
    return page, client.post(f"/s/{token}", data={"ticket": ticket_of(page)})


@pytest.mark.parametrize("lang", [None, "en"])
def test_the_page_and_the_tap_are_the_views_own_without_the_view(app, cohort, live, lang):
    answers = {}
    for lean, user in zip((False, True), twin_trainees(cohort), strict=True):
        app.config["SIGNIN_LEAN_PATH"] = lean
        client = app.test_client()
        login(client, user.username)
        if lang:
            with client.session_transaction() as session:
                session["lang"] = lang
        with view_calls(app) as calls:
            page, result = open_and_tap(client, live)
        assert calls == ([] if lean else ["GET", "POST"])
        answers[lean] = (page, result)
    app.config["SIGNIN_LEAN_PATH"] = True
    for view, lean in zip(answers[False], answers[True], strict=True):
        assert (lean.status_code, normalized(lean), headers_of(lean)) == (
            view.status_code,
            normalized(view),
            headers_of(view),
        )
    assert ("Sign-in" if lang else "签到成功") in answers[True][1].get_data(as_text=True)
    assert len(records(live)) == 2


def test_the_lean_tap_writes_the_record_and_audit_event_the_view_writes(client, cohort, live):
    user = make_trainee_user(cohort)
    login(client, user.username)
    with view_calls(client.application) as calls:
        _page, result = open_and_tap(client, live)
    assert calls == [] and "签到成功" in result.get_data(as_text=True)
    [record] = records(live)
    assert record.trainee_id == user.trainee_id and record.signed_in_at is not None
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "attendance.signed_in")).one()
    assert (event.actor_id, event.ip, event.object_id) == (user.id, "127.0.0.1", record.id)
    assert event.after["device"] and event.after["method"] == "qr"
    # A second tap (the same phone) says when the first was, and writes nothing more.
    with view_calls(client.application) as calls:
        _page, again = open_and_tap(client, live)
    assert calls == [] and "无需重复签到" in again.get_data(as_text=True)
    assert len(records(live)) == 1


def _flash(client):
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "已切换语言。")]


def _other_browser(client):
    client.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (another phone)"


def _must_change(client):
    user_id = int(client.get_cookie("session") and _session_user(client))
    db.session.execute(update(User).where(User.id == user_id).values(must_change_password=True))
    db.session.commit()


def _session_user(client):
    with client.session_transaction() as session:
        return session["_user_id"].split(":")[0]


def _session_cookie_dropped(client):
    client.delete_cookie("session")  # WeChat closed: the remember-me cookie logs in again


@pytest.mark.parametrize(
    "setup",
    [_flash, _other_browser, _must_change, _session_cookie_dropped],
    ids=["flashed-message", "session-protection", "must-change-password", "remember-me-only"],
)
def test_a_page_with_something_else_to_do_is_the_views(client, cohort, live, setup):
    user = make_trainee_user(cohort)
    login(client, user.username)
    setup(client)
    with view_calls(client.application) as calls:
        page = client.get(f"/s/{token_for(live)}")
    assert calls == ["GET"]
    assert page.status_code in (200, 302)


def test_a_token_the_view_would_refuse_or_forgive_is_the_views(client, cohort, live):
    login(client, make_trainee_user(cohort).username)
    expired = token_for(live, at=utcnow() - timedelta(seconds=90))
    with view_calls(client.application) as calls:
        assert "签到码已过期" in client.get(f"/s/{expired}").get_data(as_text=True)
        assert client.get("/s/forged-token").status_code == 400
        assert (
            client.get(f"/s/{token_for(live, purpose='out')}").status_code == 200
        )  # sign-out page: read-only
    assert calls == ["GET", "GET"]


def test_not_logged_in_and_staff_are_the_views(client, cohort, live):
    token = token_for(live)
    with view_calls(client.application) as calls:
        assert client.get(f"/s/{token}").status_code == 302  # to the login page
        login(client, "teacher")
        assert client.get(f"/s/{token}").status_code == 403
    assert calls == ["GET", "GET"]


def test_a_second_trainee_on_the_same_phone_is_flagged_by_the_view(client, cohort, live):
    first, second = make_trainee_user(cohort), make_trainee_user(cohort)
    login(client, first.username)
    open_and_tap(client, live)
    client.get("/auth/logout")
    client.post("/auth/logout")
    login(client, second.username)
    with view_calls(client.application) as calls:
        _page, result = open_and_tap(client, live)
    assert calls == ["POST"]  # the page was lean; the suspected proxy is the view's
    assert result.status_code == 409
    assert len(records(live)) == 1
    assert db.session.scalar(select(SuspectedProxySignIn.trainee_id)) == second.trainee_id


def test_a_tap_handed_on_to_the_view_counts_once(app, client, cohort, live, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNIN_RATE_LIMIT", "3 per minute")
    login(client, make_trainee_user(cohort).username)
    token = token_for(live)
    with view_calls(app) as calls:
        # Two taps with a stale ticket: counted by the lean path, answered by the view.
        for _ in range(2):
            assert client.post(f"/s/{token}", data={"ticket": "stale"}).status_code == 400
        assert calls == ["POST", "POST"]
        # The third tap is within the limit only if each of those counted once.
        page = client.get(f"/s/{token}")
        assert "签到成功" in client.post(f"/s/{token}", data={"ticket": ticket_of(page)}).get_data(
            as_text=True
        )
        refused = client.post(f"/s/{token}", data={"ticket": ticket_of(page)})
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert len(records(live)) == 1


@pytest.mark.parametrize("change", ["withdrawn", "archived", "cancelled"])
def test_the_checks_run_inside_the_write_so_a_change_just_committed_refuses(file_app, monkeypatch, change):
    """An organizer's change commits after the page was opened, just before the tap's write begins."""
    from sqlalchemy import text

    from cadre import db_util
    from tests.test_signin_concurrency import records as committed_records
    from tests.test_signin_concurrency import ticket_page

    cohort = make_cohort(organizers=[make_user(Role.ORGANIZER)])
    session = make_session(cohort, starts_at=utcnow() - timedelta(minutes=5))
    user = make_trainee_user(cohort)
    ids = {"session": session.id, "cohort": cohort.id, "trainee": user.trainee_id}
    phone = file_app.test_client()
    login(phone, user.username)
    token = token_for(session)
    ticket = ticket_page(phone, token)
    statements = {
        "withdrawn": "UPDATE enrollments SET status = 'withdrawn' WHERE trainee_id = :trainee",
        "archived": "UPDATE cohorts SET archived_at = CURRENT_TIMESTAMP WHERE id = :cohort",
        "cancelled": "UPDATE training_sessions SET cancelled_at = CURRENT_TIMESTAMP WHERE id = :session",
    }
    begin = db_util.begin

    def someone_else_commits_then_begin(connection):  # write_transaction's first step
        with db.engine.begin() as other:  # another request's connection
            assert other.execute(text(statements[change]), ids).rowcount == 1
        begin(connection)

    monkeypatch.setattr(db_util, "begin", someone_else_commits_then_begin)
    with view_calls(file_app) as calls:
        tap = phone.post(f"/s/{token}", data={"ticket": ticket})
    assert calls == ["POST"]  # refused inside the lean write, worded by the view
    assert tap.status_code in (400, 404), tap.get_data(as_text=True)
    assert committed_records(ids["session"]) == []


def test_a_fault_in_the_lean_path_costs_the_trainee_nothing(client, cohort, live, monkeypatch):
    login(client, make_trainee_user(cohort).username)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(services, "sign_in_within_write", broken)
    with view_calls(client.application) as calls:
        _page, result = open_and_tap(client, live)
    assert calls == ["POST"] and "签到成功" in result.get_data(as_text=True)
    assert len(records(live)) == 1


def test_old_secret_keys_kept_for_cookies_do_not_send_every_tap_to_the_view(
    app, client, cohort, live, monkeypatch
):
    # Flask 3.1's SECRET_KEY_FALLBACKS is a list: the lean path still answers, with the same signer.
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", ["an-old-secret"])
    login(client, make_trainee_user(cohort).username)
    with view_calls(app) as calls:
        _page, result = open_and_tap(client, live)
    assert calls == [] and "签到成功" in result.get_data(as_text=True)


def test_a_body_that_is_not_the_small_form_is_the_views(client, cohort, live):
    login(client, make_trainee_user(cohort).username)
    token = token_for(live)
    page = client.get(f"/s/{token}")
    with view_calls(client.application) as calls:
        big = client.post(f"/s/{token}", data={"ticket": ticket_of(page), "pad": "x" * 5000})
        assert "签到成功" in big.get_data(as_text=True)
        assert client.post(f"/s/{token}", data={"ticket": "x\x00"}).status_code == 400
    assert calls == ["POST", "POST"]
    assert len(records(live)) == 1


def test_behind_the_proxy_it_sees_the_phones_address_and_https(proxied_app):
    """Installed inside ProxyFix: the audit event has the phone's address, not nginx's."""
    cohort = make_cohort(organizers=[make_user(Role.ORGANIZER)])
    session = make_session(cohort, starts_at=utcnow() - timedelta(minutes=5))
    user = make_trainee_user(cohort)
    phone = proxied_app.test_client()
    phone.environ_base.update(HTTP_X_FORWARDED_FOR="10.1.2.3", HTTP_X_FORWARDED_PROTO="https")
    login(phone, user.username)
    with view_calls(proxied_app) as calls:
        _page, result = open_and_tap(phone, session)
    assert calls == [] and "签到成功" in result.get_data(as_text=True)
    db.session.rollback()
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "attendance.signed_in")).one()
    assert (event.actor_id, event.ip) == (user.id, "10.1.2.3")


class TestWithCsrf:
    @pytest.fixture(autouse=True)
    def csrf_on(self, app, monkeypatch):
        monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    @staticmethod
    def csrf(page) -> str:
        return re.search(
            r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)
        ).group(1)

    def _logged_in(self, app, cohort):
        client = app.test_client()
        page = client.get("/auth/login")
        user = make_trainee_user(cohort)
        client.post(
            "/auth/login",
            data={"csrf_token": self.csrf(page), "username": user.username, "password": PASSWORD},
        )
        return client

    def test_a_valid_token_is_checked_and_answered_lean(self, app, cohort, live):
        client = self._logged_in(app, cohort)
        token = token_for(live)
        with view_calls(app) as calls:
            page = client.get(f"/s/{token}")
            fields = {"csrf_token": self.csrf(page), "ticket": ticket_of(page)}
            assert "签到成功" in client.post(f"/s/{token}", data=fields).get_data(as_text=True)
        assert calls == []

    @pytest.mark.parametrize("csrf", [None, "forged", "other-session"])
    def test_a_missing_or_wrong_token_is_refused_by_the_view(self, app, cohort, live, csrf):
        client = self._logged_in(app, cohort)
        token = token_for(live)
        page = client.get(f"/s/{token}")
        fields = {"ticket": ticket_of(page)}
        if csrf == "forged":
            fields["csrf_token"] = self.csrf(page)[:-4] + "AAAA"
        elif csrf == "other-session":
            other = self._logged_in(app, cohort)
            fields["csrf_token"] = self.csrf(other.get(f"/s/{token}"))
        with view_calls(app) as calls:
            refused = client.post(f"/s/{token}", data=fields)
        assert calls == ["POST"] and refused.status_code == 400
        assert records(live) == []

    @pytest.mark.parametrize(
        ("referrer", "lean"),
        [("https://localhost/s/x", True), (None, False), ("https://evil.example/s/x", False)],
    )
    def test_over_https_the_referrer_is_checked_as_csrfprotect_checks_it(
        self, app, cohort, live, referrer, lean
    ):
        client = self._logged_in(app, cohort)
        token = token_for(live)
        page = client.get(f"/s/{token}")
        fields = {"csrf_token": self.csrf(page), "ticket": ticket_of(page)}
        headers = {"Referer": referrer} if referrer else {}
        with view_calls(app) as calls:
            answer = client.post(f"/s/{token}", data=fields, base_url="https://localhost", headers=headers)
        if lean:  # the production case: HTTPS behind the proxy, the phone's own page as referrer
            assert calls == [] and "签到成功" in answer.get_data(as_text=True)
            assert len(records(live)) == 1
        else:
            assert calls == ["POST"] and answer.status_code == 400
            assert records(live) == []
