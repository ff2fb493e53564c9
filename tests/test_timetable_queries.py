"""Measured: the timetable pages and the feed issue the same number of SQL queries for the
29-trainee demo and for `cadre demo --trainees 200 --sessions 60`."""

from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event, select

from cadre.extensions import db
from cadre.models import Cohort, User
from tests.conftest import wipe_tables

PASSWORD = "cadre-demo-pass"


@contextmanager
def count_queries():
    """Counts the SQL statements the app sends while the block runs."""
    counter = {"n": 0}

    def before(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT")):
            counter["n"] += 1

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _login(app, username):
    client = app.test_client()
    response = client.post("/auth/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def measure(app, runner, *options) -> dict[str, int]:
    result = runner.invoke(args=["cadre", "demo", "--password", PASSWORD, *options])
    assert result.exit_code == 0, result.output
    cohort_id = db.session.scalar(select(Cohort.id).where(Cohort.code == "QLJL2025"))
    organizer = _login(app, "organizer")
    trainee = _login(app, "trainee")
    feed_page = trainee.get("/my/calendar").get_data(as_text=True)  # creates the feed
    feed_path = re.search(r"/calendar/[0-9a-f-]+\.ics", feed_page).group(0)
    pages = {
        "week grid": (organizer, f"/cohorts/{cohort_id}/timetable?week=2025-05-09"),
        "list": (organizer, f"/cohorts/{cohort_id}/timetable?view=list"),
        "我的课表": (trainee, "/my/timetable"),
        "feed": (app.test_client(), feed_path),
        "pdf": (organizer, f"/cohorts/{cohort_id}/timetable.pdf"),
        "organizer home": (organizer, "/"),
    }
    counts = {}
    for name, (client, url) in pages.items():
        client.get(url)  # warm: the first request of a client loads what later ones do not
        with count_queries() as counter:
            response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        counts[name] = counter["n"]
        if name == "我的课表":
            # The statuses and hours are there, so the attendance queries are part of the count.
            page = response.get_data(as_text=True)
            assert 'data-status="present"' in page and "tt-hours" in page
    sizes = (
        db.session.scalar(select(db.func.count()).select_from(User)),
        len(db.session.get(Cohort, cohort_id).sessions),
    )
    return counts, sizes


def test_query_counts_do_not_grow_with_trainees_or_sessions(app, runner):
    small, small_sizes = measure(app, runner)
    db.session.remove()
    wipe_tables()
    large, large_sizes = measure(app, runner, "--trainees", "200", "--sessions", "60")

    assert small_sizes[1] == 16 and large_sizes == (202, 60)
    assert large == small
    assert max(small.values()) <= 15, small
