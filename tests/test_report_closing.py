"""结班材料 ZIP, the report downloads and the CLI; who may open them."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook

from cadre.attendance import stats
from cadre.models import Role
from cadre.models.types import utcnow
from tests.factories import login, make_cohort, make_user
from tests.pdf_support import pdf_text
from tests.report_support import load_demo_cohort


def test_closing_zip_holds_every_paper(app, client):
    cohort = load_demo_cohort()
    login(client, "organizer", "demo-pass-2025")
    response = client.get(f"/cohorts/{cohort.id}/closing.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    zf = zipfile.ZipFile(io.BytesIO(response.data))
    names = [n.split("/", 1)[1] for n in zf.namelist()]
    assert names == [
        "1-课程表.pdf",
        "2-花名册.xlsx",
        "3-签到表（按实际记录）.pdf",
        "4-学时登记表.xlsx",
        "5-结业名单.pdf",
        "5-结业名单.xlsx",
        "6-培训总结报告.pdf",
        "6-培训总结报告.xlsx",
    ]
    files = {n.split("/", 1)[1]: zf.read(n) for n in zf.namelist()}
    for name, data in files.items():
        assert data.startswith(b"%PDF" if name.endswith(".pdf") else b"PK"), name

    data = stats.cohort_attendance(cohort, utcnow())
    held = [s for s, st in zip(data.sessions, data.per_session, strict=True) if st.held]
    sheets = pdf_text(files["3-签到表（按实际记录）.pdf"])
    assert sheets.count("签到表（按实际记录）") == len(held)
    register = load_workbook(io.BytesIO(files["4-学时登记表.xlsx"])).active
    rows = list(register.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(data.enrollments)
    for row, enrollment in zip(rows, data.enrollments, strict=True):
        summary = data.per_trainee[enrollment.trainee_id]
        assert row[1] == enrollment.trainee.name
        hours = [h for h in row[6 : 6 + len(held)] if h is not None]
        assert sum(hours) == pytest.approx(float(summary.hours_earned))
        assert row[6 + len(held)] == float(summary.hours_earned)
    completed = [e for e in data.enrollments if data.per_trainee[e.trainee_id].completed]
    listed = list(
        load_workbook(io.BytesIO(files["5-结业名单.xlsx"])).active.iter_rows(min_row=2, values_only=True)
    )
    assert [r[1] for r in listed] == [e.trainee.name for e in completed]


def test_report_downloads_for_the_organizer(app, client):
    cohort = load_demo_cohort()
    login(client, "organizer", "demo-pass-2025")
    pdf = client.get(f"/cohorts/{cohort.id}/report.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "filename*=UTF-8''QLJL2025-" in pdf.headers["Content-Disposition"]
    xlsx = client.get(f"/cohorts/{cohort.id}/report.xlsx")
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    page = client.get(f"/cohorts/{cohort.id}/report")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for chart in ("rate", "mix", "hours", "community"):
        assert f'id="chart-{chart}"' in body


@pytest.mark.parametrize("path", ["report", "report.pdf", "report.xlsx", "closing.zip"])
def test_an_organizer_of_another_cohort_cannot_open_or_download(app, client, path):
    cohort = load_demo_cohort()
    other = make_user(Role.ORGANIZER)
    make_cohort(organizers=[other])
    login(client, other.username)
    assert client.get(f"/cohorts/{cohort.id}/{path}").status_code == 403
    if path == "report":
        response = client.post(f"/cohorts/{cohort.id}/report", data={"narrative": "改掉"})
        assert response.status_code == 403


def test_cli_writes_the_pdf_and_the_workbook(app, runner, tmp_path):
    load_demo_cohort()
    pdf, xlsx = tmp_path / "r.pdf", tmp_path / "r.xlsx"
    result = runner.invoke(args=["cadre", "report", "qljl2025", "-o", str(pdf), "--xlsx", str(xlsx)])
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "培训总结报告" in pdf_text(pdf.read_bytes())
    assert "学员学时" in load_workbook(xlsx).sheetnames


def test_cli_refuses_an_unknown_cohort(app, runner, tmp_path):
    result = runner.invoke(args=["cadre", "report", "NOPE", "-o", str(tmp_path / "r.pdf")])
    assert result.exit_code != 0
    assert "NOPE" in result.output


def test_report_page_shows_the_same_group_rates_as_the_statistics_page(app, client):
    import re

    cohort = load_demo_cohort()
    login(client, "organizer", "demo-pass-2025")
    report = client.get(f"/cohorts/{cohort.id}/report").get_data(as_text=True)
    statistics = client.get(f"/cohorts/{cohort.id}/attendance").get_data(as_text=True)
    data = stats.cohort_attendance(cohort, utcnow())
    for name, group in data.per_group.items():
        rate = f"{group.tally.rate_percent}%"
        label = re.escape(name or "未分组")
        assert re.search(rf"<td>{label}</td><td>{group.trainees}</td><td>{re.escape(rate)}</td>", report)
        assert re.search(rf"<td>{label}</td><td>{group.trainees}</td><td>{re.escape(rate)}</td>", statistics)


def test_report_page_in_english(app, client):
    cohort = load_demo_cohort()
    login(client, "organizer", "demo-pass-2025")
    client.post("/language", data={"lang": "en", "next": "/"})
    page = client.get(f"/cohorts/{cohort.id}/report").get_data(as_text=True)
    assert "Download the report (PDF)" in page
    assert "Save the report text" in page
