"""Who manages whom among trainees, and what an organizer may do with a shared person.

Visibility (issue 3) and the shared-person policy (issue 7.2; the rules are in
cadre/rules/privacy.py):
- admins see and edit every trainee, phones in full, every cohort's record;
- an organizer *manages* a trainee enrolled (in any status) in a cohort the
  organizer is assigned to: full phone, detail page, edit (audited, before →
  after, with who made it); of the person's cohorts and training record only
  those the organizer manages are shown ("另有 N 个培训班的记录" for the rest);
- account actions (reset password, unlock, create the login and its slip) need an
  admin or an organizer of the person's first cohort (the login came with it): an
  organizer who enrolls someone else's trainee later cannot take over the login;
- an organizer may also search the whole pool ("全部学员"), to find people
  already known before enrolling them again; there the phones of trainees they
  do not manage are masked (138****5678), the cohorts listed are only the ones
  they manage, a phone search must be the full 11-digit number (a partial search
  would let the masked digits be guessed), and the detail page stays closed (403);
- a trainee sees only their own detail page and record (all of it).
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Select, select

from cadre.extensions import db
from cadre.models import Cohort, Enrollment, Role, Trainee, User, cohort_organizers
from cadre.rules import privacy


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


def managed_cohort_ids(user: User) -> set[int] | None:
    """Ids of the cohorts an organizer manages; None for an admin (every cohort)."""
    if getattr(user, "role", None) == Role.ADMIN:
        return None
    if not getattr(user, "is_authenticated", False) or user.role != Role.ORGANIZER:
        return set()
    return set(
        db.session.scalars(
            select(cohort_organizers.c.cohort_id).where(cohort_organizers.c.user_id == user.id)
        )
    )


def person_cohort_ids(trainee_id: int) -> list[int]:
    """Every cohort the person is enrolled in, whatever the status, in the order they joined."""
    return list(
        db.session.scalars(
            select(Enrollment.cohort_id)
            .where(Enrollment.trainee_id == trainee_id)
            .order_by(Enrollment.enrolled_at, Enrollment.id)
        )
    )


def record_scope(user: User, trainee: Trainee) -> set[int] | None:
    """The cohorts whose record the viewer may see (None: all — an admin, or the person themself)."""
    if getattr(user, "is_authenticated", False) and user.trainee_id == trainee.id:
        return None
    return managed_cohort_ids(user)


def may_manage_account(user: User, trainee: Trainee) -> bool:
    """Reset, unlock, issue the login: admins, and the organizers of the person's first cohort."""
    if not getattr(user, "is_authenticated", False) or user.role not in (Role.ADMIN, Role.ORGANIZER):
        return False
    return privacy.may_manage_account(person_cohort_ids(trainee.id), managed_cohort_ids(user))


def shared_account_message() -> str:
    """Why an organizer may not act on the login of a person shared with another cohort."""
    return _(
        "该学员也在您不负责的培训班学习。重置密码、解锁和开通登录账号请由那个培训班的班主任或系统管理员办理。"
    )
