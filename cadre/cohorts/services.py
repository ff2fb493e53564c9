"""Reading and changing cohorts and their rosters.

Write services start a write transaction (begin_write), check what must be
checked against the database, change rows and record audit events; the view
commits. A refusal raises ServiceError before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from cadre import audit
from cadre.extensions import db
from cadre.models import (
    AttendanceRecord,
    AuditEvent,
    Certificate,
    ClassRole,
    Cohort,
    Enrollment,
    EnrollmentStatus,
    LeaveRequest,
    Role,
    SessionSpeaker,
    Trainee,
    TrainingSession,
    User,
    Venue,
)
from cadre.models.types import utcnow
from cadre.rules import cohort_rules
from cadre.rules.cohort_rules import RoleChange, RosterMember
from cadre.services import ServiceError, begin_write, ensure_open, lock_cohort, writing  # noqa: F401

# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class CohortSummary:
    cohort: Cohort
    trainee_count: int
    session_count: int


def cohort_summaries(stmt: Select) -> list[CohortSummary]:
    """Cohorts of a statement with their active-trainee and session counts, in 3 queries."""
    cohorts = db.session.scalars(stmt.options(selectinload(Cohort.organizers))).unique().all()
    ids = [c.id for c in cohorts]
    if not ids:
        return []
    trainees = dict(
        db.session.execute(
            select(Enrollment.cohort_id, func.count())
            .where(Enrollment.cohort_id.in_(ids), Enrollment.status == EnrollmentStatus.ACTIVE)
            .group_by(Enrollment.cohort_id)
        ).all()
    )
    sessions = dict(
        db.session.execute(
            select(TrainingSession.cohort_id, func.count())
            .where(TrainingSession.cohort_id.in_(ids))
            .group_by(TrainingSession.cohort_id)
        ).all()
    )
    return [CohortSummary(c, trainees.get(c.id, 0), sessions.get(c.id, 0)) for c in cohorts]


def cohort_by_code(code: str) -> Cohort | None:
    return db.session.scalar(select(Cohort).where(func.upper(Cohort.code) == code.strip().upper()))


_ROLE_ORDER = {ClassRole.MONITOR: 0, ClassRole.GROUP_LEADER: 1, ClassRole.MEMBER: 2}


def roster(cohort: Cohort) -> list[Enrollment]:
    """The cohort's enrollments with trainees, ordered by status, group, role and name (2 queries)."""
    rows = db.session.scalars(
        select(Enrollment).where(Enrollment.cohort_id == cohort.id).options(selectinload(Enrollment.trainee))
    ).all()
    return sorted(
        rows,
        key=lambda e: (
            e.status != EnrollmentStatus.ACTIVE,
            e.group is None,
            cohort_rules.group_sort_key(e.group or ""),
            _ROLE_ORDER.get(e.class_role, 9),
            e.trainee.name,
        ),
    )


@dataclass
class GroupSummary:
    name: str | None  # None: not in a group
    count: int = 0
    leaders: list[str] = field(default_factory=list)


def group_summary(enrollments: Iterable[Enrollment]) -> list[GroupSummary]:
    """Active trainees per group with the group's 组长, groups in natural order, ungrouped last."""
    groups: dict[str | None, GroupSummary] = {}
    for e in enrollments:
        if e.status != EnrollmentStatus.ACTIVE:
            continue
        summary = groups.setdefault(e.group, GroupSummary(e.group))
        summary.count += 1
        if e.class_role == ClassRole.GROUP_LEADER:
            summary.leaders.append(e.trainee.name)
    ordered = [groups[g] for g in cohort_rules.group_names(groups)]
    if None in groups:
        ordered.append(groups[None])
    return ordered


def monitor_of(enrollments: Iterable[Enrollment]) -> Enrollment | None:
    return next((e for e in enrollments if e.class_role == ClassRole.MONITOR), None)


def timetable(cohort: Cohort) -> list[TrainingSession]:
    return db.session.scalars(
        select(TrainingSession)
        .where(TrainingSession.cohort_id == cohort.id)
        .order_by(TrainingSession.starts_at)
        .options(
            selectinload(TrainingSession.venue),
            selectinload(TrainingSession.speaker_links).selectinload(SessionSpeaker.speaker),
            selectinload(TrainingSession.stops),
        )
    ).all()


