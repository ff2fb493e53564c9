"""课程安排: a cohort's sessions for its organizers; the session form, cancel/restore, shift, 检查冲突."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from cadre.auth.permissions import get_cohort_or_404
from cadre.models import TrainingSession
from cadre.rules import schedule as rules
from cadre.rules import timetable_grid
from cadre.schedule import conflicts as checks
from cadre.schedule import form_data, resources, series, services
from cadre.schedule.conflicts import ClashError
from cadre.schedule.display import clock
from cadre.schedule.forms import CancelForm, GoalForm, RestoreForm, SessionForm, ShiftForm
from cadre.services import NotFound, ServiceError, writing

bp = Blueprint("schedule", __name__)


def _managed_session(session_id: int) -> TrainingSession:
    try:
        s = services.session_for(session_id)
    except NotFound:
        abort(404)
    get_cohort_or_404(s.cohort_id, manage=True)
    return s


def _field_error(form, err: ServiceError) -> None:
    if err.field and err.field in form:
        form[err.field].errors = [*form[err.field].errors, err.message]
    else:
        flash(err.message, "danger")


def _flash_warnings(lines: list[str]) -> None:
    for line in lines:
        flash(line, "warning")


def _index_url(cohort_id: int, session_id: int | None = None) -> str:
    anchor = f"#s{session_id}" if session_id else ""
    return url_for("schedule.index", cohort_id=cohort_id) + anchor


# ---------------------------------------------------------------- the list


@bp.route("/cohorts/<int:cohort_id>/schedule")
def index(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, manage=True)
    sessions = checks.schedule_of(cohort)
    active = [s for s in sessions if not s.is_cancelled]
    balance = [
        (
            g,
            sum(1 for s in active if g in s.goals),
            sum((s.credit_hours for s in active if g in s.goals), start=0),
        )
        for g in cohort.goals
    ]
    return render_template(
        "schedule/index.html",
        cohort=cohort,
        days=timetable_grid.group_by_local_date(sessions),
        count=len(sessions),
        total_hours=sum((s.credit_hours for s in active), start=0),
        balance=balance,
        goal_form=GoalForm(formdata=None),
        clock=clock,
    )


# ---------------------------------------------------------------- the session form


def _render_form(cohort, form, session=None, **extra):
    speakers = {sp.id: sp for sp in resources.speakers_by_id([i for i in form.speaker_ids.data or [] if i])}
    computed = None
    if session is not None:
        computed = rules.credit_hours(session.starts_at, session.ends_at, cohort.minutes_per_credit_hour)
    return render_template(
        "schedule/session_form.html",
        cohort=cohort,
        form=form,
        session=session,
        chosen_speakers=[speakers[i] for i in form.speaker_ids.data or [] if i in speakers],
        computed_hours=computed,
        repeat=request.args.get("repeat") == "1" or bool(form.repeat_until.data),
        **extra,
    )


def _save(cohort, form: SessionForm, session: TrainingSession | None):
    """Validate and save; a response on success, else None with errors on the form."""
    if not (form.validate_on_submit() and form_data.take_typed_speaker(form)):
        return None, {}
    data = form_data.session_data(form)
    try:
        with writing():
            if session is not None:
                changed, warnings = services.update_session(
                    session, data, confirm_clash=form.confirm_clash.data
                )
                saved_id = session.id
                message = _("课程已保存。") if changed else _("没有需要保存的修改。")
            elif form.repeat_until.data:
                created, warnings = series.create_series(
                    cohort, data, form.repeat_until.data, confirm_clash=form.confirm_clash.data
                )
                saved_id = created[0].id
                message = _("已排好每周重复的 %(n)s 次课程。", n=len(created))
            else:
                s, warnings = services.create_session(cohort, data, confirm_clash=form.confirm_clash.data)
                saved_id = s.id
                message = _("课程“%(title)s”已添加。", title=s.title)
    except ClashError as err:
        return None, {"clash_lines": err.lines}
    except ServiceError as err:
        _field_error(form, err)
        return None, {}
    flash(message, "success")
    _flash_warnings(warnings)
    return redirect(_index_url(cohort.id, saved_id)), {}


@bp.route("/cohorts/<int:cohort_id>/schedule/new", methods=["GET", "POST"])
def new_session(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, manage=True)
    if request.method == "GET":
        venue = cohort.default_venue
        initial = {"venue_id": str(venue.id), "venue_name": venue.name} if venue else {}
        return _render_form(cohort, form_data.form_for(cohort, formdata=None, data=initial))
    form = form_data.form_for(cohort)
    if op := request.form.get("op"):
        form, extra = form_data.rebuilt(cohort, form, op)
        return _render_form(cohort, form, **extra)
    response, extra = _save(cohort, form, None)
    return response or _render_form(cohort, form, **extra)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
def edit_session(session_id: int):
    s = _managed_session(session_id)
    cohort = s.cohort
    if request.method == "GET":
        form = form_data.form_for(cohort, formdata=None, data=form_data.initial(s))
        return _render_form(cohort, form, s, current_problems=checks.session_report(s))
    form = form_data.form_for(cohort)
    if op := request.form.get("op"):
        form, extra = form_data.rebuilt(cohort, form, op)
        return _render_form(cohort, form, s, **extra)
    response, extra = _save(cohort, form, s)
    return response or _render_form(cohort, form, s, **extra)


# ---------------------------------------------------------------- cancel / restore


@bp.route("/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
def cancel_session(session_id: int):
    s = _managed_session(session_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            with writing():
                services.cancel_session(s, form.reason.data)
        except ServiceError as err:
            _field_error(form, err)
        else:
            flash(_("课程“%(title)s”已取消，仍会在课表上显示为已取消。", title=s.title), "success")
            return redirect(_index_url(s.cohort_id, s.id))
    return render_template(
        "schedule/cancel.html", session=s, cohort=s.cohort, form=form, restore_form=RestoreForm()
    )


@bp.route("/sessions/<int:session_id>/restore", methods=["POST"])
def restore_session(session_id: int):
    s = _managed_session(session_id)
    form = RestoreForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        with writing():
            warnings = services.restore_session(s, confirm_clash=form.confirm_clash.data)
    except ClashError as err:
        return render_template(
            "schedule/cancel.html",
            session=s,
            cohort=s.cohort,
            form=CancelForm(formdata=None),
            restore_form=form,
            clash_lines=err.lines,
        )
    except ServiceError as err:
        flash(err.message, "warning")
        return redirect(_index_url(s.cohort_id, s.id))
    flash(_("课程“%(title)s”已恢复。", title=s.title), "success")
    _flash_warnings(warnings)
    return redirect(_index_url(s.cohort_id, s.id))


# ---------------------------------------------------------------- shift


@bp.route("/sessions/<int:session_id>/shift", methods=["GET", "POST"])
def shift_session(session_id: int):
    s = _managed_session(session_id)
    form = ShiftForm()
    extra: dict = {}
    if form.validate_on_submit():
        delta = timedelta(
            days=form.days.data or 0, hours=form.hours.data or 0, minutes=form.minutes.data or 0
        )
        try:
            with writing():
                result = series.shift_session(
                    s,
                    delta,
                    with_rest_of_series=form.with_rest_of_series.data,
                    confirm_outside=form.confirm_outside.data,
                    confirm_clash=form.confirm_clash.data,
                )
        except series.LeavingCohort as err:
            extra = {"leaving_lines": err.lines, "leaving_message": err.message}
        except ClashError as err:
            extra = {"clash_lines": err.lines}
        except ServiceError as err:
            _field_error(form, err)
        else:
            flash(_("已调整 %(n)s 次课程的时间。", n=len(result.sessions)), "success")
            _flash_warnings(result.warnings)
            return redirect(_index_url(s.cohort_id, s.id))
    return render_template("schedule/shift.html", session=s, cohort=s.cohort, form=form, **extra)


# ---------------------------------------------------------------- 检查冲突


@bp.route("/cohorts/<int:cohort_id>/schedule/conflicts")
def conflicts(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, manage=True)
    problems, lines, by_id = checks.cohort_report(cohort)
    rows = list(zip(problems, lines, strict=True))
    return render_template("schedule/conflicts.html", cohort=cohort, rows=rows, sessions=by_id, clock=clock)


# ---------------------------------------------------------------- goals


@bp.route("/cohorts/<int:cohort_id>/schedule/goals", methods=["POST"])
def goals(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id, manage=True)
    form = GoalForm()
    op = request.form.get("op", "")
    goal_id = (
        int(form.goal_id.data)
        if (form.goal_id.data or "").isdigit() and len(form.goal_id.data) < 10
        else None
    )
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "danger")
        return redirect(_index_url(cohort.id) + "#goals")
    try:
        with writing(_("本班已有同名的培训目标。")):
            if op == "add":
                goal = resources.add_goal(cohort, form.goal_name.data)
                flash(_("已添加培训目标“%(name)s”。", name=goal.name), "success")
            elif op == "rename":
                if resources.rename_goal(cohort, goal_id, form.goal_name.data):
                    flash(_("培训目标已改名。"), "success")
            elif op == "remove":
                name = resources.remove_goal(cohort, goal_id)
                flash(_("已删除培训目标“%(name)s”。", name=name), "success")
            elif op in ("up", "down"):
                resources.move_goal(cohort, goal_id, -1 if op == "up" else 1)
            else:
                flash(_("请选择要做的操作。"), "warning")
    except ServiceError as err:
        flash(err.message, "danger")
    return redirect(url_for("schedule.index", cohort_id=cohort.id) + "#goals")
