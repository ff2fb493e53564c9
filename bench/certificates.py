"""Benchmark: the merged PDF of a cohort's 200 certificates, next to WeasyPrint's own floor.

    .venv/bin/python bench/certificates.py [--trainees 200] [--repeat 3] [--singles 20]

Loads `cadre demo --trainees N` into a fresh SQLite file, issues a certificate to
every trainee (the few who did not complete get one with a reason), then measures,
each run in a forked child so that its peak memory (ru_maxrss) is its own:

- floor: WeasyPrint alone rendering the certificate HTML, already built, into one document;
- merged: what the organizer's download and `cadre certificates` do: load the valid
  certificates, build the QR codes and the HTML, render in one pass;
- zip: the merged render cut into single PDFs with pypdf and zipped;
- singles (optional): N certificates rendered one by one, extrapolated to the cohort.

Not a test: numbers depend on the machine (and on its load: see `uptime`).
"""

from __future__ import annotations

import argparse
import os
import pickle
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import TestConfig  # noqa: E402


def in_child(fn):
    """Run fn() in a forked child: (its result, the child's peak RSS in MB)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        try:
            payload = pickle.dumps(("ok", fn()))
        except BaseException as err:  # noqa: BLE001 - reported by the parent
            payload = pickle.dumps(("error", repr(err)))
        with os.fdopen(write, "wb") as out:
            out.write(payload)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as inp:
        status, value = pickle.loads(inp.read())  # noqa: S301 - our own child
    _, _, usage = os.wait4(pid, 0)
    if status != "ok":
        raise RuntimeError(value)
    return value, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trainees", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--singles", type=int, default=0, help="also render this many one by one")
    parser.add_argument("--zip-batch", type=int, default=None, help="certificates a pass for the ZIP")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="cadre-bench-certs-")

    class BenchConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp}/bench.sqlite3"
        PUBLIC_URL = "https://cadre.example.gov.cn/"

    from cadre import create_app
    from cadre.certificates import printing, services
    from cadre.demo import load_demo
    from cadre.extensions import db
    from cadre.pdf import html_to_pdf, printing_problems
    from cadre.services import writing

    app = create_app(BenchConfig)
    with app.app_context(), app.test_request_context():
        problems = printing_problems()
        if problems:
            print("WARNING:", "; ".join(problems))
        db.create_all()
        load_demo("bench-password", trainees=args.trainees)
        from cadre.models import Cohort

        cohort = db.session.scalar(db.select(Cohort).where(Cohort.code == "QLJL2025"))
        with writing():
            services.issue_eligible(cohort)
        eligible = services.eligibility(cohort)
        holders = {c.trainee_id for c in services.valid_certificates(cohort.id)}
        for trainee_id in [t for t in eligible if t not in holders]:
            with writing():
                services.issue_one(cohort, trainee_id, "基准测试：未达到结业条件的学员也发一张")
        cohort = db.session.get(Cohort, cohort.id)
        certs = services.valid_certificates(cohort.id)
        n = len(certs)
        settings = services.settings_for(cohort)
        html = printing.certificate_html(cohort, certs, settings)
        resources = printing.seal_resources(settings)
        # Fonts loaded once before measuring, as in a worker that has printed before.
        html_to_pdf(printing.certificate_html(cohort, certs[:1], settings))
        db.session.commit()
        cohort_id = cohort.id

        def floor():
            start = time.perf_counter()
            pdf = html_to_pdf(html, resources)
            return time.perf_counter() - start, len(pdf)

        def merged():
            start = time.perf_counter()
            c = db.session.get(Cohort, cohort_id)
            pdf = printing.certificates_pdf(c, services.valid_certificates(cohort_id))
            return time.perf_counter() - start, len(pdf)

        def zipped():
            start = time.perf_counter()
            c = db.session.get(Cohort, cohort_id)
            batch = args.zip_batch or printing.ZIP_BATCH
            data = printing.certificates_zip(c, services.valid_certificates(cohort_id), batch)
            return time.perf_counter() - start, len(data)

        def singles():
            start = time.perf_counter()
            c = db.session.get(Cohort, cohort_id)
            for cert in services.valid_certificates(cohort_id)[: args.singles]:
                printing.certificates_pdf(c, [cert])
            return (time.perf_counter() - start) * n / args.singles, 0

        base_rss = in_child(lambda: 0)[1]
        print(f"{n} certificates, {len(html) // 1024} KiB of HTML; a forked child idles at {base_rss:.0f} MB")
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        results = {}
        runs = [("floor", floor), ("merged", merged), ("zip", zipped)]
        if args.singles:
            runs.append(("singles", singles))
        for _ in range(args.repeat):  # interleaved, so that a busy moment hits every kind alike
            for name, fn in runs:
                (seconds, size), rss = in_child(fn)
                results.setdefault(name, []).append((seconds, rss, size))
        floor_s = statistics.median(s for s, _, _ in results["floor"])
        print(f"{'':8} {'median s':>9} {'min s':>7} {'× floor':>8} {'peak MB':>8} {'size KiB':>9}")
        for name, rows in results.items():
            secs = [s for s, _, _ in rows]
            med = statistics.median(secs)
            print(
                f"{name:8} {med:9.2f} {min(secs):7.2f} {med / floor_s:8.2f} "
                f"{max(r for _, r, _ in rows):8.0f} {rows[0][2] // 1024:9}"
            )
        if args.singles:
            print(f"(singles: {args.singles} rendered one by one, time scaled to {n})")


if __name__ == "__main__":
    main()
