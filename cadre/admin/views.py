"""Account management for admins."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from cadre.admin import services
from cadre.admin.forms import STAFF_ROLES, ResetPasswordForm, UserForm
from cadre.admin.services import AccountData
from cadre.auth.passwords import hash_password, random_password
from cadre.auth.permissions import admin_required
from cadre.extensions import db
from cadre.models import Cohort, Role, User
from cadre.services import NotFound, ServiceError, writing

bp = Blueprint("admin", __name__, url_prefix="/admin")


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


def _account_data(form: UserForm) -> AccountData:
    role = Role(form.role.data)
    return AccountData(
        username=form.username.data.strip(),
        display_name=form.display_name.data.strip(),
        role=role,
        is_active=bool(form.is_active_account.data),
        cohort_ids=tuple(form.cohorts.data or ()),
    )


def _show_refusal(form: UserForm, err: ServiceError) -> None:
    field = getattr(form, err.field, None) if err.field else None
    if field is None:
        flash(err.message, "danger")
    else:
        field.errors.append(err.message)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new_user():
    form = UserForm()
    form.cohorts.choices = _cohort_choices()
    if form.validate_on_submit():
        data = _account_data(form)
        if services.username_taken(data.username):
            form.username.errors.append(services.username_taken_message())  # before hashing
        else:
            password = form.password.data or random_password()
            password_hash = hash_password(password)  # slow: before the write opens
            try:
                # A username taken by a concurrent request is a form error, not a 500.
                with writing(services.username_taken_message(), "username"):
                    user = services.create_account(data, password_hash)
            except ServiceError as err:
                _show_refusal(form, err)
            else:
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
        password_hash = hash_password(form.password.data) if form.password.data else None
        try:
            with writing(services.username_taken_message(), "username"):
                services.update_account(
                    user.id, _account_data(form), actor_id=current_user.id, password_hash=password_hash
                )
        except NotFound:
            abort(404)
        except ServiceError as err:
            _show_refusal(form, err)
        else:
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
    password_hash = hash_password(password)  # slow: before the write opens
    try:
        with writing():
            user = services.reset_password(user.id, password_hash)
    except NotFound:
        abort(404)
    return render_template("admin/password_shown.html", user=user, password=password)


# --- audit log and backups -----------------------------------------------------------------------

AUDIT_PER_PAGE = 50


@bp.route("/audit")
@admin_required
def audit_log():
    """What the system recorded: who did what, when, before → after; filter by person, action, cohort, day."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from flask import current_app, request

    from cadre.audit_labels import action_choices, action_label
    from cadre.models import AuditEvent

    args = request.args
    stmt = select(AuditEvent).options(selectinload(AuditEvent.actor)).order_by(AuditEvent.id.desc())
    actor = (args.get("actor") or "").strip()[:64]
    action = (args.get("action") or "").strip()[:64]
    cohort_id = args.get("cohort", type=int)
    day_text = (args.get("day") or "").strip()[:10]
    day = None
    if actor:
        ids = select(User.id).where(
            (User.username.contains(actor, autoescape=True))
            | (User.display_name.contains(actor, autoescape=True))
        )
        stmt = stmt.where(AuditEvent.actor_id.in_(ids))
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    if cohort_id is not None and 0 < cohort_id < 2**31:
        stmt = stmt.where(AuditEvent.cohort_id == cohort_id)
    if day_text:
        try:
            day = datetime.strptime(day_text, "%Y-%m-%d").date()
        except ValueError:
            flash(_("日期格式应为 2025-05-09。"), "warning")
        else:
            zone = ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])
            start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
            stmt = stmt.where(AuditEvent.at >= start, AuditEvent.at < start + timedelta(days=1))
    page = min(max(args.get("page", 1, type=int), 1), 100_000)
    pagination = db.paginate(stmt, page=page, per_page=AUDIT_PER_PAGE, error_out=False)
    actions = db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    cohorts = db.session.scalars(select(Cohort).order_by(Cohort.start_date.desc(), Cohort.id.desc())).all()
    return render_template(
        "admin/audit.html",
        events=[(e, services.audit_changes(e)) for e in pagination.items],
        pagination=pagination,
        actions=action_choices(actions),
        action_label=action_label,
        cohorts={c.id: c for c in cohorts},
        filters={
            "actor": actor,
            "action": action,
            "cohort": cohort_id,
            "day": day.isoformat() if day else "",
        },
        query={k: v for k, v in args.items() if k != "page" and v},
    )


@bp.route("/backups")
@admin_required
def backups():
    """Recent backups, as the audit log recorded them, and how to make one."""
    from cadre.models import AuditEvent

    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "database.backup")
        .order_by(AuditEvent.id.desc())
        .limit(20)
    ).all()
    return render_template("admin/backups.html", events=events)
