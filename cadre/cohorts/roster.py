"""Changing a cohort's roster: enroll, groups and class roles, withdraw, reactivate, remove.

Services in the sense of cadre/services.py: plain values in, rows flushed and audited,
a ServiceError (or NotFound) before anything is written; the caller opens the write
with ``writing()`` and commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cadre import audit
from cadre.cohorts import pool
from cadre.cohorts.summaries import enrollment_in, records_of
from cadre.extensions import db
from cadre.models import ClassRole, Cohort, Enrollment, EnrollmentStatus, Gender, Trainee, User
from cadre.rules import cohort_rules
from cadre.rules.cohort_rules import RoleChange, RosterMember
from cadre.services import NotFound, ServiceError, ensure_open, lock_cohort


def enrollment_snapshot(e: Enrollment) -> dict:
    return {
        "trainee_id": e.trainee_id,
        "trainee": e.trainee.name if e.trainee else None,
        "group": e.group,
        "class_role": e.class_role,
        "status": e.status,
        "withdrawn_on": e.withdrawn_on,
        "withdrawal_reason": e.withdrawal_reason,
    }


@dataclass
class RosterChange:
    """What a roster change did besides the change itself, for the flash messages."""

    changed: list[Enrollment] = field(default_factory=list)
    added: list[Enrollment] = field(default_factory=list)
    already_enrolled: list[Trainee] = field(default_factory=list)
    demoted: list[Enrollment] = field(default_factory=list)
    crowded_groups: dict[str, list[str]] = field(default_factory=dict)


def _open_cohort(cohort: Cohort) -> Cohort:
    """The cohort's row in this write transaction, refused when archived."""
    cohort = db.session.get(Cohort, cohort.id)
    if cohort is None:
        raise NotFound()
    ensure_open(cohort)
    return cohort


def _locked_roster(cohort_id: int) -> list[Enrollment]:
    # On PostgreSQL two requests could read the roster at once and each name a 班长; the
    # cohort row's lock makes the second wait for the first (SQLite: BEGIN IMMEDIATE does).
    lock_cohort(cohort_id)
    return db.session.scalars(
        select(Enrollment).where(Enrollment.cohort_id == cohort_id).options(selectinload(Enrollment.trainee))
    ).all()


def _member(e: Enrollment) -> RosterMember:
    return RosterMember(e.id, e.trainee.name, e.group, e.class_role, e.status == EnrollmentStatus.ACTIVE)


def _plan(rows: list[Enrollment], changes: list[RoleChange], extra: Iterable[RosterMember] = ()):
    try:
        return cohort_rules.plan_role_changes([_member(e) for e in rows] + list(extra), changes)
    except cohort_rules.CohortRuleError as err:
        if err.code == "two_monitors":
            raise ServiceError(_("一个培训班只能有一位班长，请只选一位学员设为班长。"), "class_role") from err
        raise


def _apply_plan(cohort_id: int, rows: list[Enrollment], plan, result: RosterChange) -> None:
    """Write a role plan onto loaded rows (a previous 班长 demoted too); audit each changed row."""
    demoted_keys = {m.key for m in plan.demoted}
    for e in rows:
        after = plan.result[e.id]
        if after.group == e.group and after.role == e.class_role:
            continue
        before = enrollment_snapshot(e)
        e.group = after.group
        e.class_role = after.role
        audit.record(
            "enrollment.updated", e, cohort_id=cohort_id, before=before, after=enrollment_snapshot(e)
        )
        (result.demoted if e.id in demoted_keys else result.changed).append(e)
    result.crowded_groups = plan.crowded_groups


def update_enrollments(
    cohort: Cohort,
    enrollment_ids: list[int],
    *,
    group: str | None = None,
    clear_group: bool = False,
    role: ClassRole | None = None,
) -> RosterChange:
    """Set the group and/or class role of some enrollments of a cohort."""
    cohort = _open_cohort(cohort)
    rows = _locked_roster(cohort.id)
    ids = {e.id for e in rows}
    wanted = list(dict.fromkeys(enrollment_ids))
    if not wanted or any(i not in ids for i in wanted):
        raise ServiceError(_("所选学员不在本班名单中，请刷新页面后重试。"), "ids")
    changes = [RoleChange(i, group=group, role=role, clear_group=clear_group and not group) for i in wanted]
    result = RosterChange()
    _apply_plan(cohort.id, rows, _plan(rows, changes), result)
    return result


