"""Benchmark: server time of the organizer's week grid, the trainee's 我的课表 and the calendar feed.

    .venv/bin/python bench/schedule.py [--trainees 200] [--sessions 60] [--runs 30]
    TEST_DATABASE_URL=postgresql://... .venv/bin/python bench/schedule.py

Loads `cadre demo --trainees N --sessions M` into a fresh SQLite file (or into the PostgreSQL
database of TEST_DATABASE_URL, whose tables are dropped and re-created: use a scratch database),
then requests each page through the WSGI app (no network) and prints the median and the 90th
percentile of the server time over --runs requests, and the number of SQL queries per request.
Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import PASSWORD, bench_app, load_demo  # noqa: E402

from config import normalize_database_url  # noqa: E402


def run(url: str, trainees: int, sessions: int, runs: int) -> None:
    from sqlalchemy import event, select

    from cadre.extensions import db
    from cadre.models import Cohort

    app = bench_app(url)
    load_demo(app, trainees, sessions)
    with app.app_context():
        cohort_id = db.session.scalar(select(Cohort.id).where(Cohort.code == "QLJL2025"))
        db.session.remove()

    def client(username: str | None):
        c = app.test_client()
        if username:
            r = c.post("/auth/login", data={"username": username, "password": PASSWORD})
            assert r.status_code == 302, r.status_code
        return c

    organizer, trainee = client("organizer"), client("trainee")
    feed_path = re.search(
        r"/calendar/[0-9a-f-]+\.ics", trainee.get("/my/calendar").get_data(as_text=True)
    ).group(0)
    pages = [
        ("week grid (organizer)", organizer, f"/cohorts/{cohort_id}/timetable?week=2025-05-09"),
        ("list view (organizer)", organizer, f"/cohorts/{cohort_id}/timetable?view=list"),
        ("我的课表 (trainee)", trainee, "/my/timetable"),
        ("calendar feed", client(None), feed_path),
    ]
    queries = {"n": 0}

    def count(*_args):
        queries["n"] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    for name, c, path in pages:
        c.get(path)  # warm up
        times = []
        for _ in range(runs):
            queries["n"] = 0
            started = time.perf_counter()
            response = c.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (name, response.status_code)
        times.sort()
        p90 = times[int(len(times) * 0.9) - 1]
        print(
            f"  {name:<24} median {statistics.median(times):6.1f} ms   p90 {p90:6.1f} ms   "
            f"{queries['n']} queries   {len(response.data) // 1024} KiB"
        )
    event.remove(engine, "before_cursor_execute", count)
    with app.app_context():
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=200)
    parser.add_argument("--sessions", type=int, default=60)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    os.environ.setdefault("CADRE_CHECK_PRINTING", "0")
    with tempfile.TemporaryDirectory() as tmp:
        print(f"SQLite, {args.trainees} trainees, {args.sessions} sessions, {args.runs} runs each:")
        run(f"sqlite:///{tmp}/bench.sqlite3", args.trainees, args.sessions, args.runs)
    pg = os.environ.get("TEST_DATABASE_URL")
    if pg:
        print(f"PostgreSQL, {args.trainees} trainees, {args.sessions} sessions, {args.runs} runs each:")
        run(normalize_database_url(pg), args.trainees, args.sessions, args.runs)


if __name__ == "__main__":
    main()
