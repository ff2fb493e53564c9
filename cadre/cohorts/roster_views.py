"""A cohort's roster pages: the list, bulk edits, adding trainees, one enrollment's page."""

from __future__ import annotations

from types import SimpleNamespace

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cadre.auth.permissions import get_cohort_or_404
from cadre.cohorts import history, pool, roster, summaries
from cadre.cohorts.blueprint import bp, field_error
from cadre.cohorts.forms import (
    AddExistingForm,
    BulkEnrollmentForm,
    ConfirmForm,
    EnrollmentForm,
    NewTraineeEnrollForm,
    WithdrawForm,
)
from cadre.extensions import limiter
from cadre.models import ClassRole, Cohort, EnrollmentStatus
from cadre.rules.cohort_rules import group_sort_key
from cadre.services import NotFound, ServiceError, writing


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


def _flash_form_errors(form) -> None:
    for errors in form.errors.values():
        for message in errors:
            flash(message, "danger")


def _flash_roster_change(result: roster.RosterChange) -> None:
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
    rows = summaries.roster(cohort)
    groups = summaries.group_summary(rows)
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
        _flash_form_errors(form)
        return redirect(_roster_url(cohort))
    try:
        with writing():
            result = roster.update_enrollments(
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


def _guesser_key() -> str:
    return f"pool-phone-guess:{current_user.get_id()}"


def _missed_a_number(response) -> bool:
    return bool(g.get("pool_phone_miss"))


def _guess_limit() -> str:
    return current_app.config.get("POOL_PHONE_GUESS_LIMIT", "30 per hour")


# A masked number (138****5678) hides four digits: without a bound, 10,000 tries at a full-number
# search or a forged enroll would find the hidden ones. Only misses count, so normal work is never
# slowed; past the limit the page answers 429 for a while.
@bp.route("/<int:cohort_id>/enrollments/add", methods=["GET", "POST"])
@limiter.limit(_guess_limit, key_func=_guesser_key, deduct_when=_missed_a_number)
def add_trainees(cohort_id: int):
    cohort = _managed_cohort(cohort_id)
    if (refusal := _refuse_if_archived(cohort)) is not None:
        return refusal
    form = AddExistingForm()
    if form.validate_on_submit():
        try:
            with writing():
                result = roster.enroll_trainees(
                    cohort,
                    form.trainee_ids.data,
                    actor=current_user,
                    phone=form.phone.data,
                    group=form.group.data,
                    role=form.class_role.role,
                )
        except ServiceError as err:
            g.pool_phone_miss = err.field == "phone"
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
        _flash_form_errors(form)
    query = (request.values.get("q") or "").strip()[:64]
    hits, more = pool.search_pool(cohort, query, current_user) if query else ([], False)
    typed_phone = pool.full_phone(query)
    if typed_phone and not hits:
        g.pool_phone_miss = True
    return render_template(
        "cohorts/add_trainees.html",
        cohort=cohort,
        form=form,
        query=query,
        typed_phone=typed_phone,
        hits=hits,
        more=more,
        group_names=summaries.existing_groups(cohort.id),
    )


def _new_trainee(form: NewTraineeEnrollForm) -> roster.NewTrainee:
    """The form's cleaned values as plain data (the form's own fill() does the cleaning)."""
    values = SimpleNamespace()
    form.fill(values)
    fields = roster.NewTrainee.__dataclass_fields__
    return roster.NewTrainee(**{k: v for k, v in vars(values).items() if k in fields})


@bp.route("/<int:cohort_id>/enrollments/new", methods=["GET", "POST"])
@limiter.limit(_guess_limit, key_func=_guesser_key, deduct_when=_missed_a_number)
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
        duplicate = pool.trainee_with_phone(form.phone_value)
        namesakes = [] if duplicate or form.confirm_new.data else pool.trainees_named(form.name.data)
        if duplicate is not None:
            field_error(form, roster.DuplicatePhone(duplicate))
        elif namesakes:
            form.confirm_new.data = "1"
            # A number that is nobody's, tried under a known person's name: a guess, unless made once.
            g.pool_phone_miss = bool(form.phone_value)
        else:
            try:
                with writing():
                    trainee, result = roster.enroll_new_trainee(
                        cohort, _new_trainee(form), group=form.group.data, role=form.class_role.role
                    )
            except roster.DuplicatePhone as err:
                duplicate = err.trainee
                field_error(form, err)
            except ServiceError as err:
                field_error(form, err)
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
        # Namesakes from other organizers' cohorts are added only with their full number.
        pickable=pool.pickable_ids(current_user, namesakes) if namesakes else set(),
        add_form=AddExistingForm(formdata=None),
        group_names=summaries.existing_groups(cohort.id),
    )


