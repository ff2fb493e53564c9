"""Helpers for race tests: real threads, each request held at its first write until both have read.

Use with the `file_app` fixture (a SQLite file or PostgreSQL: one connection per
thread). Without the locks a service takes, both requests read the same state and
both write; with them, the second waits and then sees what the first wrote.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event

from cadre.extensions import db
from cadre.models import Role
from tests.factories import login, make_cohort, make_user

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
