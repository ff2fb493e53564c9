"""Cohorts: list, detail, create/edit/archive, and the roster (enrollment) pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cadre.auth.permissions import can_manage_cohort, get_cohort_or_404, staff_required, visible_cohorts
from cadre.cohorts import services
from cadre.cohorts.forms import (
    AddExistingForm,
    ArchiveForm,
    BulkEnrollmentForm,
    CohortForm,
    ConfirmForm,
    EnrollmentForm,
    NewTraineeEnrollForm,
    WithdrawForm,
)
from cadre.cohorts.services import ServiceError, cohort_summaries, roster, timetable
from cadre.extensions import db
from cadre.models import ClassRole, Cohort, EnrollmentStatus
from cadre.rules.cohort_rules import group_sort_key

bp = Blueprint("cohorts", __name__, url_prefix="/cohorts")

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
    summaries = cohort_summaries(stmt)
    return render_template("cohorts/index.html", summaries=summaries, show=show)


@bp.route("/<int:cohort_id>")
def detail(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id)
    manages = can_manage_cohort(current_user, cohort)
    enrollments = roster(cohort)
    return render_template(
        "cohorts/detail.html",
        cohort=cohort,
        manages=manages,
        enrollments=enrollments,
        groups=services.group_summary(enrollments),
        monitor=services.monitor_of(e for e in enrollments if e.status == EnrollmentStatus.ACTIVE),
        sessions=timetable(cohort),
    )


# ---------------------------------------------------------------- create / edit / archive


def _cohort_form(cohort: Cohort | None) -> CohortForm:
    form = CohortForm(obj=cohort)
    form.default_venue_id.choices = [("", _("（不设）"))] + [(v.id, v.name) for v in services.venues()]
    if current_user.is_admin:
        current = cohort.organizers if cohort is not None else []
        form.organizers.choices = [
            (u.id, f"{u.display_name}（{u.username}）") for u in services.organizer_accounts(current)
        ]
        if not form.is_submitted():
            form.organizers.data = [u.id for u in current]
    else:
        del form.organizers
    return form


def _cohort_data(form: CohortForm) -> services.CohortData:
    return services.CohortData(
        name=form.name.data,
        code=form.code.data,
        organizing_unit=form.organizing_unit.data,
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        description=form.description.data,
        default_venue_id=form.default_venue_id.data,
        new_venue=form.new_venue.data,
        minutes_per_credit_hour=form.minutes_per_credit_hour.data,
        min_attendance_percent=form.min_attendance_percent.data,
        require_required_sessions=form.require_required_sessions.data,
        max_unexcused_absences=form.max_unexcused_absences.data,
        organizer_ids=form.organizers.data if "organizers" in form else None,
    )


def _field_error(form, err: ServiceError) -> None:
    if err.field and err.field in form:
        form[err.field].errors = [*form[err.field].errors, err.message]
    else:
        flash(err.message, "danger")


@bp.route("/new", methods=["GET", "POST"])
@staff_required
def new():
    form = _cohort_form(None)
    if form.validate_on_submit():
        try:
            with services.writing(_("班级代码或场地名称刚刚已被使用，请检查后重试。"), "code"):
                cohort = services.create_cohort(_cohort_data(form), current_user)
        except ServiceError as err:
            _field_error(form, err)
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
            with services.writing(_("班级代码或场地名称刚刚已被使用，请检查后重试。"), "code"):
                changed = services.update_cohort(cohort, _cohort_data(form))
        except ServiceError as err:
            _field_error(form, err)
        else:
            flash(_("培训班信息已保存。") if changed else _("没有需要保存的修改。"), "success")
            return redirect(url_for("cohorts.detail", cohort_id=cohort.id))
    return render_template(
        "cohorts/form.html",
        form=form,
        cohort=cohort,
        archive_form=ArchiveForm(),
        has_certificates=services.has_certificates(cohort.id),
    )


def _set_archived(cohort_id: int, archived: bool):
    cohort = get_cohort_or_404(cohort_id, manage=True)
    if not ArchiveForm().validate_on_submit():
        abort(400)
    changed = services.set_archived(cohort, archived)
    db.session.commit()
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


# ---------------------------------------------------------------- roster


def _managed_cohort(cohort_id: int) -> Cohort:
    return get_cohort_or_404(cohort_id, manage=True)


def _roster_url(cohort: Cohort) -> str:
    return url_for("cohorts.enrollments", cohort_id=cohort.id)


def _refuse_if_archived(cohort: Cohort):
    """A redirect with a message when the cohort is archived, else None."""
    if cohort.is_archived:
        flash(_("培训班“%(name)s”已归档，不能再修改学员名单。请先取消归档。", name=cohort.name), "warning")
        return redirect(_roster_url(cohort))
    return None


def _flash_roster_change(result: services.RosterChange) -> None:
    for e in result.demoted:
        flash(_("原班长 %(name)s 已改为学员。", name=e.trainee.name), "info")
    for group, names in sorted(result.crowded_groups.items(), key=lambda kv: group_sort_key(kv[0])):
        flash(
            _(
                "提醒：%(group)s 现在有 %(n)s 位组长（%(names)s）。",
                group=group,
                n=len(names),
                names="、".join(names),
            ),
            "warning",
        )


@bp.route("/<int:cohort_id>/enrollments")
def enrollments(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    rows = roster(cohort)
    groups = services.group_summary(rows)
    group_filter = request.args.get("group")
    shown = rows
    if group_filter == "-":
        shown = [e for e in rows if not e.group]
    elif group_filter:
        shown = [e for e in rows if e.group == group_filter]
    return render_template(
        "cohorts/enrollments.html",
        cohort=cohort,
        enrollments=shown,
        total=len(rows),
        active_count=sum(1 for e in rows if e.status == EnrollmentStatus.ACTIVE),
        groups=groups,
        group_names=[g.name for g in groups if g.name],
        group_filter=group_filter,
        bulk_form=BulkEnrollmentForm(formdata=None),
    )


@bp.route("/<int:cohort_id>/enrollments/bulk", methods=["POST"])
def bulk_update_enrollments(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    if (refusal := _refuse_if_archived(cohort)) is not None:
        return refusal
    form = BulkEnrollmentForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
        return redirect(_roster_url(cohort))
    try:
        with services.writing():
            result = services.update_enrollments(
                cohort,
                form.ids.data,
                group=form.group.data,
                clear_group=form.clear_group.data,
                role=form.class_role.role,
            )
    except ServiceError as err:
        flash(err.message, "danger")
        return redirect(_roster_url(cohort))
    flash(_("已修改 %(n)s 位学员。", n=len(result.changed)), "success")
    _flash_roster_change(result)
    return redirect(_roster_url(cohort))


@bp.route("/<int:cohort_id>/enrollments/add", methods=["GET", "POST"])
def add_trainees(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    if (refusal := _refuse_if_archived(cohort)) is not None:
        return refusal
    form = AddExistingForm()
    if form.validate_on_submit():
        try:
            with services.writing():
                result = services.enroll_trainees(
                    cohort, form.trainee_ids.data, group=form.group.data, role=form.class_role.role
                )
        except ServiceError as err:
            flash(err.message, "danger")
        else:
            if result.added:
                names = "、".join(e.trainee.name for e in result.added)
                flash(_("已加入本班：%(names)s。", names=names), "success")
            if result.already_enrolled:
                names = "、".join(t.name for t in result.already_enrolled)
                flash(_("已在本班，未重复加入：%(names)s。", names=names), "info")
            _flash_roster_change(result)
            return redirect(_roster_url(cohort))
    elif form.is_submitted():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
    query = (request.values.get("q") or "").strip()[:64]
    hits, more = services.search_pool(cohort, query, current_user) if query else ([], False)
    return render_template(
        "cohorts/add_trainees.html",
        cohort=cohort,
        form=form,
        query=query,
        hits=hits,
        more=more,
        group_names=services.existing_groups(cohort.id),
    )


@bp.route("/<int:cohort_id>/enrollments/new", methods=["GET", "POST"])
def new_trainee(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    if (refusal := _refuse_if_archived(cohort)) is not None:
        return refusal
    form = NewTraineeEnrollForm()
    if not form.is_submitted() and request.args.get("name"):
        form.name.data = request.args["name"][:64]
    duplicate = None
    namesakes = []
    if form.validate_on_submit():
        duplicate = services.trainee_with_phone(form.phone_value)
        namesakes = [] if duplicate or form.confirm_new.data else services.trainees_named(form.name.data)
        if duplicate is not None:
            _field_error(form, services.DuplicatePhone(duplicate))
        elif namesakes:
            form.confirm_new.data = "1"
        else:
            try:
                with services.writing():
                    trainee, result = services.enroll_new_trainee(
                        cohort, form, group=form.group.data, role=form.class_role.role
                    )
            except services.DuplicatePhone as err:
                duplicate = err.trainee
                _field_error(form, err)
            except ServiceError as err:
                _field_error(form, err)
            else:
                flash(_("已新建学员 %(name)s 并加入本班。", name=trainee.name), "success")
                _flash_roster_change(result)
                return redirect(_roster_url(cohort))
    return render_template(
        "cohorts/new_trainee.html",
        cohort=cohort,
        form=form,
        duplicate=duplicate,
        duplicate_enrolled=bool(duplicate and any(e.cohort_id == cohort.id for e in duplicate.enrollments)),
        namesakes=namesakes,
        add_form=AddExistingForm(formdata=None),
        group_names=services.existing_groups(cohort.id),
    )


def _enrollment_or_404(cohort: Cohort, enrollment_id: int):
    enrollment = services.enrollment_in(cohort, enrollment_id)
    if enrollment is None:
        abort(404)
    return enrollment


@bp.route("/<int:cohort_id>/enrollments/<int:enrollment_id>", methods=["GET", "POST"])
def enrollment(cohort_id: int, enrollment_id: int):
    cohort = _managed_cohort(cohort_id)
    enrollment = _enrollment_or_404(cohort, enrollment_id)
    form = EnrollmentForm(obj=enrollment)
    if not form.is_submitted():
        form.class_role.data = enrollment.class_role.value
    if form.is_submitted() and (refusal := _refuse_if_archived(cohort)) is not None:
        return refusal
    if form.validate_on_submit():
        try:
            with services.writing():
                result = services.update_enrollments(
                    cohort,
                    [enrollment.id],
                    group=form.group.data,
                    clear_group=not form.group.data,
                    role=form.class_role.role,
                )
        except ServiceError as err:
            _field_error(form, err)
        else:
            name = enrollment.trainee.name
            if result.changed:
                flash(_("已保存 %(name)s 的小组和职务。", name=name), "success")
            else:
                flash(_("没有需要保存的修改。"), "info")
            _flash_roster_change(result)
            return redirect(_roster_url(cohort))
    return _render_enrollment_page(cohort, enrollment, form=form)


def _render_enrollment_page(cohort, enrollment, *, form=None, withdraw_form=None):
    """One person's page in the roster, with whichever form failed showing its errors."""
    if form is None:
        form = EnrollmentForm(formdata=None, obj=enrollment, class_role=enrollment.class_role.value)
    return render_template(
        "cohorts/enrollment.html",
        cohort=cohort,
        e=enrollment,
        form=form,
        withdraw_form=withdraw_form or WithdrawForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None),
        counts=services.records_of(cohort.id, enrollment.trainee_id),
        history=services.describe_history(services.enrollment_history(cohort.id, enrollment.id)),
        group_names=services.existing_groups(cohort.id),
        monitor_role=ClassRole.MONITOR,
    )


