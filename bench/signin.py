"""Benchmark: a whole class signs in at once through the real HTTP pages (issue 9, "Measured").

    .venv/bin/python bench/signin.py                       # SQLite file in a temporary directory
    .venv/bin/python bench/signin.py --database postgresql://postgres@127.0.0.1:5432/cadre_signin_bench
    .venv/bin/python bench/signin.py --database sqlite --database postgresql://...   # both, one run

Starts the app under gunicorn with the production settings (CADRE_CONFIG=production,
plain HTTP so COOKIE_SECURE=0), loads `cadre demo --trainees 200`, adds a session with
`cadre live-session`, logs every trainee in (not timed), then has them sign in with
--concurrency clients: GET the sign-in page of the QR currently on the projector
(an organizer client re-reads it as the screen would), POST the form. It prints
sign-ins per second, p50/p99 latency per request, errors and duplicates, next to
a floor measured in the same run: bench/signin_floor_app.py, a minimal Flask app on
the same database and gunicorn settings answering the same two requests with
nothing else, sent the same requests (the phones' cookies, the form's fields). With
--rounds N both are measured N times, each round from a fresh database, and the median
share is printed: on a shared 2-core machine one round swings by a third. A PostgreSQL
database given here is emptied first (its tables are dropped). Not a test: figures
depend on the machine.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PASSWORD = "bench-password-1"
COHORT = "QLJL2025"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Client:
    """One phone: its own cookies, a new connection per request (as both servers get)."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode(errors="replace")


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    return match.group(1) if match else ""


def log_in(base: str, username: str) -> Client:
    """Log a phone in (not timed). Retried: concurrent logins can hit "database is locked" on SQLite."""
    for _attempt in range(5):
        client = Client(base)
        _, page = client.request("/auth/login")
        status, _body = client.request(
            "/auth/login",
            {"csrf_token": csrf(page), "username": username, "password": PASSWORD, "remember": "y"},
        )
        if status == 200:
            return client
        time.sleep(0.2)
    raise RuntimeError(f"login of {username} failed: {status}")


def wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (http, ours)
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.3)
    raise SystemExit(f"server did not start:\n{log.read_text()}")


def gunicorn(app_spec: str, env: dict, port: int, args, log: Path) -> subprocess.Popen:
    command = [
        str(VENV_BIN / "gunicorn"),
        "--config", str(ROOT / "gunicorn.conf.py"),
        "--workers", str(args.workers),
        "--threads", str(args.threads),
        "--timeout", "120",
        "--bind", f"127.0.0.1:{port}",
        app_spec,
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def process_cpu(root_pid: int) -> float:
    """CPU seconds used so far by a process and its children (gunicorn's master and workers)."""
    total, pending = 0.0, [root_pid]
    tick = os.sysconf("SC_CLK_TCK")
    while pending:
        pid = pending.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
        pending += [int(child) for child in children]
    return total


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else float("nan")


def drive(clients: list, one_sign_in, concurrency: int) -> dict:
    """Run one sign-in per client with `concurrency` threads; timings and failures."""
    latencies: list[float] = []
    gets: list[float] = []
    posts: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def run(client):
        try:
            times, ok, detail = one_sign_in(client)
        except Exception as err:  # noqa: BLE001 - counted as an error
            times, ok, detail = [], False, repr(err)
        with lock:
            latencies.extend(times)
            gets.extend(times[:1])
            posts.extend(times[1:2])
            if not ok:
                failures.append(detail)

    started, client_cpu = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(run, clients))
    elapsed = time.perf_counter() - started
    client_cpu = time.process_time() - client_cpu
    return {
        "n": len(clients),
        "seconds": elapsed,
        "per_second": len(clients) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "get_p99_ms": percentile(gets, 0.99) * 1000,
        "post_p99_ms": percentile(posts, 0.99) * 1000,
        "errors": len(failures),
        "examples": failures[:3],
        # This process's CPU (the 50 clients) while it ran: the machine's cores are shared with it.
        "client_cpu_ms": client_cpu * 1000 / max(1, len(clients)),
    }


def timed(client: Client, path: str, data=None) -> tuple[float, int, str]:
    started = time.perf_counter()
    status, body = client.request(path, data)
    return time.perf_counter() - started, status, body


