"""Cohorts: list, detail, create/edit/archive. The roster pages are in roster_views."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cadre.auth.permissions import can_manage_cohort, get_cohort_or_404, staff_required, visible_cohorts
from cadre.cohorts import edits, roster_views, summaries  # noqa: F401 - roster_views adds its routes to bp
from cadre.cohorts.blueprint import bp, field_error
from cadre.cohorts.forms import ArchiveForm, CohortForm
from cadre.models import Cohort, EnrollmentStatus
from cadre.services import NotFound, ServiceError, writing

__all__ = ["bp"]

_SHOW = ("active", "archived", "all")


@bp.route("/")
def index():
    show = request.args.get("show", "active")
    if show not in _SHOW:
        show = "active"
    stmt = visible_cohorts(current_user)
    if show == "active":
        stmt = stmt.where(Cohort.archived_at.is_(None))
    elif show == "archived":
        stmt = stmt.where(Cohort.archived_at.is_not(None))
    return render_template("cohorts/index.html", summaries=summaries.cohort_summaries(stmt), show=show)


@bp.route("/<int:cohort_id>")
def detail(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id)
    manages = can_manage_cohort(current_user, cohort)
    enrollments = summaries.roster(cohort)
    return render_template(
        "cohorts/detail.html",
        cohort=cohort,
        manages=manages,
        enrollments=enrollments,
        groups=summaries.group_summary(enrollments),
        monitor=summaries.monitor_of(e for e in enrollments if e.status == EnrollmentStatus.ACTIVE),
        sessions=summaries.timetable(cohort),
    )


# ---------------------------------------------------------------- create / edit / archive


def _cohort_form(cohort: Cohort | None) -> CohortForm:
    form = CohortForm(obj=cohort)
    form.default_venue_id.choices = [("", _("（不设）"))] + [(v.id, v.name) for v in summaries.venues()]
    if current_user.is_admin:
        current = cohort.organizers if cohort is not None else []
        form.organizers.choices = [
            (u.id, f"{u.display_name}（{u.username}）") for u in summaries.organizer_accounts(current)
        ]
        if not form.is_submitted():
            form.organizers.data = [u.id for u in current]
    else:
        del form.organizers
    return form


def _cohort_data(form: CohortForm) -> edits.CohortData:
    return edits.CohortData(
        name=form.name.data,
        code=form.code.data,
        organizing_unit=form.organizing_unit.data,
        contact_name=form.contact_name.data,
        contact_phone=form.contact_phone.data,
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        description=form.description.data,
        default_venue_id=form.default_venue_id.data,
        new_venue=form.new_venue.data,
        minutes_per_credit_hour=form.minutes_per_credit_hour.data,
        min_attendance_percent=form.min_attendance_percent.data,
        require_required_sessions=form.require_required_sessions.data,
        max_unexcused_absences=form.max_unexcused_absences.data,
        max_leave_fraction=form.max_leave_fraction.data,
        organizer_ids=form.organizers.data if "organizers" in form else None,
    )


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    form = _cohort_form(None)
    if form.validate_on_submit():
        try:
            with writing(_("班级代码或场地名称刚刚已被使用，请检查后重试。"), "code"):
                cohort = edits.create_cohort(_cohort_data(form), current_user)
        except ServiceError as err:
            field_error(form, err)
        else:
            flash(_("培训班“%(name)s”已创建。", name=cohort.name), "success")
            return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    return render_template("cohorts/form.html", form=form, cohort=None)


@bp.route("/<int:cohort_id>/edit", methods=["GET", "POST"])
def edit(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, manage=True)
    form = _cohort_form(cohort)
    if form.validate_on_submit():
        try:
            with writing(_("班级代码或场地名称刚刚已被使用，请检查后重试。"), "code"):
                changed = edits.update_cohort(cohort, _cohort_data(form))
        except NotFound:
            abort(404)
        except ServiceError as err:
            field_error(form, err)
        else:
            flash(_("培训班信息已保存。") if changed else _("没有需要保存的修改。"), "success")
            return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    return render_template(
        "cohorts/form.html",
        form=form,
        cohort=cohort,
        archive_form=ArchiveForm(),
        has_certificates=edits.has_certificates(cohort.id),
    )


def _set_archived(cohort_id: int, archived: bool):
    cohort = get_cohort_or_404(cohort_id, manage=True)
    form = ArchiveForm()
    if not form.validate_on_submit():
        abort(400)
    if archived and form.confirmed.data != "1" and not cohort.is_archived:
        # The second step: say what archiving does before doing it.
        return render_template(
            "cohorts/confirm.html",
            cohort=cohort,
            form=ArchiveForm(formdata=None, confirmed="1"),
            action=url_for("cohorts.archive", cohort_id=cohort.id),
            title=_("归档“%(name)s”？", name=cohort.name),
            consequences=[
                _("首页和“当前”列表中不再显示本班，在“培训班 → 已归档”中仍可查看。"),
                _("学员名单、课程安排变为只读，不能再导入学员。"),
                _("随时可以在“编辑培训班”中取消归档。"),
            ],
            confirm_label=_("确认归档"),
            cancel_url=url_for("cohorts.edit", cohort_id=cohort.id),
        )
    try:
        with writing():
            changed = edits.set_archived(cohort, archived)
    except NotFound:
        abort(404)
    except ServiceError as err:
        flash(err.message, "danger")
        return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    if archived:
        message = (
            _("培训班已归档：首页不再显示，学员名单不能再修改。") if changed else _("培训班已经是归档状态。")
        )
    else:
        message = _("培训班已取消归档。") if changed else _("培训班没有归档。")
    flash(message, "success" if changed else "info")
    return redirect(url_for("cohorts.detail", cohort_id=cohort.id))


@bp.route("/<int:cohort_id>/archive", methods=["POST"])
def archive(cohort_id: int):
    return _set_archived(cohort_id, True)


@bp.route("/<int:cohort_id>/unarchive", methods=["POST"])
def unarchive(cohort_id: int):
    return _set_archived(cohort_id, False)


HISTORY_PER_PAGE = 50


@bp.route("/<int:cohort_id>/history")
@staff_required
def history(cohort_id: int):
    """The cohort's change history (操作记录) for its organizers: who changed what, when, before → after."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from cadre.admin.services import audit_changes
    from cadre.audit_labels import action_label
    from cadre.extensions import db
    from cadre.models import AuditEvent

    cohort = get_cohort_or_404(cohort_id, manage=True)
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.cohort_id == cohort.id)
        .options(selectinload(AuditEvent.actor))
        .order_by(AuditEvent.id.desc())
    )
    page = min(max(request.args.get("page", 1, type=int), 1), 100_000)
    pagination = db.paginate(stmt, page=page, per_page=HISTORY_PER_PAGE, error_out=False)
    return render_template(
        "cohorts/history.html",
        cohort=cohort,
        events=[(e, audit_changes(e)) for e in pagination.items],
        pagination=pagination,
        action_label=action_label,
    )