def _check_may_enroll(actor: User, trainees: list[Trainee], cohort_id: int, phone: str | None) -> None:
    """Refuse people the actor does not know well enough to add (see the policy in cadre.cohorts.pool).

    Someone already in this cohort is let through: nothing is written for them.
    """
    pickable = pool.pickable_ids(actor, trainees)
    for trainee in trainees:
        if trainee.id in pickable or any(e.cohort_id == cohort_id for e in trainee.enrollments):
            continue
        if phone and pool.full_phone(phone) is None:
            raise ServiceError(
                _("“%(value)s”不是有效的大陆手机号码（11 位，以 1 开头）。", value=phone[:32]), "phone"
            )
        if phone and pool.phone_confirms(trainee, phone):
            continue
        if phone:
            raise ServiceError(
                _("输入的手机号码与 %(name)s 登记的号码不符，未加入本班。请核对后重试。", name=trainee.name),
                "phone",
            )
        raise ServiceError(
            _(
                "%(name)s 不在您负责的培训班中：请输入此人的完整手机号码查找，核对无误后再加入本班。",
                name=trainee.name,
            ),
            "trainee_ids",
        )


def enroll_trainees(
    cohort: Cohort,
    trainee_ids: list[int],
    *,
    actor: User,
    phone: str | None = None,
    group: str | None = None,
    role: ClassRole = ClassRole.MEMBER,
) -> RosterChange:
    """Enroll trainees of the pool; those already in the cohort are reported, not duplicated.

    `phone`: the full mobile number the actor typed, which lets an organizer enroll that
    one person from outside their own cohorts.
    """
    cohort = _open_cohort(cohort)
    wanted = list(dict.fromkeys(trainee_ids))
    trainees = db.session.scalars(
        select(Trainee).where(Trainee.id.in_(wanted or [-1])).options(selectinload(Trainee.enrollments))
    ).all()
    if len(trainees) != len(wanted):
        raise ServiceError(_("所选学员不存在，请重新搜索。"), "trainee_ids")
    if role == ClassRole.MONITOR and len(wanted) > 1:
        raise ServiceError(_("一个培训班只能有一位班长，请只选一位学员设为班长。"), "class_role")
    _check_may_enroll(actor, trainees, cohort.id, phone)
    return _enroll(cohort, sorted(trainees, key=lambda t: wanted.index(t.id)), group, role)


def _enroll(cohort: Cohort, trainees: list[Trainee], group: str | None, role: ClassRole) -> RosterChange:
    result = RosterChange()
    rows = _locked_roster(cohort.id)
    enrolled = {e.trainee_id for e in rows}
    to_add = []
    for trainee in trainees:
        (result.already_enrolled if trainee.id in enrolled else to_add).append(trainee)
    # New rows go through the same role rule as edits: one 班长, a warning for two 组长.
    newcomers = [RosterMember(("new", t.id), t.name, group, ClassRole.MEMBER) for t in to_add]
    changes = [RoleChange(m.key, role=role) for m in newcomers] if role != ClassRole.MEMBER else []
    plan = _plan(rows, changes, newcomers)
    _apply_plan(cohort.id, rows, plan, result)
    for trainee in to_add:
        planned = plan.result[("new", trainee.id)]
        enrollment = Enrollment(
            cohort_id=cohort.id,
            trainee_id=trainee.id,  # set before the flush, so that the audit snapshot has it
            trainee=trainee,
            group=planned.group,
            class_role=planned.role,
            status=EnrollmentStatus.ACTIVE,
        )
        db.session.add(enrollment)
        audit.record(
            "enrollment.added", enrollment, cohort_id=cohort.id, after=enrollment_snapshot(enrollment)
        )
        result.added.append(enrollment)
    return result


