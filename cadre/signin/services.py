"""Sign-in and sign-out by the trainees themselves, the projector's live counts, proxy review.

Follows the service contract (cadre/services.py): plain values in, ServiceError out,
no commit. Exactness under concurrency rests on the database: one attendance record
per session × trainee and one device row per session × phone, both written with
INSERT ... ON CONFLICT DO NOTHING and read back, so a racing second request keeps the
first time instead of failing or writing twice.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, func, select, text, update

from cadre import audit
from cadre.attendance.common import refuse_archived, session_rules
from cadre.attendance_messages import rule_error_message
from cadre.db_util import Prepared, require_orm_session
from cadre.enums import AttendanceStatus, EnrollmentStatus, SignInMethod
from cadre.extensions import db
from cadre.models import (
    AttendanceRecord,
    Cohort,
    Enrollment,
    SignInDevice,
    SuspectedProxySignIn,
    TrainingSession,
    Venue,
)
from cadre.models.types import utcnow
from cadre.rules.attendance import (
    ATTENDED,
    AttendanceRuleError,
    RecordValue,
    SessionRules,
    check_sign_in,
    check_sign_out,
    sign_out_closes_at,
    sign_out_on_time_from,
)
from cadre.services import NotFound, ServiceError

__all__ = [
    "SignInOutcome",
    "SignInPlan",
    "open_sessions_for",
    "plan_sign_in",
    "projector_purpose",
    "record_sign_in",
    "session_card",
    "session_rules",
    "sign_in",
    "sign_out",
]

# Outcomes of sign_in / sign_out.
SIGNED_IN = "signed_in"
ALREADY = "already"
SIGNED_OUT = "signed_out"
PROXY_SUSPECTED = "proxy_suspected"


@dataclass(frozen=True)
class SignInOutcome:
    """What happened: signed_in / already / signed_out / proxy_suspected, with the times that matter."""

    kind: str
    status: AttendanceStatus | None = None
    at: datetime | None = None  # the (first) sign-in time, or the sign-out time
    session_title: str = ""

    @property
    def refused(self) -> bool:
        return self.kind == PROXY_SUSPECTED


def projector_purpose(session: TrainingSession, now: datetime) -> str:
    """ "out" once sign-out is on time for a session that asks for it, else "in"."""
    rules = session_rules(session)
    if rules.sign_out_required and sign_out_on_time_from(rules) <= now < sign_out_closes_at(rules):
        return "out"
    return "in"


@functools.cache
def _conflict_insert(table, keys: tuple[str, ...], conflict: tuple[str, ...]):
    """INSERT ... ON CONFLICT (...) DO NOTHING RETURNING id, built once per table and columns.

    The same SQL on SQLite (3.35+) and PostgreSQL. Plain text with typed parameters rather
    than the dialects' insert(): those constructs are not cacheable, so SQLAlchemy would
    compile them again for every sign-in (about a millisecond of CPU each).
    """
    columns = ", ".join(f'"{k}"' for k in keys)
    params = ", ".join(f":{k}" for k in keys)
    targets = ", ".join(f'"{k}"' for k in conflict)
    # Names from the model's own table, never from input; values are bound parameters.
    sql = (
        f'INSERT INTO "{table.name}" ({columns}) VALUES ({params}) '  # noqa: S608
        f'ON CONFLICT ({targets}) DO NOTHING RETURNING "id"'
    )
    return Prepared(text(sql).bindparams(*(bindparam(k, type_=table.c[k].type) for k in keys)))


def _insert_ignoring_conflict(model, values: dict, conflict: list[str]):
    """INSERT ... ON CONFLICT DO NOTHING on both dialects; the new row's id, or None when it existed.

    A racing twin waits for the first transaction's row (PostgreSQL) or for its write
    lock (SQLite, BEGIN IMMEDIATE), then inserts nothing: the first row stays. Python-side
    column defaults are applied here (the text statement does not know them).
    """
    table = model.__table__
    values = dict(values)
    for column in table.columns:
        default = column.default
        if column.key not in values and default is not None and not column.primary_key:
            values[column.key] = default.arg(None) if default.is_callable else default.arg
    stmt = _conflict_insert(table, tuple(sorted(values)), tuple(conflict))
    # RETURNING, not rowcount: the ORM's rowcount for an INSERT is not reliable on every driver.
    return stmt.scalar(values)


def _load_for_trainee(
    session_id: int, trainee_id: int | None
) -> tuple[TrainingSession, AttendanceRecord | None]:
    """The session and the trainee's record for it, in one query; refuses who may not sign in."""
    if trainee_id is None:
        raise ServiceError(_("只有学员账号可以签到。请用您自己的学员账号登录。"))
    row = db.session.execute(
        select(TrainingSession, Enrollment.status, AttendanceRecord, Cohort)
        .join(Cohort, Cohort.id == TrainingSession.cohort_id)
        .outerjoin(
            Enrollment,
            (Enrollment.cohort_id == TrainingSession.cohort_id) & (Enrollment.trainee_id == trainee_id),
        )
        .outerjoin(
            AttendanceRecord,
            (AttendanceRecord.session_id == TrainingSession.id) & (AttendanceRecord.trainee_id == trainee_id),
        )
        .where(TrainingSession.id == session_id)
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        raise NotFound(_("找不到这次课程，可能已被删除。"))
    session, status, record, cohort = row
    _check_enrollment(status)
    refuse_archived(cohort)  # an archived cohort's attendance is read-only
    return session, record


def _check_enrollment(status: EnrollmentStatus | None) -> None:
    if status is None:
        raise ServiceError(_("您不在这次课程所属的培训班中，不能签到。如有疑问请联系班主任。"))
    if status != EnrollmentStatus.ACTIVE:
        raise ServiceError(_("您已不在训（退训或已结业），不能再签到。如有疑问请联系班主任。"))


def _record(session_id: int, trainee_id: int) -> AttendanceRecord | None:
    return db.session.scalar(
        select(AttendanceRecord)
        .where(AttendanceRecord.session_id == session_id, AttendanceRecord.trainee_id == trainee_id)
        .execution_options(populate_existing=True)
    )


_RECORD_TIME = Prepared(
    select(AttendanceRecord.__table__.c.status, AttendanceRecord.__table__.c.signed_in_at).where(
        AttendanceRecord.__table__.c.session_id == bindparam("session"),
        AttendanceRecord.__table__.c.trainee_id == bindparam("trainee"),
    )
)
_DEVICE_OWNER = Prepared(
    select(SignInDevice.__table__.c.trainee_id).where(
        SignInDevice.__table__.c.session_id == bindparam("session"),
        SignInDevice.__table__.c.device_id == bindparam("device"),
    )
)


def _claim_device(
    session_id: int,
    cohort_id: int,
    trainee_id: int,
    device_id: str | None,
    purpose: str,
    ip,
    history: tuple[int, int] | None = None,
):
    """None when the phone is this trainee's for the session; else the suspected-proxy row written.

    `history`: (phones the trainee used for other sessions, of which this one), when the
    caller read it already (plan_sign_in does, in the same statement); else it is read here.
    """
    if device_id is None:
        return None
    claimed = _insert_ignoring_conflict(
        SignInDevice,
        {"session_id": session_id, "device_id": device_id, "trainee_id": trainee_id, "created_at": utcnow()},
        ["session_id", "device_id"],
    )
    if claimed is not None:
        # A phone new to this session: now this trainee's. Flag (never refuse) the first use of a
        # phone new to a trainee who signed in with another one before: a phone whose cookies were
        # cleared after signing someone else in looks new, so the shared-phone check misses it.
        if _new_phone_of_known_trainee(session_id, trainee_id, device_id, history):
            _flag(session_id, cohort_id, trainee_id, None, device_id, purpose, ip, NEW_DEVICE)
        return None
    owner = _DEVICE_OWNER.scalar({"session": session_id, "device": device_id})
    if owner == trainee_id:
        return None
    return _flag(session_id, cohort_id, trainee_id, owner, device_id, purpose, ip, SHARED_DEVICE)


# Why a sign-in is on the 疑似代签 list (SuspectedProxySignIn.reason).
SHARED_DEVICE = "shared_device"  # the phone signed in someone else for this session: refused
NEW_DEVICE = "new_device"  # first sign-in from a phone new to a trainee who used another: allowed



def _new_phone_of_known_trainee(session_id: int, trainee_id: int, device_id: str, history=None) -> bool:
    """Has the trainee signed in for other sessions, never with this phone? (one indexed query)"""
    if history is None:
        history = _PHONES_OF_TRAINEE.first(
            {"device": device_id, "trainee": trainee_id, "session": session_id}
        )
    used, this_one = history
    return bool(used) and not this_one


def _flag(session_id, cohort_id, trainee_id, owner, device_id, purpose, ip, reason) -> SuspectedProxySignIn:
    require_orm_session()  # the lean tap hands a suspected proxy sign-in to the full view
    suspect = SuspectedProxySignIn(
        session_id=session_id,
        trainee_id=trainee_id,
        device_owner_id=owner,
        device_id=device_id,
        purpose=purpose,
        reason=reason,
        attempted_at=utcnow(),
        ip=ip,
    )
    db.session.add(suspect)
    audit.record(
        "attendance.proxy_suspected",
        suspect,
        cohort_id=cohort_id,
        after={
            "session_id": session_id,
            "trainee_id": trainee_id,
            "device_owner_id": owner,
            "purpose": purpose,
            "reason": reason,
        },
    )
    return suspect


_sessions = TrainingSession.__table__
_enrollments = Enrollment.__table__
_records = AttendanceRecord.__table__
_cohorts = Cohort.__table__


def _phones_elsewhere(this_phone: bool = False):
    """How many phones the trainee signed in with for other sessions (or: was this one of them)."""
    devices = SignInDevice.__table__
    where = [devices.c.trainee_id == bindparam("trainee"), devices.c.session_id != bindparam("session")]
    if this_phone:
        where.append(devices.c.device_id == bindparam("device"))
    name = "this_phone_elsewhere" if this_phone else "phones_elsewhere"
    return select(func.count()).select_from(devices).where(*where).scalar_subquery().label(name)


# For a caller without a plan (sign-out): the same two counts as the plan reads.
_PHONES_OF_TRAINEE = Prepared(select(_phones_elsewhere(), _phones_elsewhere(this_phone=True)))


# The session, its cohort, the trainee's enrollment and record (and the trainee's phones
# elsewhere, for the proxy check): one prebuilt Core statement
# (compiled once per process; the ORM query it replaces cost about 2 ms of CPU per sign-in).
_PLAN = Prepared(
    select(
        _sessions.c.id,
        _sessions.c.cohort_id,
        _sessions.c.title,
        _sessions.c.starts_at,
        _sessions.c.ends_at,
        _sessions.c.credit_hours,
        _sessions.c.sign_in_opens_minutes,
        _sessions.c.late_after_minutes,
        _sessions.c.sign_out_required,
        _sessions.c.cancelled_at,
        _sessions.c.is_required,
        _cohorts.c.name.label("cohort_name"),
        _cohorts.c.archived_at,
        _enrollments.c.status.label("enrollment_status"),
        _records.c.status.label("record_status"),
        _records.c.signed_in_at,
        _phones_elsewhere(),
        _phones_elsewhere(this_phone=True),
    )
    .join_from(_sessions, _cohorts, _cohorts.c.id == _sessions.c.cohort_id)
    .outerjoin(
        _enrollments,
        and_(
            _enrollments.c.cohort_id == _sessions.c.cohort_id,
            _enrollments.c.trainee_id == bindparam("trainee"),
        ),
    )
    .outerjoin(
        _records, and_(_records.c.session_id == _sessions.c.id, _records.c.trainee_id == bindparam("trainee"))
    )
    .where(_sessions.c.id == bindparam("session"))
)


_venues = Venue.__table__
_CARD = Prepared(
    select(
        _sessions.c.id,
        _sessions.c.title,
        _sessions.c.starts_at,
        _sessions.c.ends_at,
        _venues.c.name.label("venue"),
    )
    .outerjoin_from(_sessions, _venues, _venues.c.id == _sessions.c.venue_id)
    .where(_sessions.c.id == bindparam("session"))
)


def session_card(session_id: int):
    """What the sign-in page shows of a session (title, times, venue), or None when it is gone."""
    return _CARD.first({"session": session_id})


@dataclass(frozen=True)
class SignInPlan:
    """A sign-in checked by plan_sign_in, as plain values (they outlive the read transaction)."""

    session_id: int
    cohort_id: int
    session_title: str
    trainee_id: int
    status: AttendanceStatus
    at: datetime
    # The phones the trainee signed in with for other sessions, and of those this one (device_id).
    phones_elsewhere: tuple[int, int] = (0, 0)


def plan_sign_in(
    session_id: int, trainee_id: int | None, *, now: datetime | None = None, device_id: str | None = None
):
    """Read-only checks of a sign-in: a SignInPlan to record, or the outcome when already signed in.

    Views call it before opening the write, so that the write transaction (which holds
    SQLite's single write lock) is a few INSERTs long while a whole class signs in.
    With the phone's `device_id`, the plan also knows the trainee's phones for other sessions.
    """
    now = now or utcnow()
    if trainee_id is None:
        raise ServiceError(_("只有学员账号可以签到。请用您自己的学员账号登录。"))
    row = _PLAN.first({"session": session_id, "trainee": trainee_id, "device": device_id})
    if row is None:
        raise NotFound(_("找不到这次课程，可能已被删除。"))
    _check_enrollment(row.enrollment_status)
    refuse_archived(SimpleNamespace(is_archived=row.archived_at is not None, name=row.cohort_name))
    if row.record_status is not None:
        return _already(row.title, row.record_status, row.signed_in_at)
    rules = SessionRules(
        id=row.id,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        credit_hours=row.credit_hours,
        sign_in_opens_minutes=row.sign_in_opens_minutes,
        late_after_minutes=row.late_after_minutes,
        sign_out_required=row.sign_out_required,
        cancelled=row.cancelled_at is not None,
        is_required=row.is_required,
        title=row.title,
    )
    try:
        status = check_sign_in(rules, now)
    except AttendanceRuleError as err:
        raise ServiceError(rule_error_message(err)) from err
    phones = (row.phones_elsewhere, row.this_phone_elsewhere)
    return SignInPlan(row.id, row.cohort_id, row.title, trainee_id, status, now, phones)


def record_sign_in(
    plan: SignInPlan, *, device_id: str | None, ip: str | None = None, actor_id: int | None = None
) -> SignInOutcome:
    """Write a planned sign-in; a racing twin that got there first keeps its time.

    The checks run again first, inside the write: a withdrawal, an archived cohort or a
    cancelled session committed since plan_sign_in still refuses (SQLite: the write lock
    makes this exact; PostgreSQL: what committed before this statement is seen).
    """
    again = plan_sign_in(plan.session_id, plan.trainee_id, now=plan.at, device_id=device_id)
    if isinstance(again, SignInOutcome):
        return again  # a twin signed in meanwhile: its time stays
    return _write_planned(again, device_id=device_id, ip=ip, actor_id=actor_id)


def sign_in_within_write(
    session_id: int, trainee_id: int, *, device_id: str | None, ip: str | None, actor_id: int | None
) -> SignInOutcome:
    """Check and record a sign-in inside the caller's write transaction (the lean tap's one pass).

    The same as plan_sign_in then record_sign_in, reading the checks once: inside the write
    they are exact already (SQLite's write lock; PostgreSQL sees what committed before).
    """
    plan = plan_sign_in(session_id, trainee_id, device_id=device_id)
    if isinstance(plan, SignInOutcome):
        return plan
    return _write_planned(plan, device_id=device_id, ip=ip, actor_id=actor_id)


def _write_planned(plan: SignInPlan, *, device_id: str | None, ip: str | None, actor_id: int | None):
    claim = (plan.session_id, plan.cohort_id, plan.trainee_id, device_id, "in", ip, plan.phones_elsewhere)
    if _claim_device(*claim) is not None:
        return SignInOutcome(PROXY_SUSPECTED, session_title=plan.session_title)
    inserted = _insert_ignoring_conflict(
        AttendanceRecord,
        {
            "session_id": plan.session_id,
            "trainee_id": plan.trainee_id,
            "status": plan.status,
            "signed_in_at": plan.at,
            "method": SignInMethod.QR,
            "created_at": plan.at,
            "updated_at": plan.at,
        },
        ["session_id", "trainee_id"],
    )
    if inserted is None:
        # A racing twin (double tap, second phone) got there first: its time stays.
        record = _RECORD_TIME.first({"session": plan.session_id, "trainee": plan.trainee_id})
        return _already(plan.session_title, record.status, record.signed_in_at)
    audit.record_now(
        "attendance.signed_in",
        object_type=AttendanceRecord.__tablename__,
        object_id=inserted,
        cohort_id=plan.cohort_id,
        actor_id=actor_id,
        ip=ip,
        after={
            "status": plan.status,
            "signed_in_at": plan.at,
            "method": SignInMethod.QR,
            "device": device_id,
        },
    )
    return SignInOutcome(SIGNED_IN, plan.status, plan.at, plan.session_title)


def sign_in(
    session_id: int,
    trainee_id: int | None,
    *,
    device_id: str | None,
    now: datetime | None = None,
    ip: str | None = None,
) -> SignInOutcome:
    """Sign a trainee in (QR or typed code) in one call; a second sign-in keeps the first time."""
    plan = plan_sign_in(session_id, trainee_id, now=now)
    if isinstance(plan, SignInOutcome):
        return plan
    return record_sign_in(plan, device_id=device_id, ip=ip)


def _already(title: str, status: AttendanceStatus, signed_in_at: datetime | None) -> SignInOutcome:
    if status not in ATTENDED or signed_in_at is None:
        from cadre.attendance_messages import outcome_label

        raise ServiceError(
            _(
                "班主任已将您本次课程的考勤记为“%(status)s”。如有疑问请联系班主任。",
                status=outcome_label(status),
            )
        )
    return SignInOutcome(ALREADY, AttendanceStatus(status), signed_in_at, title)


def sign_out(
    session_id: int,
    trainee_id: int | None,
    *,
    device_id: str | None,
    now: datetime | None = None,
    ip: str | None = None,
) -> SignInOutcome:
    """Sign a trainee out; leaving before the last 15 minutes counts as left early."""
    now = now or utcnow()
    session, record = _load_for_trainee(session_id, trainee_id)
    value = None
    if record is not None:
        value = RecordValue(
            status=record.status,
            signed_in_at=record.signed_in_at,
            signed_out_at=record.signed_out_at,
            method=record.method,
        )
    try:
        result = check_sign_out(session_rules(session), value, now)
    except AttendanceRuleError as err:
        raise ServiceError(rule_error_message(err)) from err
    if _claim_device(session.id, session.cohort_id, trainee_id, device_id, "out", ip) is not None:
        return SignInOutcome(PROXY_SUSPECTED, session_title=session.title)
    before = {"status": record.status, "signed_out_at": None}
    # Only the first of two racing sign-outs changes the row.
    changed = db.session.execute(
        update(AttendanceRecord)
        .where(AttendanceRecord.id == record.id, AttendanceRecord.signed_out_at.is_(None))
        .values(signed_out_at=result.signed_out_at, status=result.status, updated_at=now)
    ).rowcount
    record = _record(session.id, trainee_id)
    if not changed:
        raise ServiceError(
            rule_error_message(AttendanceRuleError("already_signed_out", signed_out_at=record.signed_out_at))
        )
    audit.record(
        "attendance.signed_out",
        record,
        cohort_id=session.cohort_id,
        before=before,
        after={"status": result.status, "signed_out_at": result.signed_out_at, "device": device_id},
    )
    return SignInOutcome(SIGNED_OUT, result.status, result.signed_out_at, session.title)


def open_sessions_for(trainee_id: int, now: datetime) -> list[TrainingSession]:
    """The trainee's sessions whose sign-in or sign-out may be open around now.

    Cancelled sessions and withdrawn enrollments included: their code then gets the QR
    path's clear refusal ("cancelled", "no longer enrolled"), not "invalid code".
    """
    return list(
        db.session.scalars(
            select(TrainingSession)
            .join(Enrollment, Enrollment.cohort_id == TrainingSession.cohort_id)
            .where(
                Enrollment.trainee_id == trainee_id,
                TrainingSession.starts_at <= now + timedelta(days=1),
                TrainingSession.ends_at >= now - timedelta(hours=1),
            )
            .order_by(TrainingSession.starts_at)
        )
    )
