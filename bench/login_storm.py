"""Benchmark: a class logging in at once, against gunicorn with production settings.

    .venv/bin/python bench/login_storm.py [--trainees 200] [--concurrency 50] [--workers 2] [--threads 4]
    .venv/bin/python bench/login_storm.py --database-url postgresql://postgres@127.0.0.1:5432/EMPTY_DB
    .venv/bin/python bench/login_storm.py --redis redis://127.0.0.1:6379/0

Builds a fresh SQLite file in a temporary directory (or uses the given empty PostgreSQL
database), migrates it, loads the demo cohort with N trainees (`cadre demo --trainees N`),
starts gunicorn itself (CADRE_CONFIG=production, a random SECRET_KEY, cookies not marked
Secure because the bench speaks plain HTTP on 127.0.0.1), and then lets every trainee log
in once, `--concurrency` at a time, all from the one address 127.0.0.1 as a class behind
one Wi-Fi would: GET the login page (CSRF token), POST the phone number and password,
then GET the home page with the new session. Prints logins per second, latency of the
login POST (p50/p95/p99/max) and errors (anything but 302 then 200). Not a test: numbers
depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
PASSWORD = "storm-" + secrets.token_hex(4)
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(args: list[str], env: dict) -> None:
    subprocess.run(args, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def trainee_usernames(database_url: str) -> list[str]:
    sql = "SELECT username FROM users WHERE role = 'trainee' ORDER BY id"
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as conn:
            return [row[0] for row in conn.execute(sql)]
    import psycopg

    with psycopg.connect(database_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return [row[0] for row in conn.execute(sql)]


def wait_until_up(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer /healthz in time")


def _cookies(response) -> dict[str, str]:
    jar = SimpleCookie()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def log_in(port: int, username: str) -> tuple[float, str | None]:
    """One trainee's login: (seconds the POST took, error or None)."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("GET", "/auth/login")
        page = conn.getresponse()
        body = page.read().decode()
        cookies = _cookies(page)
        match = _CSRF.search(body)
        if page.status != 200 or not match:
            return 0.0, f"login page {page.status}"
        form = urlencode({"csrf_token": match.group(1), "username": username, "password": PASSWORD})
        started = time.perf_counter()
        conn.request(
            "POST",
            "/auth/login",
            body=form,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": _cookie_header(cookies)},
        )
        answer = conn.getresponse()
        answer.read()
        elapsed = time.perf_counter() - started
        if answer.status != 302:
            return elapsed, f"login POST {answer.status}"
        cookies.update(_cookies(answer))
        conn.request("GET", answer.headers["Location"], headers={"Cookie": _cookie_header(cookies)})
        home = conn.getresponse()
        home.read()
        conn.close()
        if home.status != 200:
            return elapsed, f"home page {home.status}"
        return elapsed, None
    except OSError as err:
        return 0.0, f"{type(err).__name__}: {err}"


def server_cpu_seconds(master_pid: int) -> float | None:
    """CPU time used so far by gunicorn's master and workers (Linux /proc), else None."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    try:
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid, ppid = int(stat.parent.name), int(fields[1])
            if master_pid in (pid, ppid):
                total += int(fields[11]) + int(fields[12])  # utime + stime
    except OSError:
        return None
    return total / ticks


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--database-url", help="an EMPTY PostgreSQL database (default: temporary SQLite)")
    parser.add_argument(
        "--redis", help="limiter storage shared by the workers, e.g. redis://127.0.0.1:6379/0"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="cadre-storm-") as tmp:
        database_url = args.database_url or f"sqlite:///{Path(tmp) / 'cadre.sqlite3'}"
        env = {
            **os.environ,
            "CADRE_CONFIG": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": database_url,
            "COOKIE_SECURE": "0",  # plain HTTP on 127.0.0.1
            "CADRE_CHECK_PRINTING": "0",
            "RATELIMIT_STORAGE_URI": args.redis or "memory://",
        }
        print(f"preparing {args.trainees} demo trainees on {database_url.split('@')[-1]} ...", flush=True)
        run([str(VENV_BIN / "flask"), "--app", "app", "db", "upgrade"], env)
        run(
            [
                str(VENV_BIN / "flask"),
                "--app",
                "app",
                "cadre",
                "demo",
                "--password",
                PASSWORD,
                "--trainees",
                str(args.trainees),
            ],
            env,
        )
        usernames = trainee_usernames(database_url)[: args.trainees]
        port = free_port()
        log_path = Path(tmp) / "gunicorn.log"
        with log_path.open("w") as log:
            server = subprocess.Popen(
                [
                    str(VENV_BIN / "gunicorn"),
                    "--workers",
                    str(args.workers),
                    "--threads",
                    str(args.threads),
                    "--timeout",
                    "120",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "app:app",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )
            try:
                wait_until_up(port, server)
                cpu_before = server_cpu_seconds(server.pid)
                results = storm(port, usernames, args.concurrency)
                cpu_after = server_cpu_seconds(server.pid)
            finally:
                server.terminate()
                server.wait(timeout=30)
        report(results, args)
        if cpu_before is not None and cpu_after is not None:
            used = cpu_after - cpu_before
            print(f"  server CPU: {used:.1f} s in all, {1000 * used / len(usernames):.0f} ms per login")
        print(f"  machine load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        server_errors = [line for line in log_path.read_text().splitlines() if "Traceback" in line]
        if server_errors:
            print(f"gunicorn logged {len(server_errors)} tracebacks (see a re-run's log)")


def storm(port: int, usernames: list[str], concurrency: int) -> tuple[list[tuple[float, str | None]], float]:
    """Every trainee logs in once, `concurrency` at a time; the first wave leaves together."""
    go = threading.Event()

    def job(username: str):
        go.wait()
        return log_in(port, username)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [pool.submit(job, name) for name in usernames]
        time.sleep(0.5)  # let the pool's threads start and wait at the line
        began = time.perf_counter()
        go.set()
        results = [f.result() for f in futures]
    return results, time.perf_counter() - began


def report(outcome, args) -> None:
    results, wall = outcome
    ok = [t for t, err in results if err is None]
    errors = [err for _t, err in results if err is not None]
    print(
        f"{len(results)} logins, {args.concurrency} at a time, gunicorn {args.workers} workers x "
        f"{args.threads} threads, limiter {'redis' if args.redis else 'memory'}"
    )
    print(f"  wall time {wall:.1f} s, {len(ok) / wall:.1f} logins/s")
    if ok:
        ms = [t * 1000 for t in ok]
        print(
            f"  login POST: p50 {statistics.median(ms):.0f} ms, p95 {percentile(ms, 95):.0f} ms, "
            f"p99 {percentile(ms, 99):.0f} ms, max {max(ms):.0f} ms"
        )
    print(f"  errors: {len(errors)}")
    for err in sorted(set(errors)):
        print(f"    {errors.count(err)} x {err}")


if __name__ == "__main__":
    sys.exit(main())
