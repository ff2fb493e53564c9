"""Reading and changing trainees; who may see whom; the training record (培训档案).

Visibility (decided for issue 3):
- admins see and edit every trainee, phones in full;
- an organizer *manages* a trainee enrolled (in any status) in a cohort the
  organizer is assigned to: full phone, detail page, edit, record, account reset;
- an organizer may also search the whole pool ("全部学员"), to find people
  already known before enrolling them again; there the phones of trainees they
  do not manage are masked (138****5678), the cohorts listed are only the ones
  they manage, a phone search must be the full 11-digit number (a partial search
  would let the masked digits be guessed), and the detail page stays closed (403);
- a trainee sees only their own detail page and record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import Select, exists, func, select
from sqlalchemy.exc import IntegrityError
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
    Role,
    Trainee,
    TrainingSession,
    User,
    cohort_organizers,
)
from cadre.models.types import utcnow
from cadre.rules import training_record as rules
from cadre.rules.trainee_fields import PHONE_RE
from cadre.services import begin_write

# Fields of a trainee written to the audit log, before → after.
AUDITED_FIELDS = (
    "name",
    "gender",
    "birth_year",
    "birth_month",
    "phone",
    "community",
    "position",
    "political_status",
    "education",
    "notes",
)

PER_PAGE = 30


class PhoneTaken(Exception):
    """The phone number belongs to another trainee."""


# --- who manages whom -------------------------------------------------------------------------


def managed_trainee_ids(user: User) -> Select:
    """A statement of the ids of trainees enrolled in cohorts the organizer manages."""
    return (
        select(Enrollment.trainee_id)
        .join(cohort_organizers, cohort_organizers.c.cohort_id == Enrollment.cohort_id)
        .where(cohort_organizers.c.user_id == user.id)
    )


def manages_trainee(user: User, trainee: Trainee) -> bool:
    """Admins manage everyone; organizers the trainees of their cohorts."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.ORGANIZER:
        return False
    mine = managed_trainee_ids(user).where(Enrollment.trainee_id == trainee.id)
    return bool(db.session.scalar(select(mine.exists())))


def may_view_record(user: User, trainee: Trainee) -> bool:
    """The trainee themself, or someone who manages them."""
    if getattr(user, "is_authenticated", False) and user.role == Role.TRAINEE:
        return user.trainee_id == trainee.id
    return manages_trainee(user, trainee)


def managed_cohorts(user: User, include_archived: bool = False) -> list[Cohort]:
    """The cohorts a staff user manages (admins: all), newest first."""
    stmt = select(Cohort).order_by(Cohort.start_date.desc().nulls_last(), Cohort.id.desc())
    if user.role != Role.ADMIN:
        stmt = stmt.join(cohort_organizers).where(cohort_organizers.c.user_id == user.id)
    if not include_archived:
        stmt = stmt.where(Cohort.archived_at.is_(None))
    return list(db.session.scalars(stmt).all())


# --- the list --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TraineeFilters:
    name: str = ""
    phone: str = ""
    community: str = ""
    cohort_id: int | None = None
    everyone: bool = False  # organizers: search the whole pool, not only their trainees


@dataclass(frozen=True)
class TraineeRow:
    trainee: Trainee
    managed: bool
    cohorts: list[Enrollment]  # enrollments in cohorts the viewer may see
    hidden_cohorts: int  # enrollments in cohorts the viewer may not see

    @property
    def phone(self) -> str:
        return (self.trainee.phone or "") if self.managed else self.trainee.masked_phone


def trainee_list_statement(user: User, filters: TraineeFilters) -> Select:
    """The trainees the user may list with these filters, ordered by name."""
    stmt = select(Trainee).order_by(Trainee.name, Trainee.id)
    mine = user.role != Role.ADMIN and not filters.everyone
    if mine:
        stmt = stmt.where(Trainee.id.in_(managed_trainee_ids(user)))
    if filters.name:
        stmt = stmt.where(Trainee.name.contains(filters.name, autoescape=True))
    if filters.community:
        stmt = stmt.where(Trainee.community.contains(filters.community, autoescape=True))
    if filters.phone:
        digits = "".join(ch for ch in filters.phone if ch.isdigit())
        if user.role == Role.ADMIN:
            stmt = stmt.where(Trainee.phone.contains(digits, autoescape=True))
        elif PHONE_RE.match(digits):
            # A full number finds anyone in the pool; that is how known people are found.
            stmt = stmt.where(Trainee.phone == digits)
        else:
            # Partial numbers only among one's own trainees: elsewhere they would unmask phones.
            stmt = stmt.where(
                Trainee.phone.contains(digits, autoescape=True),
                Trainee.id.in_(managed_trainee_ids(user)),
            )
    if filters.cohort_id:
        stmt = stmt.where(
            exists().where(Enrollment.trainee_id == Trainee.id, Enrollment.cohort_id == filters.cohort_id)
        )
    return stmt


