"""The import service: bounded queries, races at commit, withdrawn enrollments."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from cadre.extensions import db
from cadre.imports import services
from cadre.models import AuditEvent, Enrollment, EnrollmentStatus, Trainee
from cadre.services import writing
from tests.data import rosters
from tests.factories import enroll, make_cohort, make_trainee


def people(n: int) -> list[dict]:
    return [{"姓名": f"学员{i}", "联系电话": f"139{i:08d}", "组别": f"第{i % 4 + 1}组"} for i in range(n)]


@pytest.mark.parametrize("size", [29, 300])
def test_planning_takes_the_same_few_queries_whatever_the_size(app, count_queries, size):
    cohort = make_cohort()
    for person in people(size)[::2]:  # half of them already known, some already enrolled
        trainee = make_trainee(name=person["姓名"], phone=person["联系电话"])
        if int(person["联系电话"]) % 4 == 0:
            enroll(cohort, trainee)
    data = rosters.xlsx_bytes(rosters.simple_rows(people(size), headers=("姓名", "联系电话", "组别")))
    with count_queries() as statements:
        plan = services.plan_import(cohort, data, "a.xlsx")
        assert plan.ok
    assert len(statements) <= 4, statements


def test_someone_adding_the_same_person_during_the_commit_writes_nothing(app):
    cohort = make_cohort()
    data = rosters.office_xlsx()
    plan = services.plan_import(cohort, data, "a.xlsx", rosters.TODAY)
    first = rosters.OFFICE_TRAINEES[0]
    make_trainee(name=first.name, phone=first.phone)  # committed by "another worker"
    with pytest.raises(services.ImportConflict), writing():
        services.apply_import(cohort, plan, rosters.TODAY)
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 1
    assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_a_plan_with_errors_cannot_be_applied(app):
    cohort = make_cohort()
    data = rosters.xlsx_bytes(rosters.simple_rows([{"姓名": "王芳", "联系电话": "123"}]))
    plan = services.plan_import(cohort, data, "a.xlsx")
    with pytest.raises(ValueError):
        services.apply_import(cohort, plan)


def test_withdrawal_in_the_file_is_applied_with_its_date_and_reason(app):
    cohort = make_cohort()
    trainee = make_trainee(name="王芳", phone="13800138000")
    enrollment = enroll(cohort, trainee)
    rows = [
        ["姓名", "联系电话", "状态", "退出日期", "退出原因"],
        ["王芳", "13800138000", "已退出", "2025-05-20", "工作调动"],
    ]
    plan, result = services.commit_import(cohort, rosters.xlsx_bytes(rows), "a.xlsx")
    db.session.commit()
    assert result.updated == [trainee.id]
    db.session.refresh(enrollment)
    assert (enrollment.status, enrollment.withdrawn_on, enrollment.withdrawal_reason) == (
        EnrollmentStatus.WITHDRAWN,
        date(2025, 5, 20),
        "工作调动",
    )
    rows[1][2:] = ["在读", "", ""]
    services.commit_import(cohort, rosters.xlsx_bytes(rows), "a.xlsx")
    db.session.commit()
    db.session.refresh(enrollment)
    assert (enrollment.status, enrollment.withdrawn_on, enrollment.withdrawal_reason) == (
        EnrollmentStatus.ACTIVE,
        None,
        None,
    )
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["enrollment.updated", "trainees.imported"] * 2


def test_a_phoneless_trainee_on_file_is_matched_by_name_and_birth(app):
    cohort = make_cohort()
    known = make_trainee(name="欧阳俊杰", phone=None, birth_year=1992, birth_month=2)
    make_trainee(name="欧阳俊杰", phone=None, birth_year=1980, birth_month=7)
    rows = [["姓名", "联系电话", "出生年月"], ["欧阳俊杰", "", "1992.02"]]
    plan = services.plan_import(cohort, rosters.xlsx_bytes(rows), "a.xlsx")
    assert plan.ok
    assert plan.rows[0].trainee.id == known.id
    rows[1][2] = ""
    plan = services.plan_import(cohort, rosters.xlsx_bytes(rows), "a.xlsx")
    assert [e.code for e in plan.rows[0].errors] == ["ambiguous_name"]
