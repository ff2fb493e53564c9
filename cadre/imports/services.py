"""Importing a cohort's trainees from a roster file: plan (preview), then apply (commit).

The same two functions serve the web page, the CLI and the benchmark. A plan
reads the database but never writes; apply writes everything or nothing.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from cadre import audit
from cadre.cohorts import pool
from cadre.extensions import db
from cadre.imports.plans import (  # noqa: F401 - the plan's types are part of this module's interface
    ENROLL,
    ERROR,
    NEW,
    SAME,
    SKIP,
    UPDATE,
    ErrorLine,
    ImportConflict,
    ImportPlan,
    ImportResult,
    RowPlan,
    display_value,
)
from cadre.imports.spreadsheet import HEADER_SCAN_ROWS, read_table
from cadre.imports.tables import FileRefused, Limits
from cadre.models import ClassRole, Cohort, Enrollment, EnrollmentStatus, Role, Trainee, User
from cadre.rules import roster_import as rules
from cadre.rules.roster_import import CellError, ParsedRow
from cadre.services import lock_cohort

# Chunk size for IN (...) lists: well under SQLite's and PostgreSQL's parameter limits.
_CHUNK = 500

_TRAINEE_TEXT_FIELDS = ("community", "position", "political_status", "education", "notes")


def limits() -> Limits:
    config = current_app.config
    return Limits(max_bytes=config["IMPORT_MAX_BYTES"], max_rows=config["IMPORT_MAX_ROWS"])


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _accept_header(rows) -> bool:
    header = rules.find_header_row(rows, HEADER_SCAN_ROWS)
    return header is not None and header.has_name


def plan_import(
    cohort: Cohort, data: bytes, filename: str, today: date | None = None, *, actor: User | None = None
) -> ImportPlan:
    """Read the file and decide, row by row, what an import would do. Writes nothing.

    A row names a known person by their mobile number. A row without one can mean only
    someone on file without a number, and for an organizer (`actor`) only such a person
    already in one of their own cohorts: a name alone must not bring in another
    organizer's trainee (see cadre.cohorts.pool). No actor (the CLI): anyone.
    """
    today = today or date.today()
    plan = ImportPlan(cohort_id=cohort.id, filename=filename, sha256=sha256_of(data))
    try:
        if cohort.is_archived:
            raise FileRefused("cohort_archived")
        table = read_table(data, limits(), accept_header=_accept_header)
        plan.kind, plan.sheet_name, plan.encoding = table.kind, table.sheet_name, table.encoding
        header = rules.find_header_row(table.rows, HEADER_SCAN_ROWS)
        if header is None:
            raise FileRefused("no_header", scan=HEADER_SCAN_ROWS)
        plan.header = header
        if not header.has_name:
            raise FileRefused("no_name_column", row=header.row_no)
        parsed = rules.parse_rows(table.rows, header, today)
        if not any(not r.skip for r in parsed):
            raise FileRefused("no_trainee_rows")
    except FileRefused as refused:
        plan.file_error = refused
        return plan
    plan.rows = _match(cohort, parsed, actor)
    plan.demoted = _monitors_to_demote(cohort, plan.rows)
    return plan


def _monitors_to_demote(cohort: Cohort, rows: list[RowPlan]) -> list[Enrollment]:
    """One 班长 per cohort: a 班长 named by the file replaces one who is not in the file."""
    if not any(r.values.get("class_role") == ClassRole.MONITOR for r in rows if r.outcome != SKIP):
        return []
    in_file = {r.trainee.id for r in rows if r.trainee is not None}
    current = db.session.scalars(
        select(Enrollment)
        .where(Enrollment.cohort_id == cohort.id, Enrollment.class_role == ClassRole.MONITOR)
        .options(selectinload(Enrollment.trainee))
    ).all()
    return [e for e in current if e.trainee_id not in in_file]


def _chunks(items: list) -> list[list]:
    return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]


def _phoneless_known_to(actor: User, candidates: dict[str, list[Trainee]]) -> dict[str, list[Trainee]]:
    """The phoneless namesakes the actor may pick by name: those in the actor's cohorts (2 queries)."""
    if actor.role == Role.ADMIN:
        return candidates
    ids = [t.id for ts in candidates.values() for t in ts]
    mine = pool.managed_cohort_ids(actor)
    known: set[int] = set()
    for chunk in _chunks(ids):
        stmt = select(Enrollment.trainee_id).where(
            Enrollment.trainee_id.in_(chunk), Enrollment.cohort_id.in_(sorted(mine) or [-1])
        )
        known.update(db.session.scalars(stmt))
    return {name: [t for t in ts if t.id in known] for name, ts in candidates.items()}