def trainee_rows(user: User, trainees: list[Trainee]) -> list[TraineeRow]:
    """Rows of a page of the list: masking and cohorts as this user may see them (2 queries)."""
    ids = [t.id for t in trainees]
    if not ids:
        return []
    enrollments = db.session.scalars(
        select(Enrollment)
        .where(Enrollment.trainee_id.in_(ids))
        .options(selectinload(Enrollment.cohort))
        .order_by(Enrollment.enrolled_at.desc())
    ).all()
    if user.role == Role.ADMIN:
        visible_cohort_ids = None
    else:
        visible_cohort_ids = set(
            db.session.scalars(
                select(cohort_organizers.c.cohort_id).where(cohort_organizers.c.user_id == user.id)
            )
        )
    by_trainee: dict[int, list[Enrollment]] = {i: [] for i in ids}
    hidden: dict[int, int] = dict.fromkeys(ids, 0)
    for e in enrollments:
        if visible_cohort_ids is None or e.cohort_id in visible_cohort_ids:
            by_trainee[e.trainee_id].append(e)
        else:
            hidden[e.trainee_id] += 1
    return [
        TraineeRow(
            trainee=t,
            managed=visible_cohort_ids is None or bool(by_trainee[t.id]),
            cohorts=by_trainee[t.id],
            hidden_cohorts=hidden[t.id],
        )
        for t in trainees
    ]


def list_page(user: User, filters: TraineeFilters, page: int):
    """One page of the list (a Flask-SQLAlchemy Pagination) and its rows."""
    stmt = trainee_list_statement(user, filters).options(selectinload(Trainee.user))
    pagination = db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)
    return pagination, trainee_rows(user, list(pagination.items))


# --- detail ---------------------------------------------------------------------------------


def get_trainee(trainee_id: int) -> Trainee | None:
    return db.session.scalar(
        select(Trainee)
        .where(Trainee.id == trainee_id)
        .options(
            selectinload(Trainee.user),
            selectinload(Trainee.enrollments).selectinload(Enrollment.cohort),
        )
    )


