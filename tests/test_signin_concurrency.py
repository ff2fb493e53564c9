"""Sign-ins that race: one record per trainee with the first time; a whole class at once, no errors.

Real threads, one database connection each (`file_app`: a SQLite file in WAL mode with
BEGIN IMMEDIATE, or PostgreSQL when TEST_DATABASE_URL is set). For the double sign-in,
a barrier holds each request at its first write until both have read "not signed in
yet", so on PostgreSQL both really insert at once (on SQLite the second waits for the
write lock; the barrier times out and it goes on after the first has committed).
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta

from sqlalchemy import event, select

from cadre.extensions import db
from cadre.models import AttendanceRecord, Role, SuspectedProxySignIn
from cadre.models.types import utcnow
from cadre.rules.signin_tokens import make_token, new_device_cookie
from tests.factories import login, make_cohort, make_session, make_trainee_user, make_user

BARRIER_SECONDS = 3
WRITES = ("INSERT", "UPDATE", "DELETE")


def ticket_page(client, token: str) -> str:
    page = client.get(f"/s/{token}")
    assert page.status_code == 200, page.get_data(as_text=True)
    return re.search(r'name="ticket" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def run_together(app, calls, *, hold_first_write: bool = False):
    """Start every call at the same moment in its own thread; what each returned or raised."""
    outcomes: list = [None] * len(calls)
    start = threading.Barrier(len(calls), timeout=30)
    write_barrier = threading.Barrier(len(calls), timeout=BARRIER_SECONDS)
    seen = threading.local()

    def before(conn, cursor, statement, *args):
        if getattr(seen, "write", False) or not statement.lstrip().upper().startswith(WRITES):
            return
        seen.write = True
        try:
            write_barrier.wait()
        except threading.BrokenBarrierError:
            pass  # the other request waits for this one's lock: go on alone

    def run(i, call):
        with app.app_context():
            try:
                start.wait()
                outcomes[i] = call()
            except Exception as err:  # noqa: BLE001 - reported by the assertion
                outcomes[i] = err

    if hold_first_write:
        event.listen(db.engine, "before_cursor_execute", before)
    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        if hold_first_write:
            event.remove(db.engine, "before_cursor_execute", before)
    assert not any(thread.is_alive() for thread in threads), "a request hangs"
    return outcomes


def records(session_id: int):
    db.session.rollback()  # read what is committed now
    return db.session.scalars(select(AttendanceRecord).where(AttendanceRecord.session_id == session_id)).all()


def test_two_sign_ins_of_one_trainee_racing_leave_one_record_with_the_first_time(file_app):
    cohort = make_cohort(organizers=[make_user(Role.ORGANIZER)])
    session = make_session(cohort, starts_at=utcnow() - timedelta(minutes=5))
    user = make_trainee_user(cohort)
    session_id = session.id
    token = make_token(file_app.config["SECRET_KEY"], session_id, utcnow())
    phones = [file_app.test_client(), file_app.test_client()]  # two phones, one trainee
    tickets = []
    for phone in phones:
        login(phone, user.username)
        tickets.append(ticket_page(phone, token))

    def tap(phone, ticket):
        def post():
            response = phone.post(f"/s/{token}", data={"ticket": ticket})
            return response.status_code, response.get_data(as_text=True)

        return post

    outcomes = run_together(
        file_app, [tap(p, t) for p, t in zip(phones, tickets, strict=True)], hold_first_write=True
    )

    assert [status for status, _ in outcomes] == [200, 200], outcomes
    bodies = [body for _, body in outcomes]
    assert sum("签到成功" in b for b in bodies) == 1
    assert sum("无需重复签到" in b for b in bodies) == 1
    [record] = records(session_id)
    first_time = re.search(r"签到成功，签到时间 (\d\d:\d\d)", "".join(bodies)).group(1)
    assert f"您已于 {first_time} 签到" in "".join(bodies)
    assert record.signed_in_at is not None


def test_fifty_trainees_signing_in_at_once_leave_fifty_records_and_no_errors(file_app):
    cohort = make_cohort(organizers=[make_user(Role.ORGANIZER)])
    session = make_session(cohort, starts_at=utcnow() - timedelta(minutes=5))
    session_id = session.id
    token = make_token(file_app.config["SECRET_KEY"], session_id, utcnow())
    phones = []
    for _ in range(50):
        phone = file_app.test_client()
        login(phone, make_trainee_user(cohort).username)
        phones.append((phone, ticket_page(phone, token)))

    def tap(phone, ticket):
        return lambda: phone.post(f"/s/{token}", data={"ticket": ticket}).get_data(as_text=True)

    outcomes = run_together(file_app, [tap(p, t) for p, t in phones])

    errors = [o for o in outcomes if not isinstance(o, str) or "签到成功" not in o]
    assert errors == []
    assert len(records(session_id)) == 50
    assert len({r.trainee_id for r in records(session_id)}) == 50


def test_two_trainees_racing_on_one_phone_leave_one_sign_in_and_one_suspect(file_app):
    cohort = make_cohort(organizers=[make_user(Role.ORGANIZER)])
    session = make_session(cohort, starts_at=utcnow() - timedelta(minutes=5))
    session_id = session.id
    token = make_token(file_app.config["SECRET_KEY"], session_id, utcnow())
    phones = []
    for _ in range(2):
        phone = file_app.test_client()
        login(phone, make_trainee_user(cohort).username)
        phones.append(phone)
    # One phone: both logins carry the same device cookie (two browsers on it share nothing else).
    _device_id, cookie = new_device_cookie(file_app.config["SECRET_KEY"])
    for phone in phones:
        phone.set_cookie("cadre_device", cookie)
    tickets = [ticket_page(phone, token) for phone in phones]

    def tap(phone, ticket):
        return lambda: phone.post(f"/s/{token}", data={"ticket": ticket}).status_code

    outcomes = run_together(
        file_app, [tap(p, t) for p, t in zip(phones, tickets, strict=True)], hold_first_write=True
    )

    assert sorted(outcomes) == [200, 409], outcomes
    assert len(records(session_id)) == 1
    assert db.session.query(SuspectedProxySignIn).count() == 1
