"""Roster export: contents, who may download it, formulas neutralised, and re-import unchanged."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from cadre.extensions import db
from cadre.imports import services
from cadre.models import AuditEvent, ClassRole, Enrollment, EnrollmentStatus, Gender, Role, Trainee
from tests.factories import enroll, login, make_cohort, make_trainee, make_trainee_user, make_user


@pytest.fixture
def organizer():
    """The cohort's organizer, not logged in (unlike conftest's): each test logs in whom it needs."""
    return make_user(Role.ORGANIZER)


@pytest.fixture
def cohort(organizer):
    cohort = make_cohort(organizers=[organizer], code="QLJL2025", name="青蓝接力培训班")
    people = [
        dict(
            name="王芳",
            phone="13800138000",
            gender=Gender.FEMALE,
            birth_year=1990,
            birth_month=5,
            community="新梅居民区",
            position="居委会委员",
            political_status="中共党员",
            education="本科",
            notes='=HYPERLINK("http://evil.example","点我")',
        ),
        dict(
            name="李娜",
            phone="13900139000",
            gender=Gender.FEMALE,
            birth_year=1985,
            birth_month=11,
            community="+华兴居民区",
            position="-社区工作者",
            education="@大专",
        ),
        dict(name="张伟", phone="13700137000", gender=Gender.MALE, birth_year=1979, birth_month=None),
        dict(
            name="欧阳俊杰",
            phone=None,
            gender=Gender.MALE,
            birth_year=1992,
            birth_month=2,
            community="河滨融景居民区",
        ),
    ]
    roles = [
        dict(group="第一组", class_role=ClassRole.MONITOR),
        dict(group="第一组", class_role=ClassRole.GROUP_LEADER),
        dict(group=None, class_role=ClassRole.MEMBER, status=EnrollmentStatus.WITHDRAWN,
             withdrawn_on=date(2025, 5, 20), withdrawal_reason="工作调动"),
        dict(group="第二组", class_role=ClassRole.MEMBER),
    ]  # fmt: skip
    for person, role in zip(people, roles, strict=True):
        enroll(cohort, make_trainee(**person), **role)
    return cohort


def export(client, cohort):
    return client.get(f"/cohorts/{cohort.id}/roster.xlsx")


def snapshot() -> list[tuple]:
    trainees = [
        (t.id, t.name, t.phone, t.gender, t.birth_year, t.birth_month, t.community, t.position,
         t.political_status, t.education, t.notes)
        for t in db.session.scalars(select(Trainee).order_by(Trainee.id))
    ]  # fmt: skip
    enrollments = [
        (e.cohort_id, e.trainee_id, e.group, e.class_role, e.status, e.withdrawn_on, e.withdrawal_reason)
        for e in db.session.scalars(select(Enrollment).order_by(Enrollment.id))
    ]
    return trainees + enrollments


def test_organizer_downloads_the_roster(client, organizer, cohort):
    login(client, organizer.username)
    response = export(client, cohort)
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.data)).active
    assert ws["A1"].value.startswith("青蓝接力培训班 学员名单")
    assert [c.value for c in ws[2]] == [
        "序号", "姓名", "性别", "出生年月", "联系电话", "所在居民区(单位)", "现任职务", "政治面貌", "学历",
        "小组", "班内职务", "状态", "退出日期", "退出原因", "备注",
    ]  # fmt: skip
    rows = {r[1]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    assert rows["王芳"][:5] == (1, "王芳", "女", "1990.05", "13800138000")
    assert rows["王芳"][9:12] == ("第一组", "班长", "在训")
    assert rows["张伟"][3] == "1979"
    assert rows["张伟"][11:14] == ("退训", "2025-05-20", "工作调动")
    assert ws["E3"].data_type == "s"  # phones are text


@pytest.mark.parametrize("who", ["other_organizer", "trainee"])
def test_only_those_who_manage_the_cohort_may_export(client, cohort, who):
    user = make_trainee_user(cohort) if who == "trainee" else make_user(Role.ORGANIZER)
    login(client, user.username)
    assert export(client, cohort).status_code == 403


def test_cells_that_excel_would_run_as_formulas_are_neutralised(client, organizer, cohort):
    login(client, organizer.username)
    wb = load_workbook(io.BytesIO(export(client, cohort).data))
    texts = [c for row in wb.active.iter_rows() for c in row if isinstance(c.value, str)]
    assert texts
    for cell in texts:
        assert cell.data_type != "f"
        assert cell.value[0] not in "=+-@", cell.value
    values = {c.value for c in texts}
    assert '\'=HYPERLINK("http://evil.example","点我")' in values
    assert {"'+华兴居民区", "'-社区工作者", "'@大专"} <= values


def test_the_exported_roster_reimports_into_the_same_cohort_unchanged(client, organizer, cohort):
    login(client, organizer.username)
    data = export(client, cohort).data
    before = snapshot()
    plan = services.plan_import(cohort, data, "roster.xlsx")
    assert plan.error_lines() == []
    assert {r.outcome for r in plan.rows} == {services.SAME}
    plan, result = services.commit_import(cohort, data, "roster.xlsx")
    db.session.commit()
    assert result.unchanged == 4
    assert snapshot() == before


def test_the_exported_roster_recreates_the_same_enrollments_in_a_new_cohort(client, organizer, cohort):
    login(client, organizer.username)
    data = export(client, cohort).data
    trainees_before = db.session.scalar(select(func.count()).select_from(Trainee))
    new = make_cohort(code="QLJL2026", organizers=[organizer])
    plan, result = services.commit_import(new, data, "roster.xlsx")
    assert plan.error_lines() == []
    db.session.commit()
    assert len(result.enrolled) == 4 and result.created == []
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == trainees_before

    def places(c):
        return sorted(
            (e.trainee_id, e.group, e.class_role, e.status, e.withdrawn_on, e.withdrawal_reason)
            for e in db.session.scalars(select(Enrollment).where(Enrollment.cohort_id == c.id))
        )

    assert places(new) == places(cohort)


def test_the_roster_reimports_through_the_web_page_with_no_changes(client, organizer, cohort, app, tmp_path):
    app.config["IMPORT_UPLOAD_DIR"] = str(tmp_path)
    try:
        login(client, organizer.username)
        data = export(client, cohort).data
        html = client.post(
            f"/cohorts/{cohort.id}/import",
            data={"file": (io.BytesIO(data), "roster.xlsx")},
            content_type="multipart/form-data",
        ).get_data(as_text=True)
        assert "已在本班，无变化 4" in html
        assert "将更新" not in html
        assert "无需导入" in html
    finally:
        app.config["IMPORT_UPLOAD_DIR"] = None


def test_an_empty_cohort_exports_a_header_only_roster(client, organizer):
    empty = make_cohort(organizers=[organizer])
    login(client, organizer.username)
    ws = load_workbook(io.BytesIO(export(client, empty).data)).active
    assert ws.max_row == 2
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0