def trainee_history(trainee: Trainee, limit: int = 20) -> list[AuditEvent]:
    """The latest audit events about this trainee's personal data."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == Trainee.__tablename__, AuditEvent.object_id == trainee.id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .options(selectinload(AuditEvent.actor))
            .limit(limit)
        ).all()
    )


# --- create and edit -------------------------------------------------------------------------


def phone_owner(phone: str | None, exclude_id: int | None = None) -> Trainee | None:
    if not phone:
        return None
    stmt = select(Trainee).where(Trainee.phone == phone)
    if exclude_id is not None:
        stmt = stmt.where(Trainee.id != exclude_id)
    return db.session.scalar(stmt)


def create_trainee(form, cohort: Cohort | None = None) -> Trainee:
    """A new trainee from a validated TraineeForm, enrolled in `cohort` when given; commits.

    Raises PhoneTaken (and writes nothing) when the phone belongs to someone else.
    """
    begin_write()
    trainee = Trainee()
    form.fill(trainee)
    if phone_owner(trainee.phone) is not None:
        db.session.rollback()
        raise PhoneTaken
    db.session.add(trainee)
    audit.record(
        "trainee.created",
        trainee,
        after=audit.snapshot(trainee, AUDITED_FIELDS),
        cohort_id=cohort.id if cohort else None,
    )
    if cohort is not None:
        enrollment = Enrollment(cohort=cohort, trainee=trainee, class_role=ClassRole.MEMBER)
        db.session.add(enrollment)
        audit.record(
            "enrollment.added",  # the action every other way of enrolling records
            enrollment,
            after={"cohort_id": cohort.id, "trainee_id": trainee.id, "class_role": enrollment.class_role},
            cohort_id=cohort.id,
        )
    _commit_or_phone_taken()
    return trainee


def update_trainee(trainee: Trainee, form) -> dict[str, tuple]:
    """Apply a validated TraineeForm; audit what changed; commit. Returns the changes.

    The trainee's login follows: its display name, and its username when it was
    the old phone number and the new one is free.
    """
    trainee_id = trainee.id
    begin_write()
    trainee = db.session.get(Trainee, trainee_id)
    before = audit.snapshot(trainee, AUDITED_FIELDS)
    old_phone = trainee.phone
    form.fill(trainee)
    with db.session.no_autoflush:  # a flush would hit the unique index before the friendly check
        taken = phone_owner(trainee.phone, exclude_id=trainee.id) is not None
    if taken:
        db.session.rollback()
        raise PhoneTaken
    after = audit.snapshot(trainee, AUDITED_FIELDS)
    changed = {k: (before[k], after[k]) for k in AUDITED_FIELDS if before[k] != after[k]}
    if not changed:
        db.session.rollback()
        return {}
    user = trainee.user
    if user is not None:
        user.display_name = trainee.name
        if trainee.phone and trainee.phone != old_phone and user.username == old_phone:
            taken = db.session.scalar(
                select(User.id).where(func.lower(User.username) == trainee.phone, User.id != user.id)
            )
            if taken is None:
                user.username = trainee.phone
                changed["username"] = (old_phone, trainee.phone)
    audit.record(
        "trainee.updated",
        trainee,
        before={k: v[0] for k, v in changed.items()},
        after={k: v[1] for k, v in changed.items()},
    )
    _commit_or_phone_taken()
    return changed


def _commit_or_phone_taken() -> None:
    try:
        db.session.commit()
    except IntegrityError as err:
        # Two people saved the same phone at the same moment: the unique index decides.
        db.session.rollback()
        raise PhoneTaken from err


# --- the training record ---------------------------------------------------------------------


@dataclass(frozen=True)
class RecordRow:
    enrollment: Enrollment
    cohort: Cohort
    tally: rules.CohortTally
    certificate: Certificate | None


def training_record(trainee: Trainee) -> list[RecordRow]:
    """Every cohort the trainee took part in, newest first, in 4 queries whatever the history."""
    zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
    enrollments = db.session.scalars(
        select(Enrollment).where(Enrollment.trainee_id == trainee.id).options(selectinload(Enrollment.cohort))
    ).all()
    if not enrollments:
        return []
    cohort_ids = [e.cohort_id for e in enrollments]
    sessions: dict[int, list[rules.SessionFacts]] = {cid: [] for cid in cohort_ids}
    for row in db.session.execute(
        select(
            TrainingSession.id,
            TrainingSession.cohort_id,
            TrainingSession.starts_at,
            TrainingSession.ends_at,
            TrainingSession.credit_hours,
            TrainingSession.is_required,
        ).where(TrainingSession.cohort_id.in_(cohort_ids))
    ):
        sessions[row.cohort_id].append(
            rules.SessionFacts(
                id=row.id,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                credit_hours=row.credit_hours,
                day=row.starts_at.astimezone(zone).date(),
                is_required=row.is_required,
            )
        )
    statuses = dict(
        db.session.execute(
            select(AttendanceRecord.session_id, AttendanceRecord.status)
            .join(TrainingSession, TrainingSession.id == AttendanceRecord.session_id)
            .where(AttendanceRecord.trainee_id == trainee.id, TrainingSession.cohort_id.in_(cohort_ids))
        ).all()
    )
    certificates: dict[int, Certificate] = {}
    for cert in db.session.scalars(
        select(Certificate).where(Certificate.trainee_id == trainee.id).order_by(Certificate.issued_at)
    ):
        # A valid certificate wins over a revoked one; among equals the latest.
        current = certificates.get(cert.cohort_id)
        if current is None or cert.is_valid or not current.is_valid:
            certificates[cert.cohort_id] = cert
    now = utcnow()
    rows = [
        RecordRow(
            enrollment=e,
            cohort=e.cohort,
            tally=rules.tally_cohort(
                sessions[e.cohort_id],
                statuses,
                now=now,
                minutes_per_credit_hour=e.cohort.minutes_per_credit_hour,
                withdrawn_on=e.withdrawn_on,
            ),
            certificate=certificates.get(e.cohort_id),
        )
        for e in enrollments
    ]
    rows.sort(key=lambda r: (r.cohort.start_date or date.min, r.cohort.id), reverse=True)
    return rows


def record_totals(rows: list[RecordRow]) -> rules.CohortTally | None:
    """The sum over all cohorts (None when there is none)."""
    if not rows:
        return None
    counts: dict[str, int] = {}
    for r in rows:
        for k, v in r.tally.counts.items():
            counts[k] = counts.get(k, 0) + v
    return rules.CohortTally(
        earned=sum((r.tally.earned for r in rows), start=Decimal(0)),
        due=sum((r.tally.due for r in rows), start=Decimal(0)),
        planned=sum((r.tally.planned for r in rows), start=Decimal(0)),
        sessions_due=sum(r.tally.sessions_due for r in rows),
        sessions_planned=sum(r.tally.sessions_planned for r in rows),
        counts=counts,
    )
