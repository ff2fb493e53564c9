"""Who may see and change what. Views call these and abort 403/404."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, select

from cadre.extensions import db
from cadre.models import Cohort, Enrollment, Role, User, cohort_organizers


def can_manage_cohort(user: User, cohort: Cohort) -> bool:
    """Admins manage every cohort; organizers only those they are assigned to."""
    if not user.is_authenticated:
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.ORGANIZER:
        return (
            db.session.scalar(
                select(cohort_organizers.c.user_id).where(
                    cohort_organizers.c.cohort_id == cohort.id,
                    cohort_organizers.c.user_id == user.id,
                )
            )
            is not None
        )
    return False


def is_enrolled(user: User, cohort: Cohort) -> bool:
    if not user.is_authenticated or user.trainee_id is None:
        return False
    return (
        db.session.scalar(
            select(Enrollment.id).where(
                Enrollment.cohort_id == cohort.id, Enrollment.trainee_id == user.trainee_id
            )
        )
        is not None
    )


def visible_cohorts(user: User) -> Select:
    """A statement for the cohorts a user may see, newest first."""
    stmt = select(Cohort).order_by(Cohort.start_date.desc().nulls_last(), Cohort.id.desc())
    if user.role == Role.ADMIN:
        return stmt
    if user.role == Role.ORGANIZER:
        return stmt.join(cohort_organizers).where(cohort_organizers.c.user_id == user.id)
    return stmt.join(Enrollment).where(Enrollment.trainee_id == user.trainee_id)


def get_cohort_or_404(cohort_id: int, *, manage: bool = False) -> Cohort:
    """The cohort if the current user may see it (or manage it); else 404/403."""
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        abort(404)
    if can_manage_cohort(current_user, cohort):
        return cohort
    if not manage and is_enrolled(current_user, cohort):
        return cohort
    abort(403)


def roles_required(*roles: Role):
    """Restrict a view to some roles; others get 403 (anonymous users go to login)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from cadre.extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = roles_required(Role.ADMIN, Role.ORGANIZER)
admin_required = roles_required(Role.ADMIN)