def existing_groups(cohort_id: int) -> list[str]:
    """The group names already used in a cohort, for the datalist."""
    names = db.session.scalars(
        select(Enrollment.group)
        .where(Enrollment.cohort_id == cohort_id, Enrollment.group.is_not(None))
        .distinct()
    ).all()
    return cohort_rules.group_names(names)


def venues() -> list[Venue]:
    return db.session.scalars(select(Venue).order_by(Venue.name)).all()


def organizer_accounts(current: Iterable[User] = ()) -> list[User]:
    """Organizer accounts an admin may assign: active ones, plus any already assigned."""
    current_ids = [u.id for u in current]
    stmt = select(User).where(
        User.role == Role.ORGANIZER,
        or_(User.is_active_account.is_(True), User.id.in_(current_ids or [-1])),
    )
    return db.session.scalars(stmt.order_by(User.display_name, User.username)).all()


# ---------------------------------------------------------------- cohorts


COHORT_FIELDS = (
    "name",
    "code",
    "organizing_unit",
    "start_date",
    "end_date",
    "description",
    "default_venue_id",
    "minutes_per_credit_hour",
    "min_attendance_percent",
    "require_required_sessions",
    "max_unexcused_absences",
)


@dataclass
class CohortData:
    """Validated values of the cohort form."""

    name: str
    code: str
    organizing_unit: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    description: str | None = None
    default_venue_id: int | None = None
    new_venue: str | None = None
    minutes_per_credit_hour: int = 45
    min_attendance_percent: int = 80
    require_required_sessions: bool = True
    max_unexcused_absences: int | None = None
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
        raise ServiceError(_("所选组织者无效，请刷新页面后重试。"), "organizers")
    return sorted(users, key=lambda u: u.id)


def _organizer_snapshot(users: Iterable[User]) -> dict:
    users = sorted(users, key=lambda u: u.id)
    return {"organizer_ids": [u.id for u in users], "organizers": [u.username for u in users]}


def _apply(cohort: Cohort, data: CohortData, venue_id: int | None) -> None:
    cohort.name = data.name.strip()
    cohort.code = data.code
    cohort.organizing_unit = _blank_to_none(data.organizing_unit)
    cohort.start_date = data.start_date
    cohort.end_date = data.end_date
    cohort.description = _blank_to_none(data.description)
    cohort.default_venue_id = venue_id
    cohort.minutes_per_credit_hour = data.minutes_per_credit_hour
    cohort.min_attendance_percent = data.min_attendance_percent
    cohort.require_required_sessions = data.require_required_sessions
    cohort.max_unexcused_absences = data.max_unexcused_absences


def create_cohort(data: CohortData, creator: User) -> Cohort:
    """A new cohort; an organizer who creates it manages it, an admin picks its organizers."""
    begin_write()
    owner = _code_owner(data.code, None)
    if owner is not None:
        raise ServiceError(
            _("班级代码“%(code)s”已被培训班“%(name)s”使用。", code=data.code, name=owner.name), "code"
        )
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
    begin_write()
    cohort = db.session.get(Cohort, cohort.id)
    data.code = data.code.upper()
    if data.code != cohort.code:
        owner = _code_owner(data.code, cohort.id)
        if owner is not None:
            raise ServiceError(
                _("班级代码“%(code)s”已被培训班“%(name)s”使用。", code=data.code, name=owner.name), "code"
            )
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
    begin_write()
    cohort = db.session.get(Cohort, cohort.id)
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


# ---------------------------------------------------------------- enrollment