def measure_cadre(args, work: Path, database_url: str) -> tuple[dict, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_DATABASE")}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env.update(
        CADRE_CONFIG="production",
        CADRE_PUBLIC_URL=base + "/",  # as bin/serve sets it: without it the projector shows no QR
        COOKIE_SECURE="0",
        SECRET_KEY=secrets.token_hex(32),
        DATABASE_URL=database_url,
        CADRE_CHECK_PRINTING="0",
        RATELIMIT_STORAGE_URI=args.ratelimit_storage,
        # One address logs in the whole class here (as a class Wi-Fi would).
        LOGIN_RATE_LIMIT_PER_IP="10000 per minute",
        PYTHONWARNINGS="ignore",
    )
    flask = [str(VENV_BIN / "flask"), "--app", "app"]
    if database_url.startswith("postgres"):
        drop = "from cadre import create_app\nfrom cadre.extensions import db\nfrom sqlalchemy import text\n"
        drop += "app = create_app()\nwith app.app_context():\n    db.drop_all()\n"
        drop += "    with db.engine.begin() as c: c.execute(text('DROP TABLE IF EXISTS alembic_version'))\n"
        drop += "    with db.engine.begin() as c: c.execute(text('DROP TABLE IF EXISTS floor_signins'))\n"
        subprocess.run([sys.executable, "-c", drop], cwd=ROOT, env=env, check=True)
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(
        [*flask, "cadre", "demo", "--trainees", str(args.trainees), "--password", PASSWORD],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    live = subprocess.run(
        [*flask, "cadre", "live-session", COHORT],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    session_id = int(re.search(r"/sessions/(\d+)/projector", live.stdout).group(1))
    usernames = trainee_usernames(env)

    server = gunicorn("app:app", env, port, args, work / "cadre.log")
    try:
        wait_for(base + "/healthz", server, work / "cadre.log")
        organizer = log_in(base, "organizer")
        with ThreadPoolExecutor(1) as pool:  # the login view writes last_login_at: one at a time
            clients = list(pool.map(lambda u: log_in(base, u), usernames))
        current = {"url": ""}
        stop_refresh = threading.Event()

        def projector():  # the screen: re-read the QR's URL as the page's poll does
            while not stop_refresh.is_set():
                _, body = organizer.request(f"/sessions/{session_id}/projector/state")
                current["url"] = re.search(r'"signin_url":\s*"([^"]+)"', body).group(1)
                stop_refresh.wait(2)

        # The floor gets the same requests: each phone's cookies as they are now (session,
        # remember-me), so both servers parse the same headers and the client sends the same bytes.
        cookies = [list(client.jar) for client in clients]
        refresher = threading.Thread(target=projector, daemon=True)
        refresher.start()
        while not current["url"]:
            time.sleep(0.05)

        def one(client: Client):
            path = urllib.parse.urlsplit(current["url"]).path
            t1, status, page = timed(client, path)
            if status != 200:
                return [t1], False, f"GET {status}"
            fields = {
                "csrf_token": csrf(page),
                "ticket": re.search(r'name="ticket" type="hidden" value="([^"]+)"', page).group(1),
            }
            t2, status, body = timed(client, path, fields)
            ok = status == 200 and "签到成功" in body or "迟到，签到时间" in body
            return [t1, t2], ok, f"POST {status}"

        server_cpu = process_cpu(server.pid)
        result = drive(clients, one, args.concurrency)
        result["server_cpu_ms"] = (process_cpu(server.pid) - server_cpu) * 1000 / len(clients)
        stop_refresh.set()
    finally:
        stop(server)
    result["records"], result["duplicates"] = count_records(env, session_id)
    return result, cookies


def trainee_usernames(env: dict) -> list[str]:
    code = (
        "from cadre import create_app\nfrom cadre.extensions import db\nfrom cadre.models import User, Role\n"
        "from sqlalchemy import select\napp = create_app()\nwith app.app_context():\n"
        "    print('\\n'.join(db.session.scalars(select(User.username).where(User.role == Role.TRAINEE))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return [line for line in out.stdout.split() if line]


def count_records(env: dict, session_id: int) -> tuple[int, int]:
    code = (
        "from cadre import create_app\nfrom cadre.extensions import db\n"
        "from cadre.models import AttendanceRecord\n"
        "from sqlalchemy import select, func\napp = create_app()\nwith app.app_context():\n"
        f"    q = select(func.count(), func.count(AttendanceRecord.trainee_id.distinct())).where("
        f"AttendanceRecord.session_id == {session_id})\n"
        "    n, distinct = db.session.execute(q).one()\n    print(n, n - distinct)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    n, dup = out.stdout.split()
    return int(n), int(dup)


def measure_floor(args, work: Path, database_url: str, cookies: list) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_DATABASE")}
    env.update(DATABASE_URL=database_url, PYTHONPATH=str(ROOT / "bench"))
    # The table first, in one process: two workers creating it at once race, the loser fails
    # to boot and gunicorn shuts down mid-run (seen as the floor's "connection refused").
    subprocess.run([sys.executable, "-c", "import signin_floor_app"], cwd=ROOT, env=env, check=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = gunicorn("signin_floor_app:app", env, port, args, work / "floor.log")
    try:
        wait_for(base + "/s/x", server, work / "floor.log")
        clients = []
        for jar in cookies:  # Cadre's phones' cookies: the floor's requests carry the same headers
            client = Client(base)
            for cookie in jar:
                client.jar.set_cookie(cookie)
            clients.append(client)
        token = secrets.token_urlsafe(21)
        csrf_like = secrets.token_urlsafe(68)  # the length of Cadre's signed CSRF token

        def one(client: Client):
            t1, status, page = timed(client, f"/s/{token}")
            if status != 200:
                return [t1], False, f"GET {status}"
            fields = {"who": secrets.token_hex(8), "csrf_token": csrf_like, "ticket": page[-40:]}
            t2, status, body = timed(client, f"/s/{token}", fields)
            return [t1, t2], status == 200 and body == "ok", f"POST {status} {body[:40]}"

        server_cpu = process_cpu(server.pid)
        result = drive(clients, one, args.concurrency)
        result["server_cpu_ms"] = (process_cpu(server.pid) - server_cpu) * 1000 / len(clients)
        return result
    finally:
        stop(server)


def production_ratelimit_storage() -> str:
    """The limiter's storage of the README's deployment (REDIS_URL): Redis when one answers, else memory://.

    With memory:// each worker counts on its own and the limits library starts a timer
    thread to expire counters, which is not how a deployment with several workers runs.
    """
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    parsed = urllib.parse.urlsplit(url)
    try:
        address = (parsed.hostname or "127.0.0.1", parsed.port or 6379)
        with socket.create_connection(address, timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            if sock.recv(16).startswith(b"+PONG"):
                return url
    except OSError:
        pass
    return "memory://"


def report(name: str, r: dict) -> None:
    extra = f", records {r['records']}, duplicates {r['duplicates']}" if "records" in r else ""
    print(
        f"  {name:<6} {r['n']} sign-ins in {r['seconds']:.2f} s: {r['per_second']:.1f}/s, "
        f"p50 {r['p50_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms (GET {r['get_p99_ms']:.0f}, "
        f"POST {r['post_p99_ms']:.0f}), errors {r['errors']}{extra}; "
        f"CPU per sign-in: server {r['server_cpu_ms']:.2f} ms, clients {r['client_cpu_ms']:.2f} ms"
    )
    for example in r["examples"]:
        print(f"         e.g. {example}")


def run_one(args, database: str | None) -> None:
    work = Path(tempfile.mkdtemp(prefix="cadre-bench-signin-"))
    try:
        kind = "PostgreSQL" if (database or "").startswith("postgres") else "SQLite"
        print(
            f"{kind}, gunicorn --workers {args.workers} --threads {args.threads}, "
            f"{args.trainees} trainees, {args.concurrency} concurrent clients, {args.rounds} round(s), "
            f"load average before {os.getloadavg()[0]:.1f}"
        )
        shares = []
        for number in range(args.rounds):
            # Each round from scratch: a new database (PostgreSQL: emptied), the class logged in again.
            cadre_url = database or f"sqlite:///{work / f'cadre-{number}.sqlite3'}"
            floor_url = database or f"sqlite:///{work / f'floor-{number}.sqlite3'}"
            cadre, cookies = measure_cadre(args, work, cadre_url)
            floor = measure_floor(args, work, floor_url, cookies)
            report("cadre", cadre)
            report("floor", floor)
            shares.append(cadre["per_second"] / floor["per_second"])
            print(f"  cadre/floor throughput {shares[-1]:.0%}", flush=True)
        summary = f"median {statistics.median(shares):.0%}" if len(shares) > 1 else f"{shares[0]:.0%}"
        if len(shares) > 1:
            summary += f" (rounds {', '.join(f'{share:.0%}' for share in shares)})"
        print(
            f"  {kind}: cadre/floor throughput {summary} (target ≥ 70%); p99 target < 200 ms; "
            f"load average after {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    except BaseException:
        for log in work.glob("*.log"):
            print(f"--- {log.name}:\n" + "\n".join(log.read_text().splitlines()[-40:]))
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        action="append",
        help="PostgreSQL URL (emptied first), or 'sqlite'; repeat it to measure both side by side "
        "in one run; default: a SQLite file",
    )
    parser.add_argument("--trainees", type=int, default=200)
    parser.add_argument(
        "--ratelimit-storage",
        help="where the app keeps its rate-limit counters, e.g. memory:// (default: Redis as the "
        "README's deployment sets it, REDIS_URL or redis://127.0.0.1:6379/15 when it answers, else memory://)",
    )
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument(
        "--rounds", type=int, default=1, help="repeat Cadre then floor this many times; the median share"
    )
    # bin/serve's production settings (WEB_CONCURRENCY defaults to 2 workers, 4 threads each):
    # on 2 cores, more processes only add context switches and memory.
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    args.ratelimit_storage = args.ratelimit_storage or production_ratelimit_storage()
    print(f"rate-limit counters: {args.ratelimit_storage}")
    for database in args.database or ["sqlite"]:
        run_one(args, None if database == "sqlite" else database)


if __name__ == "__main__":
    main()
