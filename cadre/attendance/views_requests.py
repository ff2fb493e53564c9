"""Leave requests and corrections: the trainee's side and the organizer's decisions."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cadre.attendance import corrections, leave
from cadre.attendance.common import Forbidden, active_enrollment, get_session
from cadre.attendance.forms import CorrectionForm, DecisionForm, LeaveForm, PlainForm
from cadre.attendance.views import MAX_ID, bp, refuse
from cadre.auth.permissions import can_manage_cohort, get_cohort_or_404, roles_required, staff_required
from cadre.enums import Role
from cadre.models.types import utcnow
from cadre.services import NotFound, ServiceError, writing

trainee_required = roles_required(Role.TRAINEE)


def _field_error(form, err: ServiceError) -> None:
    if err.field and err.field in form:
        form[err.field].errors = [*form[err.field].errors, err.message]
    else:
        flash(err.message, "danger")


@bp.route("/leave/new", methods=["GET", "POST"])
@trainee_required
def leave_new():
    now = utcnow()
    sessions = leave.coming_sessions(current_user.trainee_id, now)
    form = LeaveForm()
    form.sessions.choices = [(s.id, s.title) for s in sessions]
    if not form.is_submitted():
        wanted = request.args.get("session_id", "")
        if wanted.isascii() and wanted.isdigit():
            form.sessions.data = [int(wanted)]
    if form.validate_on_submit():
        ids = [i for i in form.sessions.data if 0 < i <= MAX_ID]
        try:
            with writing():
                created = leave.request_leave(current_user.trainee_id, ids, form.reason.data, now)
        except ServiceError as err:
            _field_error(form, err)
        else:
            flash(_("已提交 %(n)s 次课程的请假申请，请等待班主任审批。", n=len(created)), "success")
            return redirect(url_for("attendance.my_requests"))
    return render_template("attendance/leave_new.html", form=form, sessions=sessions)


@bp.route("/my/requests")
@trainee_required
def my_requests():
    trainee_id = current_user.trainee_id
    return render_template(
        "attendance/my_requests.html",
        leaves=leave.my_leave_requests(trainee_id),
        corrections=corrections.my_corrections(trainee_id),
        recent=corrections.recent_sessions(trainee_id, utcnow()),
        form=PlainForm(),
    )


@bp.route("/leave/<int:leave_id>/withdraw", methods=["POST"])
@trainee_required
def leave_withdraw(leave_id: int):
    if PlainForm().validate_on_submit():
        try:
            with writing():
                leave.withdraw_leave(leave_id, current_user.trainee_id)
        except ServiceError as err:
            if isinstance(err, NotFound):
                refuse(err)
            flash(err.message, "danger")
        else:
            flash(_("请假申请已撤回。"), "success")
    return redirect(url_for("attendance.my_requests"))


@bp.route("/sessions/<int:session_id>/correction", methods=["GET", "POST"])
@trainee_required
def correction_new(session_id: int):
    try:
        session = get_session(session_id)
        active_enrollment(current_user.trainee_id, session.cohort_id)
    except NotFound as err:
        refuse(err)
    except ServiceError as err:
        refuse(Forbidden(err.message))
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            with writing():
                corrections.request_correction(
                    current_user.trainee_id, session_id, form.reason.data, utcnow()
                )
        except ServiceError as err:
            _field_error(form, err)
        else:
            flash(_("补签申请已提交，请等待班主任处理。"), "success")
            return redirect(url_for("attendance.my_requests"))
    return render_template("attendance/correction_new.html", form=form, session=session)


@bp.route("/cohorts/<int:cohort_id>/requests")
@staff_required
def requests(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, manage=True)
    show_all = request.args.get("show") == "all"
    return render_template(
        "attendance/requests.html",
        cohort=cohort,
        leaves=leave.requests_of_cohort(cohort.id, pending_only=not show_all),
        corrections=corrections.requests_of_cohort(cohort.id, pending_only=not show_all),
        show_all=show_all,
        form=DecisionForm(),
    )


def _decide(kind: str, request_id: int):
    module = leave if kind == "leave" else corrections
    try:
        req = module.get_request(request_id)
    except ServiceError as err:
        refuse(err)
    cohort = req.session.cohort
    if not can_manage_cohort(current_user, cohort):
        abort(403)
    form = DecisionForm()
    decision = request.form.get("decision")
    if decision not in ("approve", "reject"):
        refuse(ServiceError(_("请选择批准或不批准。")))
    if form.validate_on_submit():
        decide = leave.decide_leave if kind == "leave" else corrections.decide_correction
        try:
            with writing():
                decide(request_id, current_user, decision == "approve", form.note.data or "", utcnow())
        except ServiceError as err:
            flash(err.message, "danger")
        else:
            flash(_("已批准。") if decision == "approve" else _("已处理：不批准。"), "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
    return redirect(url_for("attendance.requests", cohort_id=cohort.id))


@bp.route("/leave/<int:leave_id>/decide", methods=["POST"])
@staff_required
def leave_decide(leave_id: int):
    return _decide("leave", leave_id)


@bp.route("/corrections/<int:correction_id>/decide", methods=["POST"])
@staff_required
def correction_decide(correction_id: int):
    return _decide("correction", correction_id)