def enrollment_in(cohort: Cohort, enrollment_id: int) -> Enrollment | None:
    return db.session.scalar(
        select(Enrollment)
        .where(Enrollment.id == enrollment_id, Enrollment.cohort_id == cohort.id)
        .options(selectinload(Enrollment.trainee))
    )


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
    begin_write()
    cohort = db.session.get(Cohort, cohort.id)
    ensure_open(cohort)
    rows = _locked_roster(cohort.id)
    ids = {e.id for e in rows}
    wanted = list(dict.fromkeys(enrollment_ids))
    if not wanted or any(i not in ids for i in wanted):
        raise ServiceError(_("所选学员不在本班名单中，请刷新页面后重试。"), "ids")
    changes = [RoleChange(i, group=group, role=role, clear_group=clear_group and not group) for i in wanted]
    result = RosterChange()
    _apply_plan(cohort.id, rows, _plan(rows, changes), result)
    return result


def enroll_trainees(
    cohort: Cohort, trainee_ids: list[int], *, group: str | None = None, role: ClassRole = ClassRole.MEMBER
) -> RosterChange:
    """Enroll trainees of the pool; those already in the cohort are reported, not duplicated."""
    begin_write()
    cohort = db.session.get(Cohort, cohort.id)
    ensure_open(cohort)
    wanted = list(dict.fromkeys(trainee_ids))
    trainees = db.session.scalars(select(Trainee).where(Trainee.id.in_(wanted or [-1]))).all()
    if len(trainees) != len(wanted):
        raise ServiceError(_("所选学员不存在，请重新搜索。"), "trainee_ids")
    if role == ClassRole.MONITOR and len(wanted) > 1:
        raise ServiceError(_("一个培训班只能有一位班长，请只选一位学员设为班长。"), "class_role")
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


def trainee_with_phone(phone: str | None) -> Trainee | None:
    if not phone:
        return None
    return db.session.scalar(select(Trainee).where(Trainee.phone == phone))


def trainees_named(name: str, limit: int = 10) -> list[Trainee]:
    return db.session.scalars(
        select(Trainee)
        .where(Trainee.name == name.strip())
        .order_by(Trainee.id)
        .limit(limit)
        .options(selectinload(Trainee.enrollments).selectinload(Enrollment.cohort))
    ).all()


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


def enroll_new_trainee(
    cohort: Cohort, form, *, group: str | None, role: ClassRole
) -> tuple[Trainee, RosterChange]:
    """Create a trainee from a validated TraineeForm and enroll them; a known phone is refused."""
    begin_write()
    cohort = db.session.get(Cohort, cohort.id)
    ensure_open(cohort)
    known = trainee_with_phone(form.phone_value)
    if known is not None:
        raise DuplicatePhone(known)
    trainee = Trainee()
    form.fill(trainee)
    db.session.add(trainee)
    db.session.flush()
    audit.record(
        "trainee.created",
        trainee,
        cohort_id=cohort.id,
        after={"name": trainee.name, "phone": trainee.masked_phone, "community": trainee.community},
    )
    return trainee, _enroll(cohort, [trainee], group, role)


def withdraw(cohort: Cohort, enrollment_id: int, on: date, reason: str) -> Enrollment:
    """Mark an enrollment withdrawn; it stays in the roster's history."""
    begin_write()
    cohort = db.session.get(Cohort, cohort.id)
    ensure_open(cohort)
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
    begin_write()
    cohort = db.session.get(Cohort, cohort.id)
    ensure_open(cohort)
    e = _enrollment_for_write(cohort, enrollment_id)
    if e.status == EnrollmentStatus.ACTIVE:
        raise ServiceError(_("%(name)s 目前在读，无需恢复。", name=e.trainee.name))
    before = enrollment_snapshot(e)
    e.status = EnrollmentStatus.ACTIVE
    e.withdrawn_on = None
    e.withdrawal_reason = None
    audit.record(
        "enrollment.reactivated", e, cohort_id=cohort.id, before=before, after=enrollment_snapshot(e)
    )
    return e


@dataclass(frozen=True)
class RecordCounts:
    attendance: int
    leave_requests: int
    certificates: int

    @property
    def any(self) -> bool:
        return bool(self.attendance or self.leave_requests or self.certificates)


