"""Attacks on the sign-in page's lean WSGI path (cadre/signin/views_lean.py).

A hostile trainee (or whoever holds a phone) edits or forges the session cookie, posts
tickets and CSRF tokens that are not this page's, changes headers, sends odd bodies,
methods and paths, taps too often or twice at once. Whatever the lean path does, the
Flask view (signin.views.form) must be what it imitates: the same status and page for
the same request, no attendance record, suspected-proxy row or audit event the view
would not write, one rate-limit count per tap. Most tests send one request for two
look-alike trainees, once through the view (SIGNIN_LEAN_PATH off) and once through the
lean path, and compare the answers.
"""

from __future__ import annotations

import difflib
import io
import re
from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from cadre.enums import AttendanceStatus, EnrollmentStatus, SignInMethod
from cadre.extensions import db
from cadre.models import AttendanceRecord, AuditEvent, Enrollment, Role, SuspectedProxySignIn
from cadre.models.types import utcnow
from cadre.rules.signin_tokens import new_device_cookie
from cadre.signin import views as signin_views
from tests.factories import PASSWORD, login, make_cohort, make_session, make_trainee_user, make_user
from tests.test_signin_flow import ticket_of, token_for
from tests.test_signin_lean_wsgi import headers_of, normalized, view_calls

FORM = "application/x-www-form-urlencoded"
NAME = "陈思远"  # twins look alike on the page: the same name


# --------------------------------------------------------------------------- helpers


def records(session=None) -> list[AttendanceRecord]:
    db.session.expire_all()
    query = select(AttendanceRecord)
    if session is not None:
        query = query.where(AttendanceRecord.session_id == session.id)
    return list(db.session.scalars(query))


def events(action: str = "attendance.signed_in") -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def suspects() -> list[SuspectedProxySignIn]:
    return list(db.session.scalars(select(SuspectedProxySignIn)))


def phone_of(app, user, **environ):
    """A phone (test client) on which `user` logged in, with these WSGI environ values on every request."""
    phone = app.test_client()
    phone.environ_base.update(environ)
    login(phone, user.username)
    return phone


def ticket_for(app, user_id: int, session_id: int, purpose: str = "in") -> str:
    with app.test_request_context():
        return signin_views._tickets().dumps({"s": session_id, "p": purpose, "u": user_id})  # noqa: SLF001


def opened(phone, session) -> tuple[str, str]:
    """The QR token and the confirm page's ticket, as a phone gets them by scanning."""
    token = token_for(session)
    page = phone.get(f"/s/{token}")
    assert page.status_code == 200, page.get_data(as_text=True)
    return token, ticket_of(page)


def tap_in(session):
    """The act of `both_paths`: scan the QR of `session`, tap once."""

    def tap(phone, user):
        token, ticket = opened(phone, session)
        return phone.post(f"/s/{token}", data={"ticket": ticket})

    return tap


def twins(cohort, n: int = 2):
    return [make_trainee_user(cohort, name=NAME) for _ in range(n)]


def both_paths(app, monkeypatch, users, act, *, phone=phone_of):
    """act(phone, user) for users[0] through the view, for users[1] through the lean path.

    [(view answer, Flask's calls), (lean answer, Flask's calls)].
    """
    answers = []
    for lean, user in zip((False, True), users, strict=True):
        monkeypatch.setitem(app.config, "SIGNIN_LEAN_PATH", lean)
        device = phone(app, user)
        with view_calls(app) as calls:
            response = act(device, user)
        answers.append((response, list(calls)))
    monkeypatch.setitem(app.config, "SIGNIN_LEAN_PATH", True)
    return answers


def page_of(response) -> str:
    """The page with signed values and times blanked (also the CSRF fields of the full layout's forms)."""
    return re.sub(r'(name="csrf_token" value=")[^"]+', r"\1…", normalized(response))


def assert_same_answer(view, lean) -> None:
    """The same status and page; a failure shows the lines that differ."""
    diff = "\n".join(
        difflib.unified_diff(
            page_of(view).splitlines(), page_of(lean).splitlines(), "view", "lean", lineterm="", n=1
        )
    )
    assert (lean.status_code, diff) == (view.status_code, "")


def asked_to_log_in(response) -> bool:
    return response.status_code == 302 and "/auth/login" in response.headers["Location"]


def session_data(phone) -> dict:
    with phone.session_transaction() as sess:
        return dict(sess)


# --------------------------------------------------------------------------- forged session cookies