class DuplicatePhone(ServiceError):
    """The phone of a new trainee belongs to a person already in the pool."""

    def __init__(self, trainee: Trainee):
        super().__init__(
            _(
                "手机号码 %(phone)s 已属于学员 %(name)s（%(community)s），不能重复建档。",
                phone=trainee.masked_phone,
                name=trainee.name,
                community=trainee.community or _("未填居民区/单位"),
            ),
            "phone",
        )
        self.trainee = trainee


@dataclass
class NewTrainee:
    """A new person's validated, cleaned personal data."""

    name: str
    phone: str | None = None
    gender: Gender | None = None
    birth_year: int | None = None
    birth_month: int | None = None
    community: str | None = None
    position: str | None = None
    political_status: str | None = None
    education: str | None = None
    notes: str | None = None

    def fill(self, trainee: Trainee) -> None:
        for name in self.__dataclass_fields__:
            setattr(trainee, name, getattr(self, name))


def enroll_new_trainee(
    cohort: Cohort, person: NewTrainee, *, group: str | None, role: ClassRole
) -> tuple[Trainee, RosterChange]:
    """Create a trainee and enroll them; a phone already in the pool is refused (DuplicatePhone)."""
    cohort = _open_cohort(cohort)
    known = pool.trainee_with_phone(person.phone)
    if known is not None:
        raise DuplicatePhone(known)
    trainee = Trainee()
    person.fill(trainee)
    db.session.add(trainee)
    db.session.flush()
    audit.record(
        "trainee.created",
        trainee,
        cohort_id=cohort.id,
        after={"name": trainee.name, "phone": trainee.masked_phone, "community": trainee.community},
    )
    return trainee, _enroll(cohort, [trainee], group, role)


def _enrollment_for_write(cohort: Cohort, enrollment_id: int) -> Enrollment:
    e = enrollment_in(cohort, enrollment_id)
    if e is None:
        raise NotFound()
    return e


def withdraw(cohort: Cohort, enrollment_id: int, on: date, reason: str) -> Enrollment:
    """Mark an enrollment withdrawn; it stays in the roster's history."""
    cohort = _open_cohort(cohort)
    e = _enrollment_for_write(cohort, enrollment_id)
    if e.status == EnrollmentStatus.WITHDRAWN:
        raise ServiceError(_("%(name)s 已经是退出状态。", name=e.trainee.name))
    before = enrollment_snapshot(e)
    e.status = EnrollmentStatus.WITHDRAWN
    e.withdrawn_on = on
    e.withdrawal_reason = reason.strip()
    audit.record("enrollment.withdrawn", e, cohort_id=cohort.id, before=before, after=enrollment_snapshot(e))
    return e


def reactivate(cohort: Cohort, enrollment_id: int) -> Enrollment:
    """Bring a withdrawn trainee back; the withdrawal stays in the audit history."""
    cohort = _open_cohort(cohort)
    e = _enrollment_for_write(cohort, enrollment_id)
    if e.status == EnrollmentStatus.ACTIVE:
        raise ServiceError(_("%(name)s 目前在训，无需恢复。", name=e.trainee.name))
    before = enrollment_snapshot(e)
    e.status = EnrollmentStatus.ACTIVE
    e.withdrawn_on = None
    e.withdrawal_reason = None
    audit.record(
        "enrollment.reactivated", e, cohort_id=cohort.id, before=before, after=enrollment_snapshot(e)
    )
    return e


def remove(cohort: Cohort, enrollment_id: int) -> str:
    """Delete an enrollment made by mistake; refused when the trainee has records in the cohort."""
    cohort = _open_cohort(cohort)
    e = _enrollment_for_write(cohort, enrollment_id)
    counts = records_of(cohort.id, e.trainee_id)
    if counts.any:
        raise ServiceError(
            _(
                "%(name)s 在本班已有签到记录 %(a)s 条、请假申请 %(l)s 条、证书 %(c)s 张，不能删除；"
                "如已不再参加，请办理退训。",
                name=e.trainee.name,
                a=counts.attendance,
                l=counts.leave_requests,
                c=counts.certificates,
            )
        )
    name = e.trainee.name
    audit.record(
        "enrollment.removed",
        cohort_id=cohort.id,
        object_type=Enrollment.__tablename__,
        object_id=e.id,
        before=enrollment_snapshot(e),
    )
    db.session.delete(e)
    return name
