"""Cohort and import services follow the service contract (cadre/services.py).

They take plain values, run without a request (CLI, background jobs), leave the commit
to the caller's writing(), and refuse with ServiceError / NotFound, never an HTTP abort.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cadre.cohorts import roster
from cadre.extensions import db
from cadre.models import AuditEvent, ClassRole, Enrollment, Role, Trainee
from cadre.services import NotFound, writing
from tests.factories import enroll, login, make_cohort, make_trainee, make_user

ROOT = Path(__file__).resolve().parent.parent
# Every module of an area that is not its web or command-line layer is held to the contract,
# so the areas added later are too. permissions.py is the views' own helper (it aborts 403/404).
_NOT_SERVICES = ("__init__.py", "forms.py", "cli.py", "blueprint.py", "permissions.py")
SERVICE_MODULES = sorted(
    str(p.relative_to(ROOT))
    for p in (ROOT / "cadre").glob("*/*.py")
    if p.parent.name not in ("models", "rules", "translations", "static")
    and p.name not in _NOT_SERVICES
    and not p.name.startswith("views")
    and not p.name.endswith("_views.py")
)


def counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Trainee, Enrollment, AuditEvent)
    )


def test_enrolling_a_new_person_runs_without_a_request_and_commits_only_in_writing(app):
    cohort = make_cohort()
    person = roster.NewTrainee(name="周敏", phone="13812345678", community="慧华苑居民区")
    roster.enroll_new_trainee(cohort, person, group="第一组", role=ClassRole.MEMBER)
    db.session.rollback()  # the service flushed but did not commit: nothing stays
    assert counts() == (0, 0, 0)
    with writing():
        trainee, result = roster.enroll_new_trainee(cohort, person, group="第一组", role=ClassRole.MEMBER)
    db.session.expire_all()
    assert counts() == (1, 1, 2)  # trainee.created + enrollment.added
    assert (trainee.name, trainee.phone, trainee.community) == ("周敏", "13812345678", "慧华苑居民区")
    assert [e.group for e in result.added] == ["第一组"]


def test_an_enrollment_missing_at_write_time_is_not_found_not_an_http_error(app):
    cohort = make_cohort()
    with pytest.raises(NotFound), writing():
        roster.withdraw(cohort, 12345, on=None, reason="调动")


def test_an_enrollment_removed_between_page_and_write_answers_404_and_writes_nothing(client, monkeypatch):
    organizer = make_user(Role.ORGANIZER)
    login(client, organizer.username)
    cohort = make_cohort(organizers=[organizer])
    enrollment = enroll(cohort, make_trainee(name="王芳"))
    # The page found the enrollment; another request deleted it before this write.
    monkeypatch.setattr(roster, "enrollment_in", lambda cohort, enrollment_id: None)
    response = client.post(
        f"/cohorts/{cohort.id}/enrollments/{enrollment.id}/withdraw",
        data={"withdrawn_on": "2025-05-20", "reason": "工作调动"},
    )
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


@pytest.mark.parametrize("path", SERVICE_MODULES)
def test_service_modules_neither_commit_nor_see_requests_or_forms(path):
    assert len(SERVICE_MODULES) >= 30
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    imported = {
        alias.name if isinstance(node, ast.Import) else f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    called = {
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
    }
    assert not called & {"commit", "rollback", "begin_write", "abort"}, path
    assert not {name for name in imported if name.split(".")[0] in ("wtforms", "flask_wtf")}, path
    assert not imported & {"flask.request", "flask.abort", "flask_login.current_user"}, path
