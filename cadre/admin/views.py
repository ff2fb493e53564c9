"""Account management for admins."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from cadre import audit
from cadre.admin.forms import STAFF_ROLES, ResetPasswordForm, UserForm
from cadre.auth.passwords import random_password
from cadre.auth.permissions import admin_required
from cadre.extensions import db
from cadre.models import Cohort, Role, User

bp = Blueprint("admin", __name__, url_prefix="/admin")

_AUDITED = ("username", "display_name", "role", "is_active_account")


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _cohort_choices() -> list[tuple[int, str]]:
    rows = db.session.scalars(select(Cohort).order_by(Cohort.start_date.desc().nulls_last())).all()
    return [(c.id, f"{c.name}（{c.code}）") for c in rows]


@bp.route("/users")
@admin_required
def users():
    rows = db.session.scalars(
        select(User)
        .where(User.role != Role.TRAINEE)
        .order_by(User.role, User.username)
        .options(selectinload(User.managed_cohorts))
    ).all()
    trainee_accounts = db.session.scalar(
        select(func.count()).select_from(User).where(User.role == Role.TRAINEE)
    )
    return render_template(
        "admin/users.html", users=rows, trainee_accounts=trainee_accounts, reset_form=ResetPasswordForm()
    )


def _username_taken(username: str, exclude_id: int | None = None) -> bool:
    stmt = select(User.id).where(func.lower(User.username) == username.lower())
    if exclude_id is not None:
        stmt = stmt.where(User.id != exclude_id)
    return db.session.scalar(stmt) is not None


def _commit_or_username_taken(form: UserForm, record_audit) -> bool:
    """Audit and commit; when another request took the username meanwhile, say so on the form."""
    try:
        record_audit()  # flushes: a clash surfaces here or at commit
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        form.username.errors.append(_("该用户名已被使用。"))
        return False
    return True


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new_user():
    form = UserForm()
    form.cohorts.choices = _cohort_choices()
    if form.validate_on_submit():
        if _username_taken(form.username.data):
            form.username.errors.append(_("该用户名已被使用。"))
        else:
            password = form.password.data or random_password()
            user = User(
                username=form.username.data.strip(),
                display_name=form.display_name.data.strip(),
                role=Role(form.role.data),
                is_active_account=form.is_active_account.data,
                must_change_password=True,
            )
            user.set_password(password)
            user.managed_cohorts = (
                [db.session.get(Cohort, cid) for cid in form.cohorts.data or []]
                if user.role == Role.ORGANIZER
                else []
            )
            db.session.add(user)
            if _commit_or_username_taken(
                form, lambda: audit.record("user.created", user, after=audit.snapshot(user, _AUDITED))
            ):
                return render_template("admin/password_shown.html", user=user, password=password)
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int):
    user = _user_or_404(user_id)
    form = UserForm(obj=user, roles=(Role.TRAINEE,) if user.role == Role.TRAINEE else STAFF_ROLES)
    form.cohorts.choices = _cohort_choices()
    form.password.label.text = _("新密码")
    form.password.description = _("留空则不修改；填写后用户下次登录时须修改。")
    if not form.is_submitted():
        form.role.data = user.role.value
        form.cohorts.data = [c.id for c in user.managed_cohorts]
    if form.validate_on_submit():
        if _username_taken(form.username.data, exclude_id=user.id):
            form.username.errors.append(_("该用户名已被使用。"))
        elif user.id == _current_user_id() and Role(form.role.data) != Role.ADMIN:
            form.role.errors.append(_("不能取消自己的管理员权限。"))
        elif user.id == _current_user_id() and not form.is_active_account.data:
            form.is_active_account.errors.append(_("不能停用自己的账号。"))
        else:
            before = audit.snapshot(user, _AUDITED)
            before["cohorts"] = sorted(c.id for c in user.managed_cohorts)
            user.username = form.username.data.strip()
            user.display_name = form.display_name.data.strip()
            user.role = Role(form.role.data)
            user.is_active_account = form.is_active_account.data
            user.managed_cohorts = (
                [db.session.get(Cohort, cid) for cid in form.cohorts.data or []]
                if user.role == Role.ORGANIZER
                else []
            )
            if form.password.data:
                user.set_password(form.password.data)
                user.must_change_password = True
            after = audit.snapshot(user, _AUDITED)
            after["cohorts"] = sorted(c.id for c in user.managed_cohorts)
            if _commit_or_username_taken(
                form, lambda: audit.record("user.updated", user, before=before, after=after)
            ):
                flash(_("账号已保存。"), "success")
                return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user)


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@admin_required
def reset_password(user_id: int):
    user = _user_or_404(user_id)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        abort(400)
    password = random_password()
    user.set_password(password)
    user.must_change_password = True
    audit.record("user.password_reset", user)
    db.session.commit()
    return render_template("admin/password_shown.html", user=user, password=password)


def _current_user_id() -> int:
    from flask_login import current_user

    return current_user.id