def _signed_with(secret: str, data: dict) -> str:
    """A session cookie value as Flask signs it, with another key."""
    forger = Flask("forger")
    forger.secret_key = secret
    return forger.session_interface.get_signing_serializer(forger).dumps(data)


@pytest.mark.parametrize("forgery", ["another_key", "payload_of_another_user", "past_its_lifetime"])
def test_a_forged_or_stale_session_cookie_signs_nobody_in(app, cohort, live, monkeypatch, forgery):
    me, victim = make_trainee_user(cohort), make_trainee_user(cohort)
    mine, theirs = phone_of(app, me), phone_of(app, victim)
    cookie = mine.get_cookie("session").value
    if forgery == "another_key":
        # The victim's own session values, signed with a guessed key: no login.
        value = _signed_with("dev-only-change-me", session_data(theirs))
    elif forgery == "payload_of_another_user":
        # The victim's payload grafted onto my cookie's timestamp and signature.
        value = (
            theirs.get_cookie("session").value.rsplit(".", 2)[0] + "." + ".".join(cookie.rsplit(".", 2)[1:])
        )
    else:
        value = cookie
        monkeypatch.setitem(app.config, "PERMANENT_SESSION_LIFETIME", timedelta(seconds=-1))
    thief = app.test_client()
    thief.set_cookie("session", value)
    token = token_for(live)
    ticket = ticket_for(app, victim.id if forgery != "past_its_lifetime" else me.id, live.id)
    with view_calls(app) as calls:
        assert asked_to_log_in(thief.get(f"/s/{token}"))
        assert asked_to_log_in(thief.post(f"/s/{token}", data={"ticket": ticket}))
    assert calls == ["GET", "POST"]  # the view decided: not logged in
    assert records() == [] and events() == []


# --------------------------------------------------------------------------- tickets that are not this page's


def _hostile_ticket(app, case, user, live, cohort):
    if case == "another_trainees":
        return ticket_for(app, make_trainee_user(cohort).id, live.id)
    if case == "another_cohorts_session":
        return ticket_for(app, user.id, make_session(make_cohort(), starts_at=live.starts_at).id)
    if case == "sign_out_before_signing_in":
        return ticket_for(app, user.id, live.id, "out")
    if case == "foreign_purpose":
        with app.test_request_context():
            return signin_views._tickets().dumps({"s": live.id, "p": "admin", "u": user.id})  # noqa: SLF001
    if case == "edited_signature":
        return ticket_for(app, user.id, live.id)[:-3] + "AAA"
    raise AssertionError(case)


@pytest.mark.parametrize(
    "case",
    [
        "another_trainees",
        "another_cohorts_session",
        "sign_out_before_signing_in",
        "foreign_purpose",
        "edited_signature",
    ],
)
def test_a_ticket_that_is_not_this_trainees_sign_in_is_refused_as_the_view_refuses_it(
    app, cohort, live, monkeypatch, case
):
    def tap(phone, user):
        return phone.post(
            f"/s/{token_for(live)}", data={"ticket": _hostile_ticket(app, case, user, live, cohort)}
        )

    (view, _), (lean, lean_calls) = both_paths(app, monkeypatch, twins(cohort), tap)
    assert view.status_code == 400
    assert_same_answer(view, lean)
    assert lean_calls == ["POST"]  # refused by the view, not by a lean imitation
    assert records() == [] and events() == [] and events("attendance.signed_out") == []


def test_the_ticket_not_the_qr_in_the_address_says_which_session_as_in_the_view(
    app, cohort, live, monkeypatch
):
    """A ticket of session Y posted to the address of session X's QR signs in to Y, in both paths."""
    other = make_session(cohort, starts_at=utcnow() - timedelta(minutes=3), title="另一讲座")

    def tap(phone, user):
        _token, ticket = opened(phone, other)
        return phone.post(f"/s/{token_for(live)}", data={"ticket": ticket})

    (view, _), (lean, lean_calls) = both_paths(app, monkeypatch, twins(cohort), tap)
    assert view.status_code == 200 and "另一讲座" in view.get_data(as_text=True)
    assert_same_answer(view, lean)
    assert lean_calls == []
    assert records(live) == [] and len(records(other)) == 2


