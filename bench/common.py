"""What the in-process benchmarks share: an app on a scratch database, loaded with the demo."""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from config import TestConfig  # noqa: E402

PASSWORD = "bench-password"


def bench_app(url: str):
    """The app on `url` with the test settings (no CSRF, no printing checks)."""
    from cadre import create_app

    class BenchConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        WTF_CSRF_ENABLED = False

    return create_app(BenchConfig)


def load_demo(app, trainees: int, sessions: int, *, fresh: bool = True) -> None:
    """`cadre demo --trainees N --sessions M` into the app's database (emptied first with `fresh`)."""
    from cadre.extensions import db

    with app.app_context():
        if fresh:
            db.drop_all()
        db.create_all()
        started = time.perf_counter()
        result = app.test_cli_runner().invoke(
            args=[
                "cadre",
                "demo",
                "--password",
                PASSWORD,
                "--trainees",
                str(trainees),
                "--sessions",
                str(sessions),
            ]
        )
        assert result.exit_code == 0, result.output
        print(f"  demo loaded in {time.perf_counter() - started:.1f} s: {result.output.splitlines()[0]}")
        db.session.remove()
