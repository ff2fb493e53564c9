"""Two 班主任 naming a 班长 at the same moment leave the cohort with one 班长.

Real threads, one database connection each (`file_app`: a SQLite file, or PostgreSQL
when TEST_DATABASE_URL is set); in-memory SQLite has a single connection, which
serialises the requests and would hide the race. A barrier holds each request at
its first write until both have read the roster. With the cohort locked (SQLite:
BEGIN IMMEDIATE; PostgreSQL: SELECT ... FOR UPDATE on the cohort row) the second
request cannot read before the first has committed: the barrier times out, the
first goes on alone, and the second plans from the roster the first left.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from cadre.extensions import db
from cadre.models import ClassRole, Enrollment, Role
from tests.factories import enroll, login, make_cohort, make_trainee, make_user

# Shorter than SQLite's busy timeout (10 s), which the locked-out request waits in meanwhile.
BARRIER_SECONDS = 3
WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def both_read_before_either_writes() -> Iterator[None]:
    """Hold each thread at its first INSERT/UPDATE/DELETE until two threads are there (or time runs out)."""
    barrier = threading.Barrier(2, timeout=BARRIER_SECONDS)
    seen = threading.local()

    def before(conn, cursor, statement, *args):
        if getattr(seen, "write", False) or not statement.lstrip().upper().startswith(WRITES):
            return
        seen.write = True
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass  # the other request waits for this one's lock: go on alone

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before)


def at_the_same_moment(app, *calls: Callable):
    """Run each call in its own thread and app context; what each returned, or the exception it raised."""
    outcomes: list = [None] * len(calls)

    def run(i: int, call: Callable) -> None:
        with app.app_context():
            try:
                outcomes[i] = call()
            except Exception as err:  # noqa: BLE001 - reported by the assertion
                outcomes[i] = err

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    with both_read_before_either_writes():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a request hangs"
    return outcomes


def organizers_of_one_cohort(app, n: int = 2):
    """A cohort with n organizers, each logged in on a client of their own."""
    users = [make_user(Role.ORGANIZER) for _ in range(n)]
    cohort = make_cohort(organizers=users)
    clients = []
    for user in users:
        client = app.test_client()
        login(client, user.username)
        clients.append(client)
    return cohort, clients


def monitors(cohort_id: int) -> list[int]:
    db.session.rollback()  # SQLite WAL: read what is committed now, not an older snapshot
    return db.session.scalars(
        select(Enrollment.trainee_id).where(
            Enrollment.cohort_id == cohort_id, Enrollment.class_role == ClassRole.MONITOR
        )
    ).all()


def test_two_organizers_naming_a_monitor_at_the_same_moment_leave_one_monitor(file_app):
    cohort, (first, second) = organizers_of_one_cohort(file_app)
    jia = enroll(cohort, make_trainee(name="甲"))
    yi = enroll(cohort, make_trainee(name="乙"))
    cohort_id = cohort.id

    def name_monitor(client, enrollment_id):
        url = f"/cohorts/{cohort_id}/enrollments/{enrollment_id}"
        return lambda: client.post(url, data={"group": "", "class_role": "monitor"}).status_code

    outcomes = at_the_same_moment(file_app, name_monitor(first, jia.id), name_monitor(second, yi.id))

    assert outcomes == [302, 302]  # both saved, one after the other
    assert len(monitors(cohort_id)) == 1


def upload(client, cohort_id: int, data: bytes) -> dict[str, str]:
    """Preview a roster file; the hidden fields of its confirm form."""
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), "名单.csv")})
    response = client.post(
        f"/cohorts/{cohort_id}/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    return dict(re.findall(r'<input id="(\w+)" name="\w+" type="hidden" value="([^"]*)"', html))


def test_two_imports_naming_a_monitor_at_the_same_moment_leave_one_monitor(file_app):
    cohort, (first, second) = organizers_of_one_cohort(file_app)
    cohort_id = cohort.id
    previews = [
        (first, upload(first, cohort_id, "姓名,联系电话,班级职务\n甲,13800000001,班长\n".encode())),
        (second, upload(second, cohort_id, "姓名,联系电话,班级职务\n乙,13800000002,班长\n".encode())),
    ]

    def confirm(client, fields):
        def post():
            response = client.post(f"/cohorts/{cohort_id}/import/commit", data=fields)
            if response.status_code == 302 and response.headers["Location"].endswith(f"/cohorts/{cohort_id}"):
                return "imported"
            if response.status_code == 409:
                return "preview shown again"
            return f"HTTP {response.status_code}"

        return post

    outcomes = at_the_same_moment(file_app, *(confirm(client, fields) for client, fields in previews))

    # The first import names its 班长; the second would now demote that one, which its
    # preview did not say, so it is shown again instead of being applied.
    assert sorted(outcomes) == ["imported", "preview shown again"]
    assert len(monitors(cohort_id)) == 1
