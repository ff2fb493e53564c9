"""Staff accounts: create, edit, reset passwords (service contract: cadre/services.py).

Passwords arrive hashed: hashing is slow on purpose, so the view hashes before the
write opens. Disabling an account or setting its password ends its logins everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from cadre import audit
from cadre.audit_labels import field_label
from cadre.auth.services import end_all_logins
from cadre.extensions import db
from cadre.models import Cohort, Role, User
from cadre.services import NotFound, ServiceError

_AUDITED = ("username", "display_name", "role", "is_active_account")


@dataclass(frozen=True)
class AccountData:
    """What the account form says, as plain values."""

    username: str
    display_name: str
    role: Role
    is_active: bool
    cohort_ids: tuple[int, ...] = ()


def username_taken_message() -> str:
    return _("该用户名已被使用。")


def username_taken(username: str, exclude_id: int | None = None) -> bool:
    stmt = select(User.id).where(func.lower(User.username) == username.strip().lower())
    if exclude_id is not None:
        stmt = stmt.where(User.id != exclude_id)
    return db.session.scalar(stmt) is not None


def _cohorts(data: AccountData) -> list[Cohort]:
    if data.role != Role.ORGANIZER or not data.cohort_ids:
        return []
    ids = set(data.cohort_ids)
    cohorts = list(db.session.scalars(select(Cohort).where(Cohort.id.in_(ids)).order_by(Cohort.id)))
    if len(cohorts) != len(ids):
        raise ServiceError(_("所选的项目已不存在，请刷新页面后重新选择。"), field="cohorts")
    return cohorts


def _snapshot(user: User) -> dict:
    values = audit.snapshot(user, _AUDITED)
    values["cohorts"] = sorted(c.id for c in user.managed_cohorts)
    return values


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


def create_account(data: AccountData, password_hash: str) -> User:
    """A new staff account that must change its password at first login."""
    if data.role not in (Role.ADMIN, Role.ORGANIZER):
        raise ServiceError(_("学员账号请在培训班的学员页创建。"), field="role")
    if username_taken(data.username):
        raise ServiceError(username_taken_message(), field="username")
    user = User(
        username=data.username.strip(),
        display_name=data.display_name.strip(),
        role=data.role,
        is_active_account=data.is_active,
        must_change_password=True,
        password_hash=password_hash,
    )
    user.managed_cohorts = _cohorts(data)
    db.session.add(user)
    audit.record("user.created", user, after=_snapshot(user))  # flushes: a clash surfaces here
    return user


def update_account(
    user_id: int, data: AccountData, *, actor_id: int, password_hash: str | None = None
) -> User:
    """Change an account; a new password must be changed at next login.

    Setting a password or disabling the account ends all its logins.
    """
    user = get_user(user_id)
    if username_taken(data.username, exclude_id=user.id):
        raise ServiceError(username_taken_message(), field="username")
    if (user.role == Role.TRAINEE) != (data.role == Role.TRAINEE):
        raise ServiceError(_("学员账号不能改为工作人员账号，反之亦然。"), field="role")
    if user.id == actor_id and data.role != Role.ADMIN:
        raise ServiceError(_("不能取消自己的管理员权限。"), field="role")
    if user.id == actor_id and not data.is_active:
        raise ServiceError(_("不能停用自己的账号。"), field="is_active_account")
    before = _snapshot(user)
    user.username = data.username.strip()
    user.display_name = data.display_name.strip()
    user.role = data.role
    user.is_active_account = data.is_active
    user.managed_cohorts = _cohorts(data)
    if password_hash is not None:
        user.password_hash = password_hash
        user.must_change_password = True
    after = _snapshot(user)
    if password_hash is not None or not data.is_active:
        after["sessions_ended"] = end_all_logins(user.id)
    audit.record("user.updated", user, before=before, after=after)
    return user


def reset_password(user_id: int, password_hash: str) -> User:
    """A new password for someone who forgot theirs; it ends their logins everywhere."""
    user = get_user(user_id)
    user.password_hash = password_hash
    user.must_change_password = True
    ended = end_all_logins(user.id)
    audit.record("user.password_reset", user, after={"sessions_ended": ended})
    return user


def audit_changes(event) -> list[tuple[str, str, str]]:
    """(field, before, after) for every field an audit event names, as text a person reads."""
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    rows = []
    for key in list(dict.fromkeys([*before, *after])):
        rows.append(
            (
                field_label(str(key), event.object_type or ""),
                _audit_text(before.get(key)),
                _audit_text(after.get(key)),
            )
        )
    return rows


def _audit_text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, list | tuple):
        shown = "、".join(_audit_text(v) for v in value[:10])
        return shown + (f" …（{len(value)}）" if len(value) > 10 else "")
    if isinstance(value, dict):
        return "；".join(f"{k}={_audit_text(v)}" for k, v in value.items())
    return str(value)