def _match(cohort: Cohort, parsed: list[ParsedRow], actor: User | None = None) -> list[RowPlan]:
    """Find each row's person and enrollment in the database: a bounded number of queries."""
    rows = [RowPlan(p, errors=list(p.errors)) for p in parsed]
    phones = sorted({r.parsed.phone for r in rows if r.parsed.phone})
    by_phone: dict[str, Trainee] = {}
    for chunk in _chunks(phones):
        for trainee in db.session.scalars(select(Trainee).where(Trainee.phone.in_(chunk))):
            by_phone[trainee.phone] = trainee
    names = sorted({r.parsed.name for r in rows if r.parsed.name and not r.parsed.phone})
    phoneless: dict[str, list[Trainee]] = defaultdict(list)
    for chunk in _chunks(names):
        stmt = select(Trainee).where(Trainee.phone.is_(None), Trainee.name.in_(chunk))
        for trainee in db.session.scalars(stmt):
            phoneless[rules.normalize_name(trainee.name)].append(trainee)
    if actor is not None and phoneless:
        phoneless = _phoneless_known_to(actor, phoneless)
    known_ids = sorted({t.id for t in by_phone.values()} | {t.id for ts in phoneless.values() for t in ts})
    enrollments: dict[int, Enrollment] = {}
    for chunk in _chunks(known_ids):
        stmt = select(Enrollment).where(Enrollment.cohort_id == cohort.id, Enrollment.trainee_id.in_(chunk))
        for enrollment in db.session.scalars(stmt):
            enrollments[enrollment.trainee_id] = enrollment

    for row in rows:
        if row.parsed.skip:
            row.outcome = SKIP
            continue
        if row.errors:
            continue
        trainee = _find_person(row, by_phone, phoneless, enrollments)
        if row.errors:
            continue
        if trainee is None:
            row.outcome = NEW
            continue
        row.trainee = trainee
        row.person_changes = rules.personal_changes(trainee_values(trainee), row.values)
        row.enrollment = enrollments.get(trainee.id)
        if row.enrollment is None:
            row.outcome = ENROLL
        else:
            row.enrollment_changes = rules.enrollment_changes(enrollment_values(row.enrollment), row.values)
            row.outcome = UPDATE if (row.person_changes or row.enrollment_changes) else SAME
    for row in rows:
        if row.errors:
            row.outcome = ERROR
    return rows


def _find_person(row: RowPlan, by_phone, phoneless, enrollments) -> Trainee | None:
    phone, name = row.parsed.phone, row.parsed.name
    if phone:
        trainee = by_phone.get(phone)
        if trainee is not None and not rules.names_match(trainee.name, name):
            row.errors.append(
                CellError("phone", "phone_other_person", {"phone": phone, "other": trainee.name})
            )
            return None
        return trainee
    # No phone: only someone already on file without a phone, with this name (and birth, when
    # given), can be meant. A new person needs a phone: it identifies them and is their login.
    candidates = phoneless.get(name, [])
    birth = row.values.get("birth")
    if birth is not None:
        candidates = [t for t in candidates if (t.birth_year, t.birth_month) == birth]
    if len(candidates) > 1:
        in_cohort = [t for t in candidates if t.id in enrollments]
        candidates = in_cohort if len(in_cohort) == 1 else candidates
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        row.errors.append(CellError("name", "ambiguous_name", {"count": len(candidates), "name": name}))
    else:
        row.errors.append(CellError("phone", "phone_required"))
    return None


def trainee_values(trainee: Trainee) -> dict[str, Any]:
    values = {name: getattr(trainee, name) for name in _TRAINEE_TEXT_FIELDS}
    values["gender"] = trainee.gender
    values["birth"] = (trainee.birth_year, trainee.birth_month) if trainee.birth_year else None
    return values


def enrollment_values(enrollment: Enrollment) -> dict[str, Any]:
    return {
        "group": enrollment.group,
        "class_role": enrollment.class_role,
        "status": enrollment.status,
        "withdrawn_on": enrollment.withdrawn_on,
        "withdrawal_reason": enrollment.withdrawal_reason,
    }


def _set_person(trainee: Trainee, changes: dict[str, tuple[Any, Any]]) -> None:
    for name, (_old, new) in changes.items():
        if name == "birth":
            trainee.birth_year, trainee.birth_month = new
        else:
            setattr(trainee, name, new)


def _set_enrollment(enrollment: Enrollment, changes: dict[str, tuple[Any, Any]], today: date) -> None:
    for name, (_old, new) in changes.items():
        setattr(enrollment, name, new)
    if enrollment.status == EnrollmentStatus.WITHDRAWN and enrollment.withdrawn_on is None:
        enrollment.withdrawn_on = today
    if enrollment.status == EnrollmentStatus.ACTIVE:
        enrollment.withdrawn_on = None
        enrollment.withdrawal_reason = None


def _jsonable_changes(changes: dict[str, tuple[Any, Any]], index: int) -> dict[str, Any]:
    return {name: display_value(name, pair[index]) for name, pair in changes.items()}


