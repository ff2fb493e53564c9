"""The report's figures equal the attendance statistics page, on awkward rosters too."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select

from cadre.enums import EnrollmentStatus
from cadre.extensions import db
from cadre.models import Enrollment
from tests.certificate_support import finished_cohort
from tests.factories import enroll, login, make_trainee
from tests.report_support import demo_organizer, load_demo_cohort


def _table(page: str, table_id: str) -> list[list[str]]:
    m = re.search(rf'<table[^>]*id="{table_id}".*?</table>', page, re.S)
    assert m, table_id
    body = m.group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>")[1], re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows
    ]


def _groups_compare(client, cohort_id):
    stats = client.get(f"/cohorts/{cohort_id}/attendance").get_data(as_text=True)
    report = client.get(f"/cohorts/{cohort_id}/report").get_data(as_text=True)
    s = {r[0]: (r[1], r[2]) for r in _table(stats, "per-group")}
    rp = {r[0]: (r[1], r[2]) for r in _table(report, "by-group")}
    return s, rp, stats, report


def test_demo_report_groups_match_stats(app, client):
    cohort = load_demo_cohort()
    login(client, demo_organizer().username, "demo-pass-2025")
    s, rp, stats, report = _groups_compare(client, cohort.id)
    assert s == rp


def test_withdrawn_and_blank_group_match_stats(app, client):
    f = finished_cohort(completed=("张晓明", "李娜", "欧阳建国", "赵退训"), absent=("王缺课",))
    # one trainee withdraws; one more trainee with a blank group
    e = db.session.scalar(select(Enrollment).where(Enrollment.trainee_id == f.completed[3].id))
    e.status = EnrollmentStatus.WITHDRAWN
    e.withdrawn_on = datetime(2025, 5, 20).date()
    t = make_trainee(name="孙无组")
    enroll(f.cohort, t, group="")
    t2 = make_trainee(name="周退组")
    enroll(
        f.cohort,
        t2,
        group="第二组",
        status=EnrollmentStatus.WITHDRAWN,
        withdrawn_on=datetime(2025, 5, 1).date(),
    )
    db.session.commit()
    login(client, f.organizer.username)
    s, rp, stats, report = _groups_compare(client, f.cohort.id)
    assert s == rp, f"stats per-group {s} vs report by-group {rp}"


def test_headline_rate_equals_stats(app, client):
    f = finished_cohort(completed=("张晓明", "李娜"), absent=("王缺课",))
    e = db.session.scalar(select(Enrollment).where(Enrollment.trainee_id == f.absent[0].id))
    e.status = EnrollmentStatus.WITHDRAWN
    e.withdrawn_on = datetime(2025, 5, 12).date()
    db.session.commit()
    login(client, f.organizer.username)
    stats = client.get(f"/cohorts/{f.cohort.id}/attendance").get_data(as_text=True)
    report = client.get(f"/cohorts/{f.cohort.id}/report").get_data(as_text=True)
    rates_stats = re.findall(r"(\d+(?:\.\d+)?)%", stats)
    head = re.search(r"平均出勤率</div><div class=\"figure\">([^<]*)<", report).group(1)
    print("\nstats rates", rates_stats[:12], "report headline", head)
    per_session = _table(stats, "per-session") if 'id="per-session"' in stats else []
    print("per-session", per_session)
