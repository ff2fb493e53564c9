"""Reading and changing trainees: the list, the detail page, creating and editing.

Who sees whom is decided in cadre/trainees/access.py (re-exported here); the
training record is in cadre/trainees/record.py. Services follow the contract of
cadre/services.py: plain values in, flush and audit, ServiceError out, no commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import selectinload

from cadre import audit
from cadre.extensions import db
from cadre.models import (
    AuditEvent,
    ClassRole,
    Cohort,
    Enrollment,
    Role,
    Trainee,
    User,
    cohort_organizers,
)
from cadre.rules.names import name_sort_key
from cadre.rules.trainee_fields import PHONE_RE
from cadre.services import NotFound, ServiceError, ensure_open
from cadre.trainees.access import (  # noqa: F401 - the trainee area's public names
    managed_cohort_ids,
    managed_cohorts,
    managed_trainee_ids,
    manages_trainee,
    may_manage_account,
    may_view_record,
)
from cadre.trainees.data import TraineeData

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
PINYIN_SORT_LIMIT = 2000  # people sorted by pinyin in Python; beyond that, SQL order


def phone_taken_message() -> str:
    return _("该手机号码已登记为另一位学员，请在学员库中按完整号码查找此人，不要重复登记。")


class PhoneTaken(ServiceError):
    """The phone number belongs to another trainee."""

    def __init__(self):
        super().__init__(phone_taken_message(), field="phone")


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
    """One page of the list (a Flask-SQLAlchemy Pagination) and its rows, names in pinyin order.

    SQL cannot order by pinyin, so up to PINYIN_SORT_LIMIT matching people are sorted here
    (ids and names only, then one page of rows: 2 queries, as SQL paging takes); a larger
    filtered set falls back to SQL order by name.
    """
    stmt = trainee_list_statement(user, filters)
    named = db.session.execute(
        stmt.with_only_columns(Trainee.id, Trainee.name).limit(PINYIN_SORT_LIMIT + 1)
    ).all()
    if len(named) <= PINYIN_SORT_LIMIT:
        ids = [row.id for row in sorted(named, key=lambda row: (name_sort_key(row.name), row.id))]
        pagination = _IdsPagination(page=page, per_page=PER_PAGE, error_out=False, ids=ids)
    else:
        pagination = db.paginate(
            stmt.options(selectinload(Trainee.user)), page=page, per_page=PER_PAGE, error_out=False
        )
    return pagination, trainee_rows(user, list(pagination.items))


class _IdsPagination(Pagination):
    """A page of trainees out of an already ordered list of ids."""

    def _query_items(self) -> list[Trainee]:
        page_ids = self._query_args["ids"][self._query_offset : self._query_offset + self.per_page]
        if not page_ids:
            return []
        found = db.session.scalars(
            select(Trainee).where(Trainee.id.in_(page_ids)).options(selectinload(Trainee.user))
        )
        by_id = {t.id: t for t in found}
        return [by_id[i] for i in page_ids if i in by_id]

    def _query_count(self) -> int:
        return len(self._query_args["ids"])


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


def create_trainee(data: TraineeData, cohort_id: int | None = None) -> Trainee:
    """A new trainee, enrolled in the cohort when one is given; flushed and audited.

    Raises PhoneTaken (before writing anything) when the phone belongs to someone else.
    """
    cohort = None
    if cohort_id is not None:
        cohort = db.session.get(Cohort, cohort_id)
        if cohort is None:
            raise NotFound()
        ensure_open(cohort)
    if phone_owner(data.phone) is not None:
        raise PhoneTaken
    trainee = Trainee()
    data.apply_to(trainee)
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
    return trainee


def update_trainee(trainee_id: int, data: TraineeData) -> dict[str, tuple]:
    """Apply new personal data; audit what changed (before → after, and who). Returns the changes.

    The person may be shared by several cohorts: every organizer who manages them
    edits the same row, and the audit event says who changed what. The trainee's
    login follows: its display name, and its username when it was the old phone
    number and the new one is free.
    """
    trainee = db.session.get(Trainee, trainee_id)
    if trainee is None:
        raise NotFound()
    if phone_owner(data.phone, exclude_id=trainee.id) is not None:
        raise PhoneTaken
    before = audit.snapshot(trainee, AUDITED_FIELDS)
    old_phone = trainee.phone
    after = {k: getattr(data, k) for k in AUDITED_FIELDS}
    changed = {k: (before[k], after[k]) for k in AUDITED_FIELDS if before[k] != after[k]}
    if not changed:
        return {}
    data.apply_to(trainee)
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
    return changed