def _new_enrollment(cohort: Cohort, row: RowPlan, today: date) -> Enrollment:
    values = row.values
    status = values.get("status", EnrollmentStatus.ACTIVE)
    enrollment = Enrollment(
        cohort_id=cohort.id,
        trainee_id=row.trainee.id,
        group=values.get("group"),
        class_role=values.get("class_role", ClassRole.MEMBER),
        status=status,
    )
    if status == EnrollmentStatus.WITHDRAWN:
        enrollment.withdrawn_on = values.get("withdrawn_on") or today
        enrollment.withdrawal_reason = values.get("withdrawal_reason")
    return enrollment


def apply_import(cohort: Cohort, plan: ImportPlan, today: date | None = None) -> ImportResult:
    """Write a plan without errors: create, enroll and update; audit; flush. The caller commits.

    Raises ImportConflict when the flush collides with a concurrent change; the
    session must then be rolled back (``writing()`` does).
    """
    if not plan.ok:
        raise ValueError("a plan with errors cannot be applied")
    today = today or date.today()
    result = ImportResult()
    new_trainees: list[Trainee] = []
    for row in plan.rows:
        if row.outcome == NEW:
            trainee = Trainee(name=row.values["name"], phone=row.values.get("phone"))
            _set_person(trainee, rules.personal_changes({}, row.values))
            row.trainee = trainee
            new_trainees.append(trainee)
        elif row.outcome in (ENROLL, UPDATE) and row.person_changes:
            _set_person(row.trainee, row.person_changes)
        if row.outcome == UPDATE and row.enrollment_changes:
            _set_enrollment(row.enrollment, row.enrollment_changes, today)
    for enrollment in plan.demoted:
        result.demoted.append(enrollment.trainee_id)
        enrollment.class_role = ClassRole.MEMBER
        audit.record(
            "enrollment.updated",
            object_type="enrollments",
            object_id=enrollment.id,
            cohort_id=cohort.id,
            before={"class_role": display_value("class_role", ClassRole.MONITOR)},
            after={"class_role": display_value("class_role", ClassRole.MEMBER), "source": "import"},
        )
    try:
        db.session.add_all(new_trainees)
        db.session.flush()  # ids for the enrollments (no backref bookkeeping per row)
        db.session.add_all(
            [_new_enrollment(cohort, row, today) for row in plan.rows if row.outcome in (NEW, ENROLL)]
        )
        db.session.flush()
    except IntegrityError as err:
        raise ImportConflict() from err

    for row in plan.rows:
        if row.outcome == NEW:
            result.created.append(row.trainee.id)
        elif row.outcome == ENROLL:
            result.enrolled.append(row.trainee.id)
        elif row.outcome == UPDATE:
            result.updated.append(row.trainee.id)
        elif row.outcome == SAME:
            result.unchanged += 1
        if row.outcome in (ENROLL, UPDATE) and row.person_changes:
            audit.record(
                "trainee.updated",
                object_type="trainees",
                object_id=row.trainee.id,
                cohort_id=cohort.id,
                before=_jsonable_changes(row.person_changes, 0),
                after={**_jsonable_changes(row.person_changes, 1), "source": "import", "row": row.row_no},
            )
        if row.outcome == UPDATE and row.enrollment_changes:
            audit.record(
                "enrollment.updated",
                object_type="enrollments",
                object_id=row.enrollment.id,
                cohort_id=cohort.id,
                before=_jsonable_changes(row.enrollment_changes, 0),
                after={**_jsonable_changes(row.enrollment_changes, 1), "source": "import", "row": row.row_no},
            )
    audit.record(
        "trainees.imported",
        cohort,
        cohort_id=cohort.id,
        after={
            "file": plan.filename,
            "sha256": plan.sha256,
            "rows": plan.counts["rows"],
            "created": len(result.created),
            "enrolled": len(result.enrolled),
            "updated": len(result.updated),
            "unchanged": result.unchanged,
            "created_ids": result.created,
            "enrolled_ids": result.enrolled,
            "updated_ids": result.updated,
            "demoted_ids": result.demoted,
        },
    )
    try:
        db.session.flush()
    except IntegrityError as err:
        raise ImportConflict() from err
    return result


def commit_import(
    cohort: Cohort,
    data: bytes,
    filename: str,
    *,
    expected_fingerprint: str | None = None,
    today: date | None = None,
    actor: User | None = None,
) -> tuple[ImportPlan, ImportResult | None]:
    """Plan again and apply when nothing is wrong; call it inside ``writing()``.

    Returns (plan, result); result is None when the plan has errors or no longer
    matches the preview (plan.stale), and then nothing has been written. Raises
    ImportConflict when a concurrent change collides with the write.
    """
    lock_cohort(cohort.id)  # PostgreSQL: no other roster change of the cohort between plan and write
    plan = plan_import(cohort, data, filename, today, actor=actor)
    if not plan.ok:
        return plan, None
    if expected_fingerprint is not None and plan.fingerprint != expected_fingerprint:
        plan.stale = True
        return plan, None
    return plan, apply_import(cohort, plan, today)