def test_an_expired_ticket_is_refused_as_the_view_refuses_it(app, cohort, live, monkeypatch):
    def tap(phone, user):
        token, ticket = opened(phone, live)
        monkeypatch.setitem(app.config, "SIGNIN_TICKET_SECONDS", -1)
        try:
            return phone.post(f"/s/{token}", data={"ticket": ticket})
        finally:
            monkeypatch.setitem(app.config, "SIGNIN_TICKET_SECONDS", 300)

    (view, _), (lean, _) = both_paths(app, monkeypatch, twins(cohort), tap)
    assert view.status_code == 400 and "签到页面已过期" in view.get_data(as_text=True)
    assert_same_answer(view, lean)
    assert records() == [] and events() == []


# --------------------------------------------------------------------------- who may sign in, and when


@pytest.mark.parametrize(
    "case", ["withdrawn", "archived", "cancelled", "not_open_yet", "closed", "not_enrolled", "marked_absent"]
)
def test_a_refused_sign_in_gets_the_views_status_and_message_and_writes_nothing(
    app, cohort, monkeypatch, case
):
    starts = {
        "not_open_yet": utcnow() + timedelta(hours=2),
        "closed": utcnow() - timedelta(hours=3),
    }.get(case, utcnow() - timedelta(minutes=5))
    session = make_session(cohort, starts_at=starts, cancelled_at=utcnow() if case == "cancelled" else None)
    users = [make_trainee_user(None if case == "not_enrolled" else cohort, name=NAME) for _ in range(2)]
    trainee_ids = [u.trainee_id for u in users]
    if case == "withdrawn":
        db.session.execute(
            update(Enrollment)
            .where(Enrollment.trainee_id.in_(trainee_ids))
            .values(status=EnrollmentStatus.WITHDRAWN)
        )
    elif case == "archived":
        cohort.archived_at = utcnow()
    elif case == "marked_absent":
        for trainee_id in trainee_ids:  # the organizer's roll call said absent
            db.session.add(
                AttendanceRecord(
                    session_id=session.id,
                    trainee_id=trainee_id,
                    status=AttendanceStatus.ABSENT,
                    method=SignInMethod.ROLL_CALL,
                )
            )
    db.session.commit()
    before = {(r.trainee_id, r.status, r.signed_in_at) for r in records(session)}

    tap = tap_in(session)

    (view, _), (lean, lean_calls) = both_paths(app, monkeypatch, users, tap)
    assert view.status_code in (400, 404), view.get_data(as_text=True)
    assert_same_answer(view, lean)
    assert lean_calls == ["POST"]
    assert {(r.trainee_id, r.status, r.signed_in_at) for r in records(session)} == before
    assert events() == [] and suspects() == []


def test_the_qr_of_a_deleted_session_is_the_views_not_found(app, cohort, monkeypatch):
    session = make_session(cohort, starts_at=utcnow() - timedelta(minutes=5))
    token = token_for(session)  # still on the projector's screen, or in a photo of it
    db.session.delete(session)
    db.session.commit()

    (view, _), (lean, lean_calls) = both_paths(
        app, monkeypatch, twins(cohort), lambda p, u: p.get(f"/s/{token}")
    )
    assert view.status_code == 404 and "找不到这次课程" in view.get_data(as_text=True)
    assert_same_answer(view, lean)
    assert lean_calls == ["GET"]


# --------------------------------------------------------------------------- session protection


@pytest.mark.parametrize("mode", ["basic", "strong"])
@pytest.mark.parametrize(
    "moved",
    [
        {"headers": {"User-Agent": "MicroMessenger/8.0 (another phone)"}},
        {"headers": {"X-Forwarded-For": "10.9.8.7"}},
        {"environ_overrides": {"REMOTE_ADDR": "10.1.2.3"}},
    ],
    ids=["user-agent", "x-forwarded-for", "remote-addr"],
)
def test_a_cookie_moved_to_another_browser_or_address_is_what_flask_login_says(
    app, cohort, live, monkeypatch, mode, moved
):
    """Session protection "basic": logged in, no longer fresh; "strong": logged out. As the view says."""
    monkeypatch.setitem(app.config, "SESSION_PROTECTION", mode)
    after: list[dict] = []

    def tap(phone, user):
        token, ticket = opened(phone, live)
        response = phone.post(f"/s/{token}", data={"ticket": ticket}, **moved)
        after.append(session_data(phone))
        return response

    (view, _), (lean, lean_calls) = both_paths(app, monkeypatch, twins(cohort), tap)
    assert_same_answer(view, lean)
    assert lean_calls[-1:] == ["POST"]  # the tap: Flask-Login's own check marks or clears the session
    if mode == "basic":
        assert view.status_code == 200 and len(records(live)) == 2
        assert [s.get("_fresh") for s in after] == [False, False]
    else:
        assert asked_to_log_in(view) and records(live) == []
        assert ["_user_id" in s for s in after] == [False, False]


