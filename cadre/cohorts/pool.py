"""The pool of trainees (people kept across cohorts): finding someone, and who may enroll whom.

The policy for shared people (issue 7.2): an organizer acts on a person only through their
own cohorts. Anyone already in one of the organizer's cohorts may be picked from the pool;
anyone else (in another organizer's cohort, or in none) is enrolled only by someone who knows
the person's full mobile number, since the pool shows numbers masked and a name search must
gain nobody. Admins may enroll anyone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from cadre.extensions import db
from cadre.models import Cohort, Enrollment, Role, Trainee, User, cohort_organizers
from cadre.rules.names import name_sort_key
from cadre.rules.trainee_fields import FieldError, normalize_phone

SEARCH_LIMIT = 30


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


def full_phone(text: str | None) -> str | None:
    """The mobile number a person typed, normalised; None unless it is a whole valid number."""
    if not text:
        return None
    try:
        return normalize_phone(text)
    except FieldError:
        return None


def managed_cohort_ids(user: User) -> set[int]:
    """Ids of the cohorts an organizer manages (one query)."""
    return set(
        db.session.scalars(
            select(cohort_organizers.c.cohort_id).where(cohort_organizers.c.user_id == user.id)
        ).all()
    )


def pickable_ids(user: User, trainees: Iterable[Trainee], cohort_ids: set[int] | None = None) -> set[int]:
    """Ids of these trainees the user may enroll by picking them, without giving their number.

    Admins: everyone. Organizers: people already in one of their own cohorts (their
    enrollments must be loaded). `cohort_ids`: the organizer's cohorts, when already known.
    """
    trainees = list(trainees)
    if user.role == Role.ADMIN:
        return {t.id for t in trainees}
    if user.role != Role.ORGANIZER:
        return set()
    mine = managed_cohort_ids(user) if cohort_ids is None else cohort_ids
    return {t.id for t in trainees if any(e.cohort_id in mine for e in t.enrollments)}


def phone_confirms(trainee: Trainee, phone: str | None) -> bool:
    """True when `phone` is the trainee's full mobile number."""
    typed = full_phone(phone)
    return bool(typed and trainee.phone and typed == trainee.phone)


@dataclass(frozen=True)
class PoolHit:
    trainee: Trainee
    in_cohort: bool
    other_cohorts: list[str]  # the names of the person's other classes (not their codes)
    # False: the person is in no cohort of the user's; enrolled only with their full number.
    pickable: bool = True


def search_pool(
    cohort: Cohort, query: str, user: User, limit: int = SEARCH_LIMIT
) -> tuple[list[PoolHit], bool]:
    """Trainees matching a name or phone digits; (hits, more_than_limit). Bounded: 4 queries.

    Phones of trainees the user does not manage are shown masked (138****5678), so
    for them digits match only as the full number or the visible last four digits:
    any other partial match would confirm hidden digits one guess at a time. A hit
    found by its full number may be enrolled: whoever typed it knows the person.
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
    rows = sorted(rows[:limit], key=lambda t: (name_sort_key(t.name), t.id))  # shown in pinyin order
    pickable = pickable_ids(user, rows)
    typed = full_phone(text)
    hits = []
    for t in rows:
        in_cohort = any(e.cohort_id == cohort.id for e in t.enrollments)
        others = [e.cohort.name for e in t.enrollments if e.cohort_id != cohort.id]
        known = t.id in pickable or (typed is not None and typed == t.phone)
        hits.append(PoolHit(t, in_cohort, others, known))
    return hits, more
