"""Creating, changing and archiving cohorts (services: see the contract in cadre/services.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import exists, func, select

from cadre import audit
from cadre.extensions import db
from cadre.models import Certificate, Cohort, Role, User, Venue
from cadre.models.types import utcnow
from cadre.services import NotFound, ServiceError

COHORT_FIELDS = (
    "name",
    "code",
    "organizing_unit",
    "contact_name",
    "contact_phone",
    "start_date",
    "end_date",
    "description",
    "default_venue_id",
    "minutes_per_credit_hour",
    "min_attendance_percent",
    "require_required_sessions",
    "max_unexcused_absences",
    "max_leave_fraction",
)


@dataclass
class CohortData:
    """Validated values of the cohort form."""

    name: str
    code: str
    organizing_unit: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    description: str | None = None
    default_venue_id: int | None = None
    new_venue: str | None = None
    minutes_per_credit_hour: int = 45
    min_attendance_percent: int = 80
    require_required_sessions: bool = True
    max_unexcused_absences: int | None = None
    max_leave_fraction: str | None = "1/7"  # a share as cadre.rules.completion.format_share writes it
    # None: leave the organizers as they are (only admins may change them).
    organizer_ids: list[int] | None = None


def _blank_to_none(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def _code_owner(code: str, exclude_id: int | None) -> Cohort | None:
    stmt = select(Cohort).where(func.upper(Cohort.code) == code.upper())
    if exclude_id is not None:
        stmt = stmt.where(Cohort.id != exclude_id)
    return db.session.scalar(stmt)


def has_certificates(cohort_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(Certificate.cohort_id == cohort_id))))


def _venue_for(data: CohortData) -> int | None:
    """The default venue id: a new venue by name (reusing one of the same name) or the chosen one."""
    if data.new_venue:
        venue = db.session.scalar(select(Venue).where(func.lower(Venue.name) == data.new_venue.lower()))
        if venue is None:
            venue = Venue(name=data.new_venue)
            db.session.add(venue)
            audit.record("venue.created", venue, after={"name": venue.name})
        return venue.id
    if data.default_venue_id is not None and db.session.get(Venue, data.default_venue_id) is None:
        raise ServiceError(_("所选场地不存在，请重新选择。"), "default_venue_id")
    return data.default_venue_id


def _organizers_for(ids: list[int]) -> list[User]:
    users = db.session.scalars(select(User).where(User.id.in_(ids or [-1]))).all()
    if len(users) != len(set(ids)) or any(u.role != Role.ORGANIZER for u in users):
        raise ServiceError(_("所选班主任无效，请刷新页面后重试。"), "organizers")
    return sorted(users, key=lambda u: u.id)


def _organizer_snapshot(users: Iterable[User]) -> dict:
    users = sorted(users, key=lambda u: u.id)
    return {"organizer_ids": [u.id for u in users], "organizers": [u.username for u in users]}


def _apply(cohort: Cohort, data: CohortData, venue_id: int | None) -> None:
    cohort.name = data.name.strip()
    cohort.code = data.code
    cohort.organizing_unit = _blank_to_none(data.organizing_unit)
    cohort.contact_name = _blank_to_none(data.contact_name)
    cohort.contact_phone = _blank_to_none(data.contact_phone)
    cohort.start_date = data.start_date
    cohort.end_date = data.end_date
    cohort.description = _blank_to_none(data.description)
    cohort.default_venue_id = venue_id
    cohort.minutes_per_credit_hour = data.minutes_per_credit_hour
    cohort.min_attendance_percent = data.min_attendance_percent
    cohort.require_required_sessions = data.require_required_sessions
    cohort.max_unexcused_absences = data.max_unexcused_absences
    cohort.max_leave_fraction = data.max_leave_fraction


def _code_taken(code: str, owner: Cohort) -> ServiceError:
    return ServiceError(_("班级代码“%(code)s”已被培训班“%(name)s”使用。", code=code, name=owner.name), "code")


def _cohort(cohort_id: int) -> Cohort:
    """The cohort's row as of this (write) transaction."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound()
    return cohort


def create_cohort(data: CohortData, creator: User) -> Cohort:
    """A new cohort; an organizer who creates it manages it, an admin picks its organizers."""
    owner = _code_owner(data.code, None)
    if owner is not None:
        raise _code_taken(data.code, owner)
    cohort = Cohort()
    _apply(cohort, data, _venue_for(data))
    if creator.role == Role.ORGANIZER:
        organizers = [creator]
    else:
        organizers = _organizers_for(data.organizer_ids or [])
    cohort.organizers = organizers
    db.session.add(cohort)
    db.session.flush()
    audit.record("cohort.created", cohort, cohort_id=cohort.id, after=audit.snapshot(cohort, COHORT_FIELDS))
    if organizers:
        audit.record(
            "cohort.organizers_changed",
            cohort,
            cohort_id=cohort.id,
            before=_organizer_snapshot([]),
            after=_organizer_snapshot(organizers),
        )
    return cohort


def update_cohort(cohort: Cohort, data: CohortData) -> bool:
    """Change a cohort's fields (and organizers when given); True when anything changed."""
    cohort = _cohort(cohort.id)
    data.code = data.code.upper()
    if data.code != cohort.code:
        owner = _code_owner(data.code, cohort.id)
        if owner is not None:
            raise _code_taken(data.code, owner)
        if has_certificates(cohort.id):
            raise ServiceError(
                _("本班已发放结业证书，证书编号中含有班级代码“%(code)s”，不能再修改代码。", code=cohort.code),
                "code",
            )
    before = audit.snapshot(cohort, COHORT_FIELDS)
    _apply(cohort, data, _venue_for(data))
    after = audit.snapshot(cohort, COHORT_FIELDS)
    changed_keys = [k for k in COHORT_FIELDS if before[k] != after[k]]
    changed = bool(changed_keys)
    if changed:
        audit.record(
            "cohort.updated",
            cohort,
            cohort_id=cohort.id,
            before={k: before[k] for k in changed_keys},
            after={k: after[k] for k in changed_keys},
        )
    if data.organizer_ids is not None:
        old = list(cohort.organizers)
        new = _organizers_for(data.organizer_ids)
        if {u.id for u in old} != {u.id for u in new}:
            cohort.organizers = new
            audit.record(
                "cohort.organizers_changed",
                cohort,
                cohort_id=cohort.id,
                before=_organizer_snapshot(old),
                after=_organizer_snapshot(new),
            )
            changed = True
    return changed


def set_archived(cohort: Cohort, archived: bool) -> bool:
    """Archive or unarchive; False when it already was."""
    cohort = _cohort(cohort.id)
    if cohort.is_archived == archived:
        return False
    before = {"archived_at": cohort.archived_at}
    cohort.archived_at = utcnow() if archived else None
    audit.record(
        "cohort.archived" if archived else "cohort.unarchived",
        cohort,
        cohort_id=cohort.id,
        before=before,
        after={"archived_at": cohort.archived_at},
    )
    return True
