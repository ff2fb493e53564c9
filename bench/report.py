"""Benchmark: render time and peak memory of the course report (培训总结报告) on a big demo cohort.

    .venv/bin/python bench/report.py [--trainees 200] [--sessions 40] [--runs 3] [--closing]

Loads `cadre demo --trainees N --sessions M` into a fresh SQLite file, then renders the
report in a fresh child process (so that its peak memory is the report's, not the demo
loader's): figures, charts and PDF, then the .xlsx; with --closing also the 结班材料 ZIP.
Prints wall-clock seconds per step (median of --runs) and the child's peak RSS.
Not a test: numbers depend on the machine (target: PDF under 5 s and 400 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(ROOT / "bench"))

from common import bench_app, load_demo  # noqa: E402


def load(url: str, trainees: int, sessions: int) -> None:
    load_demo(bench_app(url), trainees, sessions, fresh=False)


def render(url: str, runs: int, closing: bool) -> dict:
    """In the child: render and measure; returns the figures as a dict."""
    from flask_babel import force_locale
    from sqlalchemy import select

    from cadre.extensions import db
    from cadre.models import Cohort
    from cadre.models.types import utcnow
    from cadre.reports.closing import closing_pack
    from cadre.reports.pdf import build_context, report_pdf
    from cadre.reports.xlsx import report_workbook

    app = bench_app(url)
    out: dict = {"steps": {}}
    with app.app_context(), force_locale("zh"):
        cohort = db.session.scalar(select(Cohort).where(Cohort.code == "QLJL2025"))
        out["baseline_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        steps = {"figures + charts": [], "pdf": [], "report total": [], "xlsx": []}
        if closing:
            steps["closing zip"] = []
        cpu: list[float] = []
        for _ in range(runs):
            db.session.expire_all()
            now = utcnow()
            t0, c0 = time.perf_counter(), time.process_time()
            ctx = build_context(cohort, now)
            t1 = time.perf_counter()
            pdf = report_pdf(cohort, now, ctx)
            t2, c2 = time.perf_counter(), time.process_time()
            cpu.append(c2 - c0)
            xlsx = report_workbook(ctx.figures, ctx.narrative)
            t3 = time.perf_counter()
            steps["figures + charts"].append(t1 - t0)
            steps["pdf"].append(t2 - t1)
            steps["report total"].append(t2 - t0)
            steps["xlsx"].append(t3 - t2)
            if closing:
                t4 = time.perf_counter()
                zipped = closing_pack(cohort, now)
                steps["closing zip"].append(time.perf_counter() - t4)
                out["zip_kb"] = len(zipped) // 1024
        out["steps"] = {k: statistics.median(v) for k, v in steps.items()}
        out["report_cpu"] = statistics.median(cpu)
        out["load"] = os.getloadavg()[0]
        out["pdf_kb"] = len(pdf) // 1024
        out["xlsx_kb"] = len(xlsx) // 1024
        out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trainees", type=int, default=200)
    parser.add_argument("--sessions", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--closing", action="store_true", help="also build the 结班材料 ZIP")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(render(args.child, args.runs, args.closing)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        load(url, args.trainees, args.sessions)
        cmd = [sys.executable, __file__, "--child", url, "--runs", str(args.runs)]
        if args.closing:
            cmd.append("--closing")
        done = subprocess.run(cmd, capture_output=True, text=True, env=os.environ.copy())
        if done.returncode:
            sys.exit(done.stderr)
        result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"report of {args.trainees} trainees × {args.sessions} sessions, median of {args.runs} runs:")
    for step, seconds in result["steps"].items():
        print(f"  {step:<18} {seconds:6.2f} s")
    print(
        f"  PDF {result['pdf_kb']} KiB, xlsx {result['xlsx_kb']} KiB"
        + (f", ZIP {result['zip_kb']} KiB" if "zip_kb" in result else "")
    )
    print(
        f"  report CPU time {result['report_cpu']:.2f} s (load average {result['load']:.1f} during the run)"
    )
    print(f"  peak RSS {result['peak_rss_mb']:.0f} MB (after start-up: {result['baseline_rss_mb']:.0f} MB)")


if __name__ == "__main__":
    main()
