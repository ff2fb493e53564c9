"""Roll call, site-visit head count, the paper sign-in sheet and its fast entry screen."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cadre.attendance import rollcall
from cadre.attendance.common import Forbidden, get_session
from cadre.attendance.forms import PlainForm, RollCallForm, parse_wall_time
from cadre.attendance.views import bp, posted_ids, refuse
from cadre.enums import AttendanceStatus, SessionKind, SignInMethod
from cadre.models import HeadCountPhase
from cadre.models.types import utcnow
from cadre.services import ServiceError, writing

VISIT_KINDS = (SessionKind.SITE_VISIT, SessionKind.ONSITE)


def _scope(session_id: int) -> rollcall.RollCallScope:
    try:
        return rollcall.scope_for(get_session(session_id), current_user)
    except ServiceError as err:
        refuse(err)


def _tally(rows: list[rollcall.Row]) -> dict[str, int]:
    marked = [r for r in rows if r.record is not None]
    attended = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY)
    return {
        "expected": len(rows),
        "attended": sum(1 for r in marked if r.record.status in attended),
        "excused": sum(
            1
            for r in rows
            if (r.record and r.record.status == AttendanceStatus.EXCUSED)
            or (not r.record and r.leave == "approved")
        ),
        "unmarked": sum(1 for r in rows if r.record is None and r.leave != "approved"),
    }


def _save(write, done, target: str):
    """Run `write` (it returns how many trainees changed) in a write transaction.

    On success flash `done(changed)` and answer a redirect to `target`; a refusal is
    flashed (a Forbidden one answers 403) and None is returned, so the page is shown again.
    """
    try:
        with writing():
            changed = write()
    except Forbidden as err:
        refuse(err)
    except ServiceError as err:
        flash(err.message, "danger")
        return None
    flash(done(changed), "success")
    return redirect(target)


@bp.route("/sessions/<int:session_id>/rollcall", methods=["GET", "POST"], endpoint="rollcall")
def rollcall_page(session_id: int):
    scope = _scope(session_id)
    form = RollCallForm()
    if form.validate_on_submit():
        entries = [
            rollcall.Entry(trainee_id, value)
            for trainee_id, value in posted_ids(request.form, "status-").items()
        ]
        saved = _save(
            lambda: rollcall.apply_entries(
                session_id,
                current_user,
                entries,
                reason=form.reason.data or "",
                now=utcnow(),
                rest_absent=request.form.get("action") == "rest_absent",
            ),
            lambda n: _("已保存，%(n)s 人的考勤有变化。", n=n),
            url_for("attendance.rollcall", session_id=session_id),
        )
        if saved:
            return saved
    rows = rollcall.rows_for(scope)
    return render_template(
        "attendance/rollcall.html",
        scope=scope,
        session=scope.session,
        rows=rows,
        tally=_tally(rows),
        form=form,
        statuses=list(AttendanceStatus),
        is_visit=scope.session.kind in VISIT_KINDS,
    )


@bp.route("/sessions/<int:session_id>/headcount/<phase>", methods=["GET", "POST"])
def headcount(session_id: int, phase: str):
    if phase not in tuple(HeadCountPhase):
        refuse(ServiceError(_("未知的清点环节。")))
    scope = _scope(session_id)
    form = PlainForm()
    if form.validate_on_submit():
        marks = {}
        for trainee_id, value in posted_ids(request.form, "here-").items():
            if value not in ("1", "0"):
                refuse(ServiceError(_("请求有误，请刷新页面后重试。")))
            marks[trainee_id] = value == "1"
        saved = _save(
            lambda: rollcall.apply_head_count(session_id, current_user, phase, marks, now=utcnow()),
            lambda n: _("已保存，%(n)s 人的清点结果有变化。", n=n),
            url_for("attendance.headcount", session_id=session_id, phase=phase),
        )
        if saved:
            return saved
    rows = rollcall.rows_for(scope, with_head_counts=True)
    phase = HeadCountPhase(phase)
    return render_template(
        "attendance/headcount.html",
        scope=scope,
        session=scope.session,
        rows=rows,
        phase=phase,
        summary=rollcall.head_count_summary(rows, phase),
        form=form,
    )


@bp.route("/sessions/<int:session_id>/paper", methods=["GET", "POST"])
def paper_entry(session_id: int):
    scope = _scope(session_id)
    if not scope.whole_class:
        refuse(Forbidden(_("纸质签到表由班主任或班长录入。")))
    form = RollCallForm()
    errors: dict[int, str] = {}
    if form.validate_on_submit():
        statuses = posted_ids(request.form, "status-")
        times = posted_ids(request.form, "time-")
        entries = []
        for trainee_id in sorted(set(statuses) | set(times)):
            text = times.get(trainee_id, "")
            at = parse_wall_time(text) if text else None
            if text and at is None:
                errors[trainee_id] = _("时间“%(text)s”看不懂，请写成 08:55 或 0855。", text=text[:10])
            entries.append(rollcall.Entry(trainee_id, statuses.get(trainee_id, ""), at))
        if errors:
            flash(_("有 %(n)s 行时间格式不对，未保存任何修改。", n=len(errors)), "danger")
        else:
            saved = _save(
                lambda: rollcall.apply_entries(
                    session_id,
                    current_user,
                    entries,
                    reason=form.reason.data or "",
                    now=utcnow(),
                    method=SignInMethod.PAPER,
                ),
                lambda n: _("签到表已录入，%(n)s 人的考勤有变化。", n=n),
                url_for("attendance.paper_entry", session_id=session_id),
            )
            if saved:
                return saved
    return render_template(
        "attendance/paper.html",
        scope=scope,
        session=scope.session,
        rows=rollcall.rows_for(scope),
        form=form,
        errors=errors,
        statuses=list(AttendanceStatus),
    )


@bp.route("/sessions/<int:session_id>/sheet.pdf")
def sheet_pdf(session_id: int):
    from cadre.pdf import render_pdf

    scope = _scope(session_id)
    groups: dict[str | None, list] = {}
    for enrollment in scope.enrollments:
        groups.setdefault(enrollment.group, []).append(enrollment)
    pdf = render_pdf("pdf/signin_sheet.html", session=scope.session, groups=groups)
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="signin-sheet-{session_id}.pdf"'
    return response
