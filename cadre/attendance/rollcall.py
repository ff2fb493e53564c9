"""Roll call (点名), paper sheet entry and site-visit head counts: an organizer or leader sets statuses.

Who may take roll call for a session:
- organizers of the cohort (and admins): every active trainee;
- the 班长 (MONITOR): the whole class, as they often count the bus;
- a 组长 (GROUP_LEADER): the active trainees of their own group only.

Every change writes an audit event on the record: who, when, the reason,
before → after; the trainee's attendance history reads them back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from cadre import audit
from cadre.attendance.common import Forbidden, as_local, get_session, refuse_archived, session_rules
from cadre.auth.permissions import can_manage_cohort
from cadre.enums import AttendanceStatus, ClassRole, EnrollmentStatus, LeaveStatus, SignInMethod
from cadre.extensions import db
from cadre.models import (
    AttendanceRecord,
    Enrollment,
    HeadCount,
    HeadCountPhase,
    LeaveRequest,
    TrainingSession,
    User,
)
from cadre.rules.attendance import sign_in_opens_at, sign_in_status
from cadre.rules.cohort_rules import group_sort_key
from cadre.rules.schedule import LOCAL_TZ
from cadre.services import ServiceError

STATUSES = tuple(AttendanceStatus)
AUDITED = ("status", "signed_in_at", "method", "corrected")


@dataclass
class RollCallScope:
    """The trainees one user may mark at one session."""

    session: TrainingSession
    enrollments: list[Enrollment]
    whole_class: bool
    group: str | None = None


@dataclass(frozen=True)
class Entry:
    """One row of a roll call or paper sheet, as posted: the status text is checked here."""

    trainee_id: int
    status: str = ""  # "" leaves the row as it is (paper: derived from the time when one is given)
    time: time | None = None  # wall-clock time of a paper sheet


@dataclass
class Row:
    enrollment: Enrollment
    record: AttendanceRecord | None
    leave: LeaveStatus | None
    head_counts: dict[str, bool] = field(default_factory=dict)

    @property
    def trainee(self):
        return self.enrollment.trainee


def _sorted(enrollments: list[Enrollment]) -> list[Enrollment]:
    return sorted(
        enrollments,
        key=lambda e: (e.group is None, group_sort_key(e.group or ""), e.trainee.name, e.trainee_id),
    )


def scope_for(session: TrainingSession, user: User) -> RollCallScope:
    """Whom `user` may mark at `session`; Forbidden when nobody."""
    stmt = (
        select(Enrollment)
        .where(Enrollment.cohort_id == session.cohort_id, Enrollment.status == EnrollmentStatus.ACTIVE)
        .options(selectinload(Enrollment.trainee))
    )
    if can_manage_cohort(user, session.cohort):
        return RollCallScope(session, _sorted(list(db.session.scalars(stmt))), whole_class=True)
    own = None
    if user.is_authenticated and user.trainee_id is not None:
        own = db.session.scalar(
            select(Enrollment).where(
                Enrollment.cohort_id == session.cohort_id, Enrollment.trainee_id == user.trainee_id
            )
        )
    if own is None or own.status != EnrollmentStatus.ACTIVE or not own.is_leader:
        raise Forbidden(_("只有班主任、班长和组长可以点名。"))
    if own.class_role == ClassRole.MONITOR:
        return RollCallScope(session, _sorted(list(db.session.scalars(stmt))), whole_class=True)
    if not own.group:
        raise Forbidden(_("您还没有分到小组，暂时不能点名。请联系班主任。"))
    rows = db.session.scalars(stmt.where(Enrollment.group == own.group))
    return RollCallScope(session, _sorted(list(rows)), whole_class=False, group=own.group)


def rows_for(scope: RollCallScope, *, with_head_counts: bool = False) -> list[Row]:
    """The list to mark: each trainee with their record and approved/pending leave (bounded queries)."""
    session_id = scope.session.id
    ids = [e.trainee_id for e in scope.enrollments]
    records = {
        r.trainee_id: r
        for r in db.session.scalars(
            select(AttendanceRecord).where(
                AttendanceRecord.session_id == session_id, AttendanceRecord.trainee_id.in_(ids)
            )
        )
    }
    leaves: dict[int, LeaveStatus] = {}
    for trainee_id, status in db.session.execute(
        select(LeaveRequest.trainee_id, LeaveRequest.status).where(
            LeaveRequest.session_id == session_id,
            LeaveRequest.trainee_id.in_(ids),
            LeaveRequest.status.in_((LeaveStatus.APPROVED, LeaveStatus.PENDING)),
        )
    ):
        if leaves.get(trainee_id) != LeaveStatus.APPROVED:
            leaves[trainee_id] = status
    counts: dict[int, dict[str, bool]] = {}
    if with_head_counts:
        for hc in db.session.scalars(
            select(HeadCount).where(HeadCount.session_id == session_id, HeadCount.trainee_id.in_(ids))
        ):
            counts.setdefault(hc.trainee_id, {})[hc.phase.value] = hc.present
    return [
        Row(e, records.get(e.trainee_id), leaves.get(e.trainee_id), counts.get(e.trainee_id, {}))
        for e in scope.enrollments
    ]


def _refuse_session(session: TrainingSession, now: datetime) -> None:
    refuse_archived(session.cohort)
    if session.is_cancelled:
        raise ServiceError(_("本次课程已取消，不能点名或登记考勤。"))
    rules = session_rules(session)
    if now < sign_in_opens_at(rules):
        raise ServiceError(
            _(
                "课程尚未开始，%(time)s 起可以点名。",
                time=as_local(sign_in_opens_at(rules)).strftime("%m-%d %H:%M"),
            )
        )


def _why_not_in_scope(scope: RollCallScope, trainee_id: int) -> str:
    enrollment = db.session.scalar(
        select(Enrollment)
        .where(Enrollment.cohort_id == scope.session.cohort_id, Enrollment.trainee_id == trainee_id)
        .options(selectinload(Enrollment.trainee))
    )
    if enrollment is None:
        return _("有学员不在本培训班，未保存任何修改。请刷新页面后重试。")
    if enrollment.status == EnrollmentStatus.WITHDRAWN:
        return _("学员%(name)s已退训，不能为其登记考勤。未保存任何修改。", name=enrollment.trainee.name)
    return _(
        "您只能为本组（%(group)s）学员点名，%(name)s不在本组。未保存任何修改。",
        group=scope.group or "",
        name=enrollment.trainee.name,
    )


def _snapshot(record: AttendanceRecord | None) -> dict | None:
    return audit.snapshot(record, AUDITED) if record is not None else None


def _at_wall_clock(session: TrainingSession, value: time) -> datetime:
    day = session.starts_at.astimezone(LOCAL_TZ).date()
    return datetime.combine(day, value, tzinfo=LOCAL_TZ)


def insert_or_get(
    session: TrainingSession, trainee_id: int, status: AttendanceStatus
) -> tuple[AttendanceRecord, bool]:
    """A new record, or the one a concurrent QR sign-in just wrote (the unique constraint decides)."""
    record = AttendanceRecord(session_id=session.id, trainee_id=trainee_id, status=status)
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        existing = db.session.scalar(
            select(AttendanceRecord).where(
                AttendanceRecord.session_id == session.id, AttendanceRecord.trainee_id == trainee_id
            )
        )
        return existing, False
    return record, True


def apply_entries(
    session_id: int,
    user: User,
    entries: list[Entry],
    *,
    reason: str,
    now: datetime,
    method: SignInMethod = SignInMethod.ROLL_CALL,
    rest_absent: bool = False,
) -> int:
    """Set the statuses of a roll call (or paper sheet); returns how many records changed.

    Everything is checked before anything is written: an unknown status, a trainee
    outside the user's scope (another group, withdrawn, not enrolled) refuses the lot.
    With `rest_absent`, trainees of the scope still without a record and without
    approved leave are marked absent.
    """
    session = get_session(session_id)
    scope = scope_for(session, user)
    _refuse_session(session, now)
    reason = (reason or "").strip()[:200] or (_("纸质签到表") if method == SignInMethod.PAPER else _("点名"))
    allowed = {e.trainee_id for e in scope.enrollments}
    rules = session_rules(session)
    wanted: dict[int, tuple[AttendanceStatus, datetime | None]] = {}
    for entry in entries:
        if entry.trainee_id not in allowed:
            raise ServiceError(_why_not_in_scope(scope, entry.trainee_id))
        at = _at_wall_clock(session, entry.time) if entry.time is not None else None
        if not entry.status:
            if at is None:
                continue
            wanted[entry.trainee_id] = (sign_in_status(rules, at), at)
            continue
        if entry.status not in STATUSES:
            raise ServiceError(_("未知的考勤状态“%(status)s”，未保存任何修改。", status=entry.status[:20]))
        wanted[entry.trainee_id] = (AttendanceStatus(entry.status), at)

    rows = {row.enrollment.trainee_id: row for row in rows_for(scope)}
    rest: set[int] = set()
    if rest_absent:
        for trainee_id, row in rows.items():
            if trainee_id not in wanted and row.record is None and row.leave != LeaveStatus.APPROVED:
                wanted[trainee_id] = (AttendanceStatus.ABSENT, None)
                rest.add(trainee_id)

    changed = 0
    for trainee_id, (status, at) in wanted.items():
        record = rows[trainee_id].record
        created = False
        if record is None:
            record, created = insert_or_get(session, trainee_id, status)
            if not created and trainee_id in rest:
                continue  # signed in by QR a moment ago: not absent after all
        before = None if created else _snapshot(record)
        if not created and record.status == status and (at is None or record.signed_in_at == at):
            continue
        record.status = status
        if at is not None:
            record.signed_in_at = at
        elif status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE) and record.signed_in_at is None:
            record.signed_in_at = now
        record.method = method
        record.recorded_by_id = user.id
        record.note = reason
        db.session.flush()
        audit.record(
            "attendance.paper" if method == SignInMethod.PAPER else "attendance.roll_call",
            record,
            before=before,
            after={**_snapshot(record), "reason": reason, "trainee_id": trainee_id, "session_id": session.id},
            cohort_id=session.cohort_id,
            actor_id=user.id,
        )
        changed += 1
    return changed


@dataclass(frozen=True)
class HeadCountSummary:
    expected: int  # 应到: in scope, without approved leave
    present: int  # 实到
    missing: int  # 未到 (counted as missing, or not counted yet)
    not_counted: int


def head_count_summary(rows: list[Row], phase: HeadCountPhase) -> HeadCountSummary:
    expected = [r for r in rows if r.leave != LeaveStatus.APPROVED]
    present = sum(1 for r in expected if r.head_counts.get(phase.value) is True)
    not_counted = sum(1 for r in expected if phase.value not in r.head_counts)
    return HeadCountSummary(len(expected), present, len(expected) - present, not_counted)


def apply_head_count(
    session_id: int, user: User, phase: str, marks: dict[int, bool], *, now: datetime
) -> int:
    """Record who is on the bus at departure or return; returns how many marks changed."""
    session = get_session(session_id)
    scope = scope_for(session, user)
    _refuse_session(session, now)
    if phase not in tuple(HeadCountPhase):
        raise ServiceError(_("未知的清点环节，未保存任何修改。"))
    phase = HeadCountPhase(phase)
    allowed = {e.trainee_id for e in scope.enrollments}
    for trainee_id in marks:
        if trainee_id not in allowed:
            raise ServiceError(_why_not_in_scope(scope, trainee_id))
    existing = {
        hc.trainee_id: hc
        for hc in db.session.scalars(
            select(HeadCount).where(HeadCount.session_id == session.id, HeadCount.phase == phase)
        )
    }
    changed = 0
    for trainee_id, present in marks.items():
        hc = existing.get(trainee_id)
        before = {"present": hc.present} if hc is not None else None
        if hc is not None and hc.present == present:
            continue
        if hc is None:
            hc = HeadCount(session_id=session.id, trainee_id=trainee_id, phase=phase)
            db.session.add(hc)
        hc.present = present
        hc.recorded_by_id = user.id
        audit.record(
            "attendance.head_count",
            hc,
            before=before,
            after={
                "present": present,
                "phase": phase.value,
                "trainee_id": trainee_id,
                "session_id": session.id,
            },
            cohort_id=session.cohort_id,
            actor_id=user.id,
        )
        changed += 1
    return changed