def _enrollment_or_404(cohort: Cohort, enrollment_id: int):
    enrollment = summaries.enrollment_in(cohort, enrollment_id)
    if enrollment is None:
        abort(404)
    return enrollment


def _enrollment_to_change(cohort_id: int, enrollment_id: int):
    """The managed cohort, the enrollment (else 404) and the archived-cohort redirect (else None)."""
    cohort = _managed_cohort(cohort_id)
    enrollment = _enrollment_or_404(cohort, enrollment_id)
    return cohort, enrollment, _refuse_if_archived(cohort)


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
            with writing():
                result = roster.update_enrollments(
                    cohort,
                    [enrollment.id],
                    group=form.group.data,
                    clear_group=not form.group.data,
                    role=form.class_role.role,
                )
        except ServiceError as err:
            field_error(form, err)
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
        counts=summaries.records_of(cohort.id, enrollment.trainee_id),
        history=history.describe_history(history.enrollment_history(cohort.id, enrollment.id)),
        group_names=summaries.existing_groups(cohort.id),
        monitor_role=ClassRole.MONITOR,
    )


def _enrollment_url(cohort: Cohort, enrollment_id: int) -> str:
    return url_for("cohorts.enrollment", cohort_id=cohort.id, enrollment_id=enrollment_id)


@bp.route("/<int:cohort_id>/enrollments/<int:enrollment_id>/withdraw", methods=["POST"])
def withdraw_enrollment(cohort_id: int, enrollment_id: int):
    cohort, enrollment, refusal = _enrollment_to_change(cohort_id, enrollment_id)
    if refusal is not None:
        return refusal
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            with writing():
                roster.withdraw(cohort, enrollment.id, form.withdrawn_on.data, form.reason.data)
        except NotFound:
            abort(404)
        except ServiceError as err:
            flash(err.message, "warning")
        else:
            flash(_("%(name)s 已退训。", name=enrollment.trainee.name), "success")
            return redirect(_roster_url(cohort))
        return redirect(_enrollment_url(cohort, enrollment.id))
    return _render_enrollment_page(cohort, enrollment, withdraw_form=form)


@bp.route("/<int:cohort_id>/enrollments/<int:enrollment_id>/reactivate", methods=["POST"])
def reactivate_enrollment(cohort_id: int, enrollment_id: int):
    cohort, enrollment, refusal = _enrollment_to_change(cohort_id, enrollment_id)
    if refusal is not None:
        return refusal
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        with writing():
            roster.reactivate(cohort, enrollment.id)
    except NotFound:
        abort(404)
    except ServiceError as err:
        flash(err.message, "info")
    else:
        flash(_("%(name)s 已恢复为在训。", name=enrollment.trainee.name), "success")
    return redirect(_enrollment_url(cohort, enrollment.id))


@bp.route("/<int:cohort_id>/enrollments/<int:enrollment_id>/remove", methods=["POST"])
def remove_enrollment(cohort_id: int, enrollment_id: int):
    cohort, enrollment, refusal = _enrollment_to_change(cohort_id, enrollment_id)
    if refusal is not None:
        return refusal
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if form.confirmed.data != "1":
        # The second step: name who goes and what stays before removing anyone.
        return render_template(
            "cohorts/confirm.html",
            cohort=cohort,
            form=ConfirmForm(formdata=None, confirmed="1"),
            action=url_for("cohorts.remove_enrollment", cohort_id=cohort.id, enrollment_id=enrollment.id),
            title=_("从本班名单中删除 %(name)s？", name=enrollment.trainee.name),
            consequences=[
                _(
                    "%(name)s 将不再出现在“%(cohort)s”的学员名单中。",
                    name=enrollment.trainee.name,
                    cohort=cohort.name,
                ),
                _("学员档案和其他培训班的记录保留。"),
                _("如果此人只是不再参加培训，请改用“退训”：名单和档案中会保留记录。"),
            ],
            confirm_label=_("确认删除"),
            danger=True,
            cancel_url=_enrollment_url(cohort, enrollment.id),
        )
    try:
        with writing():
            name = roster.remove(cohort, enrollment.id)
    except NotFound:
        abort(404)
    except ServiceError as err:
        flash(err.message, "warning")
        return redirect(_enrollment_url(cohort, enrollment.id))
    flash(_("已将 %(name)s 从本班名单中删除（学员档案保留）。", name=name), "success")
    return redirect(_roster_url(cohort))
