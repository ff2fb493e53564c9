"""Writing the audit log. Services call record() inside the transaction they change."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from cadre.db_util import Prepared
from cadre.extensions import db
from cadre.models import AuditEvent
from cadre.models.types import utcnow


def _actor_id() -> int | None:
    if has_request_context() and getattr(current_user, "is_authenticated", False):
        return current_user.id
    return None


def record(
    action: str,
    obj: Any = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    cohort_id: int | None = None,
    actor_id: int | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
) -> AuditEvent:
    """Add an audit event to the session; it commits with the change it describes."""
    if obj is not None:
        # current_user is a LocalProxy: record the user behind it.
        obj = getattr(obj, "_get_current_object", lambda: obj)()
        db.session.flush()  # the object needs its id
        object_type = object_type or type(obj).__tablename__
        object_id = object_id if object_id is not None else obj.id
    event = AuditEvent(**_values(action, object_type or "", object_id, cohort_id, actor_id, before, after))
    db.session.add(event)
    return event


def _values(action, object_type, object_id, cohort_id, actor_id, before, after) -> dict:
    """An audit event's columns (but its time): the actor and address default to the request's."""
    return {
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "cohort_id": cohort_id,
        "actor_id": actor_id if actor_id is not None else _actor_id(),
        "before": _jsonable(before),
        "after": _jsonable(after),
        "ip": request.remote_addr if has_request_context() else None,
    }


_COLUMNS = ("action", "object_type", "object_id", "cohort_id", "actor_id", "before", "after", "ip", "at")
_INSERT = Prepared(AuditEvent.__table__.insert(), column_keys=_COLUMNS)


def record_now(
    action: str,
    *,
    object_type: str,
    object_id: int | None,
    cohort_id: int | None = None,
    actor_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    ip: str | None = None,
) -> None:
    """``record()`` for a row written with Core, not the ORM: one INSERT at once, same transaction.

    For the hot path of sign-in (a whole class within a minute), where adding an ORM
    object only to flush it at commit costs more than the rest of the write. `ip` for a
    caller outside a request context (the lean sign-in tap); else the request's.
    """
    values = _values(action, object_type, object_id, cohort_id, actor_id, before, after)
    if ip is not None:
        values["ip"] = ip
    _INSERT.execute({**values, "at": utcnow()})


def snapshot(obj: Any, fields: list[str] | tuple[str, ...]) -> dict:
    """The values of some fields of a row, ready for before/after."""
    return {f: getattr(obj, f) for f in fields}


def _jsonable_value(value):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple, set)):
        return [_jsonable_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable_value(v) for k, v in value.items()}
    return str(value)  # enums, dates, decimals: their text form


def _jsonable(data: dict | None) -> dict | None:
    if data is None:
        return None
    return {str(k): _jsonable_value(v) for k, v in data.items()}
