"""Benchmark: import a 2,000-row office-style roster through the service code path.

    .venv/bin/python bench/import_trainees.py [--rows 2000]
    TEST_DATABASE_URL=postgresql://... .venv/bin/python bench/import_trainees.py

Runs on a fresh SQLite file, and also on PostgreSQL when TEST_DATABASE_URL (or
a PostgreSQL DATABASE_URL) is set; the rows it creates there are deleted afterwards. For each database it
times the preview (plan_import: read + parse + match, writes nothing), the
commit of a first import (commit_import: plan again + write + audit), and a
re-import of the same file (every row matched, nothing changes), and prints
rows per second. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import Config, normalize_database_url  # noqa: E402

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
GIVEN = "芳娜伟洋静帆磊丽杰敏婷浩蓉琳翔晓雪峰骏佳晨雅凯颖冰亮洁雯俊强军平刚桂英华玉兰秀明国建"
COMMUNITIES = ["新梅居民区", "华兴居民区", "洪南山宅居民区", "中兴居民区", "均益居民区", "河滨融景居民区"]


def roster_xlsx(rows: int, seed: int, phone_base: int) -> bytes:
    """An office-style roster: title row, 序号, shuffled columns, mixed date and phone forms."""
    import io

    from openpyxl import Workbook

    rnd = random.Random(seed)
    wb = Workbook()
    ws = wb.active
    ws.append(["基准测试培训班学员名单"])
    ws.append([])
    ws.append(
        [
            "序号",
            "姓 名",
            "所在居民区（单位）",
            "现任职务",
            "性别",
            "出生年月",
            "政治面貌",
            "学历",
            "手机号码",
            "小组",
            "班委",
        ]
    )
    for i in range(rows):
        name = rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2))))
        year, month = rnd.randint(1970, 2000), rnd.randint(1, 12)
        birth = rnd.choice(
            [datetime(year, month, 1), f"{year}.{month:02d}", f"{year}-{month:02d}", f"{year}年{month}月"]
        )
        phone = str(phone_base + i)
        phone_cell = rnd.choice([int(phone), f"{phone[:3]} {phone[3:7]} {phone[7:]}", phone + " "])
        role = "组长" if i % 10 == 0 else ""
        ws.append(
            [
                i + 1,
                name,
                rnd.choice(COMMUNITIES),
                "社区工作者",
                rnd.choice("男女"),
                birth,
                rnd.choice(["中共党员", "群众"]),
                rnd.choice(["本科", "大专"]),
                phone_cell,
                f"第{i % 20 + 1}组",
                role,
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(database_url: str, label: str, rows: int, cleanup: bool) -> None:
    from sqlalchemy import delete, select

    from cadre import create_app
    from cadre.extensions import db
    from cadre.imports import services
    from cadre.models import AuditEvent, Cohort, Enrollment, Trainee
    from cadre.services import writing

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = normalize_database_url(database_url)
        CHECK_PRINTING = False

    app = create_app(BenchConfig)
    seed = int(time.time())
    # Mobile numbers in a range a demo or test database does not use.
    phone_base = 19_900_000_000 + random.Random(seed).randrange(0, 90_000_000)
    data = roster_xlsx(rows, seed, phone_base)
    with app.app_context():
        db.create_all()
        cohort = Cohort(code=f"BENCH{seed}", name="基准测试培训班")
        db.session.add(cohort)
        db.session.commit()
        try:
            t0 = time.perf_counter()
            plan = services.plan_import(cohort, data, "bench.xlsx")
            db.session.rollback()
            t1 = time.perf_counter()
            assert plan.ok, plan.error_lines()[:5]
            with writing():
                plan, result = services.commit_import(
                    cohort, data, "bench.xlsx", expected_fingerprint=plan.fingerprint
                )
            t2 = time.perf_counter()
            assert result is not None and len(result.created) == rows
            with writing():
                again, result2 = services.commit_import(cohort, data, "bench.xlsx")
            t3 = time.perf_counter()
            assert result2 is not None and result2.unchanged == rows
        finally:
            if cleanup:
                db.session.rollback()
                ids = db.session.scalars(
                    select(Enrollment.trainee_id).where(Enrollment.cohort_id == cohort.id)
                ).all()
                db.session.execute(delete(AuditEvent).where(AuditEvent.cohort_id == cohort.id))
                db.session.execute(delete(Enrollment).where(Enrollment.cohort_id == cohort.id))
                db.session.execute(delete(Trainee).where(Trainee.id.in_(ids)))
                db.session.execute(delete(Cohort).where(Cohort.id == cohort.id))
                db.session.commit()
            db.engine.dispose()
    print(f"{label}: {rows} rows, file {len(data) // 1024} KB")
    print(f"  preview (read, parse, match; no writes)  {t1 - t0:6.2f} s  {rows / (t1 - t0):8.0f} rows/s")
    print(f"  commit of a first import (all new)       {t2 - t1:6.2f} s  {rows / (t2 - t1):8.0f} rows/s")
    print(f"  re-import of the same file (no changes)  {t3 - t2:6.2f} s  {rows / (t3 - t2):8.0f} rows/s")
    print(f"  preview + commit, end to end             {t2 - t0:6.2f} s  {rows / (t2 - t0):8.0f} rows/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/bench.sqlite3", "SQLite (fresh file, WAL)", args.rows, cleanup=False)
    pg = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL", "")
    if pg.startswith(("postgres://", "postgresql")):
        run(pg, "PostgreSQL", args.rows, cleanup=True)


if __name__ == "__main__":
    main()