def records_of(cohort_id: int, trainee_id: int) -> RecordCounts:
    """What a trainee has in a cohort that removing the enrollment would orphan."""
    session_ids = select(TrainingSession.id).where(TrainingSession.cohort_id == cohort_id)
    attendance = db.session.scalar(
        select(func.count())
        .select_from(AttendanceRecord)
        .where(AttendanceRecord.trainee_id == trainee_id, AttendanceRecord.session_id.in_(session_ids))
    )
    leave = db.session.scalar(
        select(func.count())
        .select_from(LeaveRequest)
        .where(LeaveRequest.trainee_id == trainee_id, LeaveRequest.session_id.in_(session_ids))
    )
    certificates = db.session.scalar(
        select(func.count())
        .select_from(Certificate)
        .where(Certificate.trainee_id == trainee_id, Certificate.cohort_id == cohort_id)
    )
    return RecordCounts(attendance or 0, leave or 0, certificates or 0)


def remove(cohort: Cohort, enrollment_id: int) -> str:
    """Delete an enrollment made by mistake; refused when the trainee has records in the cohort."""
    begin_write()
    cohort = db.session.get(Cohort, cohort.id)
    ensure_open(cohort)
    e = _enrollment_for_write(cohort, enrollment_id)
    counts = records_of(cohort.id, e.trainee_id)
    if counts.any:
        raise ServiceError(
            _(
                "%(name)s 在本班已有签到记录 %(a)s 条、请假申请 %(l)s 条、证书 %(c)s 张，不能删除；"
                "如已不再参加，请标记为退出。",
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


def _enrollment_for_write(cohort: Cohort, enrollment_id: int) -> Enrollment:
    e = enrollment_in(cohort, enrollment_id)
    if e is None:
        from flask import abort

        abort(404)
    return e


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


# ---------------------------------------------------------------- the pool


SEARCH_LIMIT = 30


@dataclass(frozen=True)
class PoolHit:
    trainee: Trainee
    in_cohort: bool
    other_cohorts: list[str]


def search_pool(
    cohort: Cohort, query: str, user: User, limit: int = SEARCH_LIMIT
) -> tuple[list[PoolHit], bool]:
    """Trainees matching a name or phone digits; (hits, more_than_limit). Bounded: 3 queries.

    Phones of trainees the user does not manage are shown masked (138****5678), so
    for them digits match only as the full number or the visible last four digits:
    any other partial match would confirm hidden digits one guess at a time.
    """
    from cadre.rules.trainee_fields import PHONE_RE, clean_text
    from cadre.trainees.services import managed_trainee_ids

    text = clean_text(query) or ""
    if not text:
        return [], False
    digits = "".join(ch for ch in text if ch.isdigit())
    conditions = [Trainee.name.contains(text, autoescape=True)]
    if len(digits) >= 4 and len(digits) == len(text.replace(" ", "").replace("-", "")):
        if user.role == Role.ADMIN:
            conditions = [Trainee.phone.contains(digits, autoescape=True)]
        elif PHONE_RE.match(digits):
            conditions = [Trainee.phone == digits]
        else:
            conditions = [
                and_(
                    Trainee.phone.contains(digits, autoescape=True), Trainee.id.in_(managed_trainee_ids(user))
                )
            ]
            if len(digits) <= 4:
                conditions.append(Trainee.phone.endswith(digits, autoescape=True))
    rows = db.session.scalars(
        select(Trainee)
        .where(or_(*conditions))
        .order_by(Trainee.name, Trainee.id)
        .limit(limit + 1)
        .options(selectinload(Trainee.enrollments).selectinload(Enrollment.cohort))
    ).all()
    more = len(rows) > limit
    hits = []
    for t in rows[:limit]:
        in_cohort = any(e.cohort_id == cohort.id for e in t.enrollments)
        others = [e.cohort.code for e in t.enrollments if e.cohort_id != cohort.id]
        hits.append(PoolHit(t, in_cohort, others))
    return hits, more


# ---------------------------------------------------------------- history display


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
        "enrollment.withdrawn": _("标记为退出"),
        "enrollment.reactivated": _("恢复在读"),
        "enrollment.removed": _("从名单删除"),
    }
    fields = {
        "group": _("小组"),
        "class_role": _("职务"),
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
