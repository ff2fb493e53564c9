"""In-process profile of the sign-in path (GET the QR page, POST the one tap) over the test client.

    .venv/bin/python bench/signin_profile.py [--profile] [--n 100] [--database URL]

Loads `cadre demo --trainees N` into a SQLite file (or the PostgreSQL database given,
emptied first), logs the trainees in, then times each request's CPU and counts its SQL
statements: /healthz while logged in, the sign-in page, the one-tap POST. With
--profile it prints the cProfile top of the GET and POST. Not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-password-1"


def time_app(app) -> list[float]:
    """Wrap the app so that [0] of the list returned holds the CPU of its last request.

    CPU inside the app only (not the test client's building and parsing of the request).
    """
    inner_wsgi = app.wsgi_app
    app_cpu = [0.0]

    def timed_wsgi(environ, start_response):
        started = time.thread_time()
        body = b"".join(inner_wsgi(environ, start_response))
        app_cpu[0] = time.thread_time() - started
        return [body]

    app.wsgi_app = timed_wsgi
    return app_cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--database")
    parser.add_argument("--show-sql", action="store_true", help="print the first trainee's statements")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cadre-signin-profile-"))
    url = args.database or f"sqlite:///{work / 'cadre.sqlite3'}"
    os.environ.update(
        CADRE_CONFIG="production",
        COOKIE_SECURE="0",
        SECRET_KEY=secrets.token_hex(32),
        DATABASE_URL=url,
        CADRE_CHECK_PRINTING="0",
        CADRE_PUBLIC_URL="http://localhost/",  # as bin/serve sets it: the projector's QR needs it
        RATELIMIT_STORAGE_URI="memory://",
        LOGIN_RATE_LIMIT_PER_IP="10000 per minute",
        PYTHONWARNINGS="ignore",
    )
    flask = [str(ROOT / ".venv/bin/flask"), "--app", "app"]
    if url.startswith("postgres"):
        sys.path.insert(0, str(ROOT / "bench"))
        from signin import measure_cadre  # noqa: F401  (same emptying as the benchmark)

        drop = "from cadre import create_app\nfrom cadre.extensions import db\nfrom sqlalchemy import text\n"
        drop += "app = create_app()\nwith app.app_context():\n    db.drop_all()\n"
        drop += "    with db.engine.begin() as c: c.execute(text('DROP TABLE IF EXISTS alembic_version'))\n"
        subprocess.run([sys.executable, "-c", drop], cwd=ROOT, check=True)
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, check=True, capture_output=True)
    subprocess.run([*flask, "cadre", "demo", "--trainees", str(args.n), "--password", PASSWORD],
                   cwd=ROOT, check=True, capture_output=True)  # fmt: skip
    live = subprocess.run([*flask, "cadre", "live-session", "QLJL2025"], cwd=ROOT, check=True,
                          capture_output=True, text=True)  # fmt: skip
    session_id = int(re.search(r"/sessions/(\d+)/projector", live.stdout).group(1))

    from sqlalchemy import event, select

    from cadre import create_app
    from cadre.extensions import db
    from cadre.models import Role, User

    app = create_app()
    app_cpu = time_app(app)
    statements = [0]
    show = [False]
    with app.app_context():

        def count(conn, cursor, statement, *rest):
            statements[0] += 1
            if show[0]:
                print("   SQL:", " ".join(statement.split())[:160])

        event.listen(db.engine, "before_cursor_execute", count)
        users = db.session.scalars(select(User.username).where(User.role == Role.TRAINEE)).all()

    def csrf(html):
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    clients = []
    for username in users:
        c = app.test_client()
        page = c.get("/auth/login").get_data(as_text=True)
        r = c.post("/auth/login", data={"csrf_token": csrf(page), "username": username, "password": PASSWORD,
                                        "remember": "y"})  # fmt: skip
        assert r.status_code in (200, 302), r.status_code
        clients.append(c)
    organizer = app.test_client()
    page = organizer.get("/auth/login").get_data(as_text=True)
    organizer.post(
        "/auth/login", data={"csrf_token": csrf(page), "username": "organizer", "password": PASSWORD}
    )
    state = organizer.get(f"/sessions/{session_id}/projector/state").get_json()
    path = "/s/" + state["signin_url"].rsplit("/s/", 1)[1]

    timings = {"healthz": [], "get": [], "post": []}
    counts = {"healthz": [], "get": [], "post": []}
    profiles = {kind: cProfile.Profile() for kind in timings}

    def run(kind, fn):
        statements[0] = 0
        prof = profiles.get(kind) if args.profile else None
        if prof:
            prof.enable()
        result = fn()
        if prof:
            prof.disable()
        timings[kind].append(app_cpu[0])
        counts[kind].append(statements[0])
        return result

    for number, c in enumerate(clients):
        show[0] = args.show_sql and number == 1
        run("healthz", lambda c=c: c.get("/healthz"))
        page = run("get", lambda c=c: c.get(path)).get_data(as_text=True)
        ticket = re.search(r'name="ticket" type="hidden" value="([^"]+)"', page).group(1)
        fields = {"csrf_token": csrf(page), "ticket": ticket}
        r = run("post", lambda c=c, f=fields: c.post(path, data=f))
        if show[0]:
            print("   POST Set-Cookie:", [h[:60] for h in r.headers.getlist("Set-Cookie")])
        body = r.get_data(as_text=True)
        assert r.status_code == 200 and ("签到成功" in body or "迟到" in body), (r.status_code, body[:300])
    floor = floor_cpu(url)
    print(f"floor    CPU median {floor[0] * 1000:.2f} ms (GET), {floor[1] * 1000:.2f} ms (POST): "
          "bench/signin_floor_app.py, same database")  # fmt: skip
    for kind in timings:
        t = sorted(timings[kind])
        print(f"{kind:8} CPU median {t[len(t) // 2] * 1000:.2f} ms, mean {sum(t) / len(t) * 1000:.2f} ms, "
              f"SQL statements {max(set(counts[kind]), key=counts[kind].count)}")  # fmt: skip
    if args.profile:
        for kind, prof in profiles.items():
            if os.environ.get("DUMP"):
                prof.dump_stats(f"{os.environ['DUMP']}-{kind}.prof")
            print(f"===== {kind}")
            pstats.Stats(prof).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(
                int(os.environ.get("TOP", "45"))
            )


def floor_cpu(url: str) -> tuple[float, float]:
    """Median app CPU of the floor's GET and POST (bench/signin_floor_app.py) on the same database."""
    os.environ["DATABASE_URL"] = url
    sys.path.insert(0, str(ROOT / "bench"))
    import signin_floor_app

    floor_app = signin_floor_app.app
    app_cpu = time_app(floor_app)
    client = floor_app.test_client()
    gets, posts = [], []
    for number in range(200):
        client.get("/s/token")
        gets.append(app_cpu[0])
        client.post("/s/token", data={"who": f"profile-{number}-{secrets.token_hex(4)}"})
        posts.append(app_cpu[0])
    return sorted(gets)[len(gets) // 2], sorted(posts)[len(posts) // 2]


if __name__ == "__main__":
    main()
