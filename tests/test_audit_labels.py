"""Audit pages name actions and fields as an office reads them, in both languages; unknown ones raw."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from cadre import audit
from cadre.audit_labels import ACTION_LABELS
from cadre.extensions import db
from cadre.models import Role
from tests.factories import login, make_cohort, make_user

CADRE = Path(__file__).resolve().parent.parent / "cadre"


def _events():
    organizer = make_user(Role.ORGANIZER, username="org", display_name="林晓岚")
    make_user(Role.ADMIN, username="boss", display_name="王主任")
    cohort = make_cohort(organizers=[organizer], name="青蓝接力")
    audit.record(
        "cohort.updated",
        cohort,
        before={"contact_phone": "111"},
        after={"contact_phone": "222"},
        cohort_id=cohort.id,
    )
    audit.record("mystery.thing", cohort, after={"odd_key": "值"}, cohort_id=cohort.id)
    db.session.commit()
    return cohort


def _list(page: str) -> str:
    return page.split('class="list-unstyled mb-0 audit-events"', 1)[1]


def test_admin_log_and_cohort_history_show_action_and_field_labels_in_chinese(client, app):
    cohort = _events()
    login(client, "boss")
    admin_page = client.get("/admin/audit").get_data(as_text=True)
    events = _list(admin_page)
    assert ">修改培训班</strong>" in events and "联系电话：" in events
    assert ">mystery.thing</strong>" in events and "odd_key" in events  # unknown: as recorded
    assert '<option value="cohort.updated" >修改培训班</option>' in admin_page  # the filter shows labels
    login(client, "org")
    history = _list(client.get(f"/cohorts/{cohort.id}/history").get_data(as_text=True))
    assert (
        ">修改培训班</strong>" in history and "联系电话：" in history and ">mystery.thing</strong>" in history
    )


def test_audit_labels_in_english(client, app):
    cohort = _events()
    login(client, "org")
    client.post("/language", data={"lang": "en"})
    history = _list(client.get(f"/cohorts/{cohort.id}/history").get_data(as_text=True))
    assert (
        ">Cohort edited</strong>" in history and "Phone" in history and ">mystery.thing</strong>" in history
    )


def test_a_persons_name_and_a_cohorts_name_are_labelled_apart(client, app):
    from cadre.admin.services import audit_changes

    cohort = _events()
    event = audit.record(
        "cohort.updated", cohort, before={"name": "旧"}, after={"name": "新"}, cohort_id=cohort.id
    )
    user_event = audit.record(
        "user.updated", make_user(Role.ORGANIZER), before={"display_name": "甲"}, after={}
    )
    with app.test_request_context():
        assert audit_changes(event)[0][0] == "名称"
        assert audit_changes(user_event)[0][0] == "姓名"


def _recorded_actions() -> set[str]:
    """Every action name cadre/ passes to audit.record, literal, conditional or built from a kind."""
    found: set[str] = set()
    decided: set[str] = set()
    for path in CADRE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name == "decide_request":
                decided |= {k.value.value for k in node.keywords if k.arg == "event"}
            if name not in ("record", "audit_request") or not node.args:
                continue
            if name == "record" and not (
                isinstance(node.func, ast.Attribute) and ast.unparse(node.func.value) == "audit"
            ):
                continue
            first = node.args[0]
            literals = [
                n.value for n in ast.walk(first) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            ]
            if isinstance(first, ast.Name):
                continue  # a parameter: its callers are collected here as well
            if isinstance(first, ast.JoinedStr):
                continue  # expanded below
            found |= {s for s in literals if re.fullmatch(r"[a-z_]+\.[a-z_]+", s)}  # not f-string parts
    found |= {f"{e}.{d}" for e in decided for d in ("approved", "rejected")}
    kinds = set(
        re.findall(
            r'_(?:create|update)\(\w+(?:\(\))?, [\w, ]+, "(\w+)"',
            (CADRE / "schedule/resources.py").read_text(),
        )
    )
    assert kinds == {"speaker", "venue"}
    found |= {f"{k}.{verb}" for k in kinds for verb in ("created", "updated")}
    return found


def test_every_recorded_action_has_a_label():
    actions = _recorded_actions()
    assert {"cohort.updated", "enrollment.withdrawn", "leave.approved", "venue.updated"} <= actions
    assert sorted(actions - set(ACTION_LABELS)) == []
    grep = set(
        re.findall(r'audit\.record\(\s*"([a-z_.]+)"', "\n".join(p.read_text() for p in CADRE.rglob("*.py")))
    )
    assert grep <= actions
