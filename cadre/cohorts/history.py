"""An enrollment's history as a person reads it: a presentation helper over the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cadre.extensions import db
from cadre.models import AuditEvent, ClassRole, Enrollment, EnrollmentStatus


def enrollment_history(cohort_id: int, enrollment_id: int, limit: int = 50) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.object_type == Enrollment.__tablename__,
            AuditEvent.object_id == enrollment_id,
            AuditEvent.cohort_id == cohort_id,
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
        .options(selectinload(AuditEvent.actor))
    ).all()


@dataclass(frozen=True)
class HistoryLine:
    event: AuditEvent
    title: str
    changes: list[tuple[str, str, str]]  # (field, before, after)


def _history_value(key: str, value) -> str:
    from cadre.labels import label_for

    if value is None or value == "":
        return "—"
    if key == "class_role" and value in {r.value for r in ClassRole}:
        return label_for(ClassRole(value))
    if key == "status" and value in {s.value for s in EnrollmentStatus}:
        return label_for(EnrollmentStatus(value))
    return str(value)


def describe_history(events: Iterable[AuditEvent]) -> list[HistoryLine]:
    """Audit events of an enrollment as lines a person can read: what changed from what to what."""
    titles = {
        "enrollment.added": _("加入本班"),
        "enrollment.updated": _("修改小组/职务"),
        "enrollment.withdrawn": _("退训"),
        "enrollment.reactivated": _("恢复在训"),
        "enrollment.removed": _("从名单删除"),
    }
    fields = {
        "group": _("小组"),
        "class_role": _("班内职务"),
        "status": _("状态"),
        "withdrawn_on": _("退出日期"),
        "withdrawal_reason": _("退出原因"),
    }
    lines = []
    for event in events:
        before = event.before or {}
        after = event.after or {}
        changes = []
        for key, label in fields.items():
            if key in after and (event.action != "enrollment.added" or after.get(key)):
                old, new = before.get(key), after.get(key)
                if old != new:
                    changes.append((label, _history_value(key, old), _history_value(key, new)))
        lines.append(HistoryLine(event, titles.get(event.action, event.action), changes))
    return lines