@bp.route("/<int:cohort_id>/enrollments/<int:enrollment_id>/withdraw", methods=["POST"])
def withdraw_enrollment(cohort_id: int, enrollment_id: int):
    cohort = _managed_cohort(cohort_id)
    enrollment = _enrollment_or_404(cohort, enrollment_id)
    if (refusal := _refuse_if_archived(cohort)) is not None:
        return refusal
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            with services.writing():
                services.withdraw(cohort, enrollment.id, form.withdrawn_on.data, form.reason.data)
        except ServiceError as err:
            flash(err.message, "warning")
        else:
            flash(_("%(name)s 已标记为退出。", name=enrollment.trainee.name), "success")
            return redirect(_roster_url(cohort))
        return redirect(url_for("cohorts.enrollment", cohort_id=cohort.id, enrollment_id=enrollment.id))
    return _render_enrollment_page(cohort, enrollment, withdraw_form=form)


@bp.route("/<int:cohort_id>/enrollments/<int:enrollment_id>/reactivate", methods=["POST"])
def reactivate_enrollment(cohort_id: int, enrollment_id: int):
    cohort = _managed_cohort(cohort_id)
    enrollment = _enrollment_or_404(cohort, enrollment_id)
    if (refusal := _refuse_if_archived(cohort)) is not None:
        return refusal
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        with services.writing():
            services.reactivate(cohort, enrollment.id)
    except ServiceError as err:
        flash(err.message, "info")
    else:
        flash(_("%(name)s 已恢复为在读。", name=enrollment.trainee.name), "success")
    return redirect(url_for("cohorts.enrollment", cohort_id=cohort.id, enrollment_id=enrollment.id))


@bp.route("/<int:cohort_id>/enrollments/<int:enrollment_id>/remove", methods=["POST"])
def remove_enrollment(cohort_id: int, enrollment_id: int):
    cohort = _managed_cohort(cohort_id)
    enrollment = _enrollment_or_404(cohort, enrollment_id)
    if (refusal := _refuse_if_archived(cohort)) is not None:
        return refusal
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        with services.writing():
            name = services.remove(cohort, enrollment.id)
    except ServiceError as err:
        flash(err.message, "warning")
        return redirect(url_for("cohorts.enrollment", cohort_id=cohort.id, enrollment_id=enrollment.id))
    flash(_("已将 %(name)s 从本班名单中删除（学员档案保留）。", name=name), "success")
    return redirect(_roster_url(cohort))