# --------------------------------------------------------------------------- CSRF switched on


def _csrf_of(page) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def csrf_phone(app, user):
    phone = app.test_client()
    page = phone.get("/auth/login")
    phone.post(
        "/auth/login", data={"csrf_token": _csrf_of(page), "username": user.username, "password": PASSWORD}
    )
    return phone


class TestWithCsrf:
    @pytest.fixture(autouse=True)
    def csrf_on(self, app, monkeypatch):
        monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    @staticmethod
    def opened_with_csrf(phone, session):
        token = token_for(session)
        page = phone.get(f"/s/{token}")
        assert page.status_code == 200, page.get_data(as_text=True)
        return token, ticket_of(page), _csrf_of(page)

    def test_an_expired_csrf_token_is_refused_and_costs_no_tap(self, app, cohort, live, monkeypatch):
        monkeypatch.setitem(app.config, "SIGNIN_RATE_LIMIT", "1 per minute")

        def tap(phone, user):
            token, ticket, csrf = self.opened_with_csrf(phone, live)
            monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", -1)  # every token is past its time
            refused = phone.post(f"/s/{token}", data={"csrf_token": csrf, "ticket": ticket})
            monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", 3600)
            assert [r for r in records(live) if r.trainee_id == user.trainee_id] == []
            # The refused tap was not counted: the one tap the limit allows still signs in.
            return refused, phone.post(f"/s/{token}", data={"csrf_token": csrf, "ticket": ticket})

        (view, _), (lean, _) = both_paths(app, monkeypatch, twins(cohort), tap, phone=csrf_phone)
        assert view[0].status_code == 400 and view[1].status_code == 200
        for view_answer, lean_answer in zip(view, lean, strict=True):
            assert_same_answer(view_answer, lean_answer)
        assert len(records(live)) == 2

    @pytest.mark.parametrize("first", ["genuine", "junk"])
    def test_a_csrf_token_given_twice_is_read_as_werkzeug_reads_it(
        self, app, cohort, live, monkeypatch, first
    ):
        def tap(phone, user):
            token, ticket, csrf = self.opened_with_csrf(phone, live)
            pair = [csrf, "junk." + csrf[5:]] if first == "genuine" else ["junk." + csrf[5:], csrf]
            body = urlencode([("csrf_token", pair[0]), ("csrf_token", pair[1]), ("ticket", ticket)])
            return phone.post(f"/s/{token}", data=body, content_type=FORM)

        (view, _), (lean, _) = both_paths(app, monkeypatch, twins(cohort), tap, phone=csrf_phone)
        assert view.status_code == (200 if first == "genuine" else 400)
        assert_same_answer(view, lean)
        assert len(records(live)) == (2 if first == "genuine" else 0)

    def test_a_csrf_token_in_the_header_is_accepted_as_flask_wtf_accepts_it(
        self, app, cohort, live, monkeypatch
    ):
        def tap(phone, user):
            token, ticket, csrf = self.opened_with_csrf(phone, live)
            return phone.post(f"/s/{token}", data={"ticket": ticket}, headers={"X-CSRFToken": csrf})

        (view, _), (lean, lean_calls) = both_paths(app, monkeypatch, twins(cohort), tap, phone=csrf_phone)
        assert view.status_code == 200
        assert_same_answer(view, lean)
        assert lean_calls == ["POST"]
        assert len(records(live)) == 2

    def test_my_csrf_token_with_someone_elses_cookie_is_refused(self, app, cohort, live):
        """An attacker's own (valid) CSRF token and ticket, posted with a victim's session cookie."""
        attacker, victim = (
            csrf_phone(app, make_trainee_user(cohort)),
            csrf_phone(app, make_trainee_user(cohort)),
        )
        _token, _ticket, csrf = self.opened_with_csrf(attacker, live)
        token, ticket, _csrf = self.opened_with_csrf(victim, live)
        with view_calls(app) as calls:
            refused = victim.post(f"/s/{token}", data={"csrf_token": csrf, "ticket": ticket})
        assert refused.status_code == 400 and calls == ["POST"]
        assert records(live) == [] and events() == []

    @pytest.mark.parametrize(
        ("host", "referrer"),
        [
            ("localhost", "https://localhost/s/x"),
            ("localhost", None),
            ("localhost", "https://evil.example/s/x"),
            ("localhost", "http://localhost/s/x"),  # the same site over plain HTTP
            ("localhost", "https://localhost.evil.example/"),
            ("localhost", "https://localhost@evil.example/"),
            ("localhost", "https://evil.example@localhost/"),
            ("localhost", "https://LOCALHOST/"),
            ("localhost", "https://localhost:443/"),
            ("localhost", "https://localhost:8443/"),
            ("localhost", "//localhost/"),
            ("localhost:443", "https://localhost/"),
            ("localhost:8443", "https://localhost:8443/"),
            ("localhost:8443", "https://localhost/"),
        ],
    )
    def test_over_https_the_referrer_is_judged_as_csrfprotect_judges_it(
        self, app, cohort, live, monkeypatch, host, referrer
    ):
        """Over HTTPS CSRFProtect also wants a referrer of this very host: the lean check must agree."""

        def tap(phone, user):
            token, ticket, csrf = self.opened_with_csrf(phone, live)
            return phone.post(
                f"/s/{token}",
                data={"csrf_token": csrf, "ticket": ticket},
                base_url=f"https://{host}",  # the Host header
                headers={"Referer": referrer} if referrer else {},
            )

        (view, _), (lean, lean_calls) = both_paths(app, monkeypatch, twins(cohort), tap, phone=csrf_phone)
        assert view.status_code in (200, 400)
        assert_same_answer(view, lean)
        assert len(records(live)) == (2 if view.status_code == 200 else 0)
        if view.status_code == 400:
            assert lean_calls == ["POST"]  # refused by CSRFProtect itself


