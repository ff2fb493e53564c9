"""`flask cadre import-trainees` and `flask cadre export-roster`."""

from __future__ import annotations

from openpyxl import load_workbook
from sqlalchemy import func, select

from cadre.extensions import db
from cadre.models import AuditEvent, Enrollment, Trainee
from tests.data import rosters
from tests.factories import enroll, make_cohort, make_trainee


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_cli_imports_the_office_roster(runner, tmp_path):
    cohort = make_cohort(code="QLJL2025")
    result = runner.invoke(
        args=["cadre", "import-trainees", "qljl2025", write(tmp_path, "名单.xlsx", rosters.office_xlsx())]
    )
    assert result.exit_code == 0, result.output
    assert "新学员 29 人" in result.output
    assert "已导入到" in result.output
    assert count(Trainee) == 29
    assert db.session.scalar(select(func.count()).where(Enrollment.cohort_id == cohort.id)) == 29
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "trainees.imported"))
    assert event.after["created"] == 29
    assert event.actor_id is None


def test_cli_imports_a_gbk_csv(runner, tmp_path):
    make_cohort(code="QLJL2025")
    result = runner.invoke(
        args=["cadre", "import-trainees", "QLJL2025", write(tmp_path, "名单.csv", rosters.office_csv("gbk"))]
    )
    assert result.exit_code == 0, result.output
    assert count(Trainee) == 29


def test_dry_run_writes_nothing(runner, tmp_path):
    make_cohort(code="QLJL2025")
    path = write(tmp_path, "名单.xlsx", rosters.office_xlsx())
    result = runner.invoke(args=["cadre", "import-trainees", "QLJL2025", path, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "新学员 29 人" in result.output
    assert "试运行" in result.output
    assert (count(Trainee), count(Enrollment), count(AuditEvent)) == (0, 0, 0)


def test_row_errors_are_printed_in_chinese_and_nothing_is_written(runner, tmp_path):
    make_cohort(code="QLJL2025")
    rows = [
        ["姓名", "手机号码", "性别", "出生年月"],
        ["王芳", "13800138000", "女", "1990.05"],
        ["李娜", "1380013800", "女", "1990.05"],
        ["张伟", "13900139000", "男", "2099.01"],
        ["刘洋", "13700137000", "?", "1988.02"],
    ]
    result = runner.invoke(
        args=["cadre", "import-trainees", "QLJL2025", write(tmp_path, "a.xlsx", rosters.xlsx_bytes(rows))]
    )
    assert result.exit_code == 1
    assert "第 3 行 [手机号码]：“1380013800”不是有效的大陆手机号码" in result.output
    assert "第 4 行 [出生年月]：出生年月“2099.01”晚于今天" in result.output
    assert "第 5 行 [性别]：性别“?”无法识别" in result.output
    assert "共 3 处错误，没有导入任何数据" in result.output
    assert (count(Trainee), count(Enrollment), count(AuditEvent)) == (0, 0, 0)


def test_a_bad_file_exits_non_zero_with_the_reason(runner, tmp_path):
    make_cohort(code="QLJL2025")
    result = runner.invoke(args=["cadre", "import-trainees", "QLJL2025", write(tmp_path, "a.xlsx", b"")])
    assert result.exit_code == 1
    assert "文件是空的" in result.output
    assert count(Trainee) == 0


def test_an_unknown_cohort_is_refused(runner, tmp_path):
    result = runner.invoke(
        args=["cadre", "import-trainees", "NOPE", write(tmp_path, "a.xlsx", rosters.office_xlsx())]
    )
    assert result.exit_code != 0
    assert "找不到代码为 NOPE 的培训班" in result.output


def test_export_roster_writes_an_xlsx(runner, tmp_path):
    cohort = make_cohort(code="QLJL2025", name="青蓝接力培训班")
    enroll(cohort, make_trainee(name="王芳", phone="13800138000"), group="第一组")
    out = tmp_path / "roster.xlsx"
    result = runner.invoke(args=["cadre", "export-roster", "QLJL2025", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "已导出 1 名学员" in result.output
    ws = load_workbook(out).active
    assert "青蓝接力培训班" in ws["A1"].value
    assert [c.value for c in ws[3]][:5] == [1, "王芳", None, None, "13800138000"]