# --------------------------------------------------------------------------- odd bodies and fields


def _multipart(phone, token, ticket):
    return phone.post(f"/s/{token}", data={"ticket": ticket, "note": (io.BytesIO(b"x"), "a.txt")})


def _json(phone, token, ticket):
    return phone.post(f"/s/{token}", json={"ticket": ticket})


def _chunked(phone, token, ticket):
    return phone.post(
        f"/s/{token}",
        input_stream=io.BytesIO(f"ticket={ticket}".encode()),
        content_type=FORM,
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def _huge(phone, token, ticket):
    return phone.post(f"/s/{token}", data={"ticket": ticket, "pad": "x" * 20_000})


def _charset(phone, token, ticket):
    return phone.post(f"/s/{token}", data=f"ticket={ticket}", content_type=f"{FORM}; charset=UTF-8")


def _plain_text(phone, token, ticket):
    return phone.post(f"/s/{token}", data=f"ticket={ticket}", content_type="text/plain")


def _empty(phone, token, ticket):
    return phone.post(f"/s/{token}", data="", content_type=FORM)


@pytest.mark.parametrize(
    "send", [_multipart, _json, _chunked, _huge, _charset, _plain_text, _empty], ids=lambda f: f.__name__[1:]
)
def test_a_body_of_another_shape_is_answered_as_the_view_answers_it(app, cohort, live, monkeypatch, send):
    def tap(phone, user):
        token, ticket = opened(phone, live)
        return send(phone, token, ticket)

    (view, _), (lean, _) = both_paths(app, monkeypatch, twins(cohort), tap)
    assert_same_answer(view, lean)
    signed = view.status_code == 200
    assert len(records(live)) == (2 if signed else 0)
    assert len(events()) == len(records(live))


@pytest.mark.parametrize(
    ("fields", "signs_in"),
    [
        (lambda t: [("ticket", t), ("ticket", "junk")], True),
        (lambda t: [("ticket", "junk"), ("ticket", t)], False),
        (lambda t: [("ticket", ""), ("ticket", t)], False),
        (lambda t: [("tick%65t", t)], True),  # a percent-encoded field name is still the field
    ],
    ids=["genuine-first", "junk-first", "empty-first", "encoded-name"],
)
def test_form_fields_are_read_as_werkzeug_reads_them(app, cohort, live, monkeypatch, fields, signs_in):
    def tap(phone, user):
        token, ticket = opened(phone, live)
        body = "&".join(f"{name}={quote(value, safe='')}" for name, value in fields(ticket))
        return phone.post(f"/s/{token}", data=body, content_type=FORM)

    (view, _), (lean, _) = both_paths(app, monkeypatch, twins(cohort), tap)
    assert view.status_code == (200 if signs_in else 400)
    assert_same_answer(view, lean)
    assert len(records(live)) == (2 if signs_in else 0)


# --------------------------------------------------------------------------- odd paths and methods


def test_a_percent_encoded_qr_address_is_the_same_page_and_tap(app, cohort, live, monkeypatch):
    def scan(phone, user):
        encoded = "".join(f"%{ord(c):02X}" for c in token_for(live))
        page = phone.get(f"/s/{encoded}")
        return page, phone.post(f"/s/{encoded}", data={"ticket": ticket_of(page)})

    (view, _), (lean, lean_calls) = both_paths(app, monkeypatch, twins(cohort), scan)
    for view_answer, lean_answer in zip(view, lean, strict=True):
        assert view_answer.status_code == 200
        assert_same_answer(view_answer, lean_answer)
    assert lean_calls == []
    assert len(records(live)) == 2


@pytest.mark.parametrize("path", ["/s/%E7%AD%BE%E5%88%B0", "/s/%C3%A9t%C3%A9", "/s/%FF%FE"])
def test_a_non_ascii_qr_address_is_refused_as_the_view_refuses_it(app, cohort, live, monkeypatch, path):
    def scan(phone, user):
        return phone.get(path), phone.post(path, data={"ticket": "junk"})

    (view, _), (lean, _) = both_paths(app, monkeypatch, twins(cohort), scan)
    for view_answer, lean_answer in zip(view, lean, strict=True):
        assert view_answer.status_code == 400
        assert_same_answer(view_answer, lean_answer)
    assert records() == []


def test_a_nul_in_the_qr_address_is_refused_as_the_view_refuses_it(app, cohort, live, monkeypatch):
    """The view refuses a NUL in any of the URL's values (refuse_nul_characters) before the tap.

    The tap's genuine ticket is posted to an address whose token holds a NUL.
    """

    def tap(phone, user):
        _token, ticket = opened(phone, live)
        return phone.post("/s/x%00y", data={"ticket": ticket})

    (view, _), (lean, lean_calls) = both_paths(app, monkeypatch, twins(cohort), tap)
    assert view.status_code == 400 and "无效字符" in view.get_data(as_text=True)
    assert (lean.status_code, lean_calls, records(), events()) == (400, ["POST"], [], [])
    assert_same_answer(view, lean)


def test_a_nul_in_the_query_string_is_refused_as_the_view_refuses_it(app, cohort, live, monkeypatch):
    """The same hook refuses a NUL in the query string, of the page and of the tap alike."""

    def scan_with_nul(phone, user):
        token, ticket = opened(phone, live)
        return phone.get(f"/s/{token}?from=%00"), phone.post(f"/s/{token}?from=%00", data={"ticket": ticket})

    (view, _), (lean, _) = both_paths(app, monkeypatch, twins(cohort), scan_with_nul)
    assert [r.status_code for r in view] == [400, 400]
    assert "无效字符" in view[1].get_data(as_text=True)
    assert ([r.status_code for r in lean], records(), events()) == ([400, 400], [], [])
    for view_answer, lean_answer in zip(view, lean, strict=True):
        assert_same_answer(view_answer, lean_answer)


def test_head_and_put_are_the_views_and_sign_nobody_in(app, client, cohort, live):
    user = make_trainee_user(cohort)
    login(client, user.username)
    token, ticket = opened(client, live)
    with view_calls(app) as calls:
        head = client.head(f"/s/{token}")
        put = client.put(f"/s/{token}", data={"ticket": ticket})
        lowercase = client.open(f"/s/{token}", method="put", data={"ticket": ticket})
    assert calls == ["HEAD", "PUT", "put"]
    assert head.status_code == 200 and head.get_data() == b""
    assert put.status_code == 405 and lowercase.status_code == 405
    assert records() == [] and events() == []


# --------------------------------------------------------------------------- phones


def test_a_second_trainee_on_the_same_phone_is_refused_and_listed_once_whichever_path(
    app, cohort, live, monkeypatch
):
    owners = twins(cohort)
    borrowers = twins(cohort)
    cookies = [new_device_cookie(app.config["SECRET_KEY"])[1] for _ in range(2)]
    for owner, cookie in zip(owners, cookies, strict=True):  # each phone signs its owner in first
        phone = phone_of(app, owner)
        phone.set_cookie("cadre_device", cookie)
        token, ticket = opened(phone, live)
        assert phone.post(f"/s/{token}", data={"ticket": ticket}).status_code == 200
    borrowed = iter(cookies)

    def on_the_owners_phone(app_, user):
        phone = phone_of(app_, user)
        phone.set_cookie("cadre_device", next(borrowed))
        return phone

    tap = tap_in(live)

    (view, _), (lean, lean_calls) = both_paths(app, monkeypatch, borrowers, tap, phone=on_the_owners_phone)
    assert view.status_code == 409
    assert_same_answer(view, lean)
    assert lean_calls == ["POST"]
    assert sorted(r.trainee_id for r in records(live)) == sorted(o.trainee_id for o in owners)
    flagged = suspects()
    assert sorted((s.trainee_id, s.reason) for s in flagged) == sorted(
        (b.trainee_id, "shared_device") for b in borrowers
    )
    assert len(events("attendance.proxy_suspected")) == 2 and len(events()) == 2


def test_a_device_cookie_naming_another_phone_without_its_signature_is_a_new_phone(app, client, cohort, live):
    """Someone copies another trainee's device id into an unsigned cookie: neither framed nor trusted."""
    owner, other = make_trainee_user(cohort), make_trainee_user(cohort)
    owners_phone = phone_of(app, owner)
    token, ticket = opened(owners_phone, live)
    owners_phone.post(f"/s/{token}", data={"ticket": ticket})
    owners_device = owners_phone.get_cookie("cadre_device").value.split(".")[0]
    login(client, other.username)
    client.set_cookie("cadre_device", f"{owners_device}.{'A' * 43}")
    token, ticket = opened(client, live)
    with view_calls(app) as calls:
        result = client.post(f"/s/{token}", data={"ticket": ticket})
    assert calls == [] and result.status_code == 200 and "签到成功" in result.get_data(as_text=True)
    replaced = client.get_cookie("cadre_device").value
    assert replaced.split(".")[0] != owners_device
    mine = [e for e in events() if e.actor_id == other.id]
    assert [e.after["device"] for e in mine] == [replaced.split(".")[0]]
    assert suspects() == []


# --------------------------------------------------------------------------- tap limit


def test_each_tap_counts_once_whichever_path_answers_it(app, cohort, live, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNIN_RATE_LIMIT", "5 per minute")
    user = make_trainee_user(cohort)
    phone = phone_of(app, user)
    token, ticket = opened(phone, live)
    with view_calls(app) as calls:
        statuses = [
            # 1: counted by the lean path, refused by the view (a stale ticket).
            phone.post(f"/s/{token}", data={"ticket": "stale"}).status_code,
            # 2: another browser: handed on before counting, counted by the view.
            phone.post(f"/s/{token}", data={"ticket": ticket}, headers={"User-Agent": "other"}).status_code,
            # 3: a multipart body: the view reads and counts it.
            _multipart(phone, token, ticket).status_code,
            # 4: the lean path's own answer.
            phone.post(f"/s/{token}", data={"ticket": ticket}).status_code,
            # 5: counted by the lean path, answered by the view (an "out" ticket).
            phone.post(f"/s/{token}", data={"ticket": ticket_for(app, user.id, live.id, "out")}).status_code,
        ]
        refused = phone.post(f"/s/{token}", data={"ticket": ticket})
    assert calls == ["POST", "POST", "POST", "POST", "POST"]  # only tap 4 was lean
    assert 429 not in statuses, statuses
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert len(records(live)) == 1 and len(events()) == 1


def test_a_throttled_tap_is_the_views_429_and_writes_nothing(app, cohort, live, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNIN_RATE_LIMIT", "1 per minute")

    def tap(phone, user):
        token, ticket = opened(phone, live)
        phone.post(f"/s/{token}", data={"ticket": "stale"})
        return phone.post(f"/s/{token}", data={"ticket": ticket})

    (view, _), (lean, _) = both_paths(app, monkeypatch, twins(cohort), tap)
    assert view.status_code == 429
    assert_same_answer(view, lean)
    assert lean.headers.get("Retry-After") and view.headers.get("Retry-After")
    assert records() == [] and events() == []


# --------------------------------------------------------------------------- the audit event


def test_the_audit_event_names_the_trainee_and_the_connecting_address_not_a_claimed_one(
    app, cohort, live, monkeypatch
):
    """Without a trusted proxy, X-Forwarded-For is the phone's claim: the event keeps REMOTE_ADDR."""
    where = {"REMOTE_ADDR": "198.51.100.23", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}

    tap = tap_in(live)

    users = twins(cohort)
    (view, _), (lean, lean_calls) = both_paths(
        app, monkeypatch, users, tap, phone=lambda a, u: phone_of(a, u, **where)
    )
    assert lean_calls == [] and view.status_code == lean.status_code == 200
    by_actor = {e.actor_id: e for e in events()}
    assert set(by_actor) == {u.id for u in users}
    assert [by_actor[u.id].ip for u in users] == ["198.51.100.23", "198.51.100.23"]


def test_behind_the_trusted_proxy_the_audit_event_names_the_phones_address(proxied_app, monkeypatch):
    cohort = make_cohort()
    live = make_session(cohort, starts_at=utcnow() - timedelta(minutes=5))
    where = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}  # nginx, the phone

    tap = tap_in(live)

    users = twins(cohort)
    (view, _), (lean, lean_calls) = both_paths(
        proxied_app, monkeypatch, users, tap, phone=lambda a, u: phone_of(a, u, **where)
    )
    assert lean_calls == [] and view.status_code == lean.status_code == 200
    assert sorted((e.actor_id, e.ip) for e in events()) == sorted((u.id, "203.0.113.7") for u in users)


# --------------------------------------------------------------------------- the English pages


def _already(phone, user, session):
    token, ticket = opened(phone, session)
    phone.post(f"/s/{token}", data={"ticket": ticket})
    return phone.post(f"/s/{token}", data={"ticket": ticket})


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", ["already", "late", "sign_out_page"])
def test_the_lean_pages_are_the_views_in_either_language(app, cohort, monkeypatch, lang, page):
    session = make_session(
        cohort,
        starts_at=utcnow() - timedelta(minutes=40 if page == "late" else 5),
        sign_out_required=True,
        title="基层治理专题讲座",
    )

    def act(phone, user):
        with phone.session_transaction() as sess:
            sess["lang"] = lang
        if page == "already":
            return _already(phone, user, session)
        if page == "late":
            token, ticket = opened(phone, session)
            return phone.post(f"/s/{token}", data={"ticket": ticket})
        return phone.get(f"/s/{token_for(session, purpose='out')}")

    (view, _), (lean, lean_calls) = both_paths(app, monkeypatch, twins(cohort), act)
    assert view.status_code == 200
    assert_same_answer(view, lean)
    assert headers_of(lean) == headers_of(view)
    assert lean_calls == []
    body = lean.get_data(as_text=True)
    expected = {
        ("en", "already"): 'lang="en"',
        ("zh", "already"): "无需重复签到",
        ("en", "late"): 'lang="en"',
        ("zh", "late"): "迟到",
        ("en", "sign_out_page"): 'lang="en"',
        ("zh", "sign_out_page"): "确认签退",
    }[(lang, page)]
    assert expected in body


# --------------------------------------------------------------------------- double taps at once


def test_a_double_tap_on_one_phone_at_once_leaves_one_record_and_one_audit_event(file_app):
    """Two taps of one trainee on one phone (same cookies, same ticket) race through the lean path."""
    from tests.test_signin_concurrency import records as committed_records
    from tests.test_signin_concurrency import run_together

    cohort = make_cohort(organizers=[make_user(Role.ORGANIZER)])
    session = make_session(cohort, starts_at=utcnow() - timedelta(minutes=5))
    user = make_trainee_user(cohort)
    session_id = session.id
    first = phone_of(file_app, user)
    first.set_cookie("cadre_device", new_device_cookie(file_app.config["SECRET_KEY"])[1])
    token, ticket = opened(first, session)
    second = file_app.test_client()  # the same phone: a copy of its cookies
    for name in ("session", "cadre_device"):
        second.set_cookie(name, first.get_cookie(name).value)

    def tap(phone):
        def post():
            response = phone.post(f"/s/{token}", data={"ticket": ticket})
            return response.status_code, response.get_data(as_text=True)

        return post

    with view_calls(file_app) as calls:
        outcomes = run_together(file_app, [tap(first), tap(second)], hold_first_write=True)
    assert [status for status, _ in outcomes] == [200, 200], outcomes
    bodies = [body for _, body in outcomes]
    assert sum("签到成功" in b for b in bodies) == 1 and sum("无需重复签到" in b for b in bodies) == 1
    assert calls == []  # both answered by the lean path
    assert len(committed_records(session_id)) == 1
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "attendance.signed_in")
        )
        == 1
    )
