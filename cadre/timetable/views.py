"""Timetable pages: the organizer's week grid and list, 我的课表, feeds, the PDF, the next 期次."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from cadre.auth.permissions import can_manage_cohort, get_cohort_or_404
from cadre.auth.public import public
from cadre.dates import date_range, day_label
from cadre.enums import SessionKind
from cadre.extensions import db
from cadre.models.types import utcnow
from cadre.rules.schedule import LOCAL_TZ, local_date
from cadre.rules.timetable_grid import group_by_local_date, week_grid
from cadre.schedule_messages import problem_message
from cadre.services import ServiceError, writing
from cadre.timetable import copying, display, feeds, printing, queries
from cadre.timetable.forms import CopyCohortForm, FeedActionForm
from cadre.timetable.urls import public_url, webcal
from cadre.urls import public_url_missing_message

bp = Blueprint("timetable", __name__)


@bp.app_template_filter("kind_label")
def kind_label_filter(value) -> str:
    return display.label(value)


def now() -> datetime:
    """The current moment (a function, so tests can move the clock)."""
    return utcnow()


def _parse_week(text: str | None) -> date | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if 2000 <= day.year <= 2100 else None


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


# --- organizer timetable ---------------------------------------------------------------------


@bp.route("/cohorts/<int:cohort_id>/timetable")
def week(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id)
    manages = can_manage_cohort(current_user, cohort)
    today = now().astimezone(LOCAL_TZ).date()
    first_start, last_start = queries.session_span(cohort.id)
    first_day = cohort.start_date or (local_date(first_start) if first_start else None)
    last_day = cohort.end_date or (local_date(last_start) if last_start else None)
    if first_start is not None:
        first_day = min(first_day, local_date(first_start))
        last_day = max(last_day, local_date(last_start))
    context = {
        "cohort": cohort,
        "manages": manages,
        "today": today,
        "first_monday": _monday(first_day) if first_day else None,
        "last_monday": _monday(last_day) if last_day else None,
        "span": date_range(cohort.start_date, cohort.end_date),
    }
    list_view = request.args.get("view") == "list"
    if list_view:
        sessions = queries.cohort_sessions(cohort.id)
        context["days"] = group_by_local_date(sessions)
    else:
        chosen = _parse_week(request.args.get("week"))
        if chosen is None:
            in_course = first_day is not None and first_day <= today <= (last_day or first_day)
            chosen = today if in_course or first_day is None else first_day
        monday = _monday(chosen)
        sessions = queries.cohort_sessions(cohort.id, monday, monday + timedelta(days=6))
        context["week"] = week_grid(monday, monday + timedelta(days=6), sessions)[0]
        context.update(
            monday=monday,
            sunday=monday + timedelta(days=6),
            prev_monday=monday - timedelta(days=7),
            next_monday=monday + timedelta(days=7),
        )
    context["sessions"] = sessions
    context["list_view"] = list_view
    if manages:
        feed = feeds.live_feed(cohort_id=cohort.id)
        context["feed"] = feed
        context["feed_url"] = public_url("timetable.feed", token=feeds.token_for(feed)) if feed else None
        context["public_url_missing"] = public_url_missing_message()
        context["feed_form"] = FeedActionForm()
        if request.args.get("check"):
            all_sessions = sessions if list_view else queries.cohort_sessions(cohort.id)
            context["problems"] = _problem_lines(copying.check_cohort(cohort, all_sessions), all_sessions)
    context["webcal"] = webcal
    context["kinds"] = list(SessionKind)
    return render_template("timetable/week.html", **context)


def _problem_lines(problems, sessions) -> list[tuple[object, str]]:
    """(problem, sentence) pairs, naming venues, speakers and sessions as loaded."""
    from cadre.models import Speaker, TrainingSession, Venue

    by_id = {s.id: s for s in sessions}
    other_ids = {p.other_id for p in problems if p.other_id and p.other_id not in by_id}
    titles = {s.id: s.title for s in sessions}
    if other_ids:
        rows = db.session.execute(
            db.select(TrainingSession.id, TrainingSession.title).where(TrainingSession.id.in_(other_ids))
        )
        titles.update(dict(rows.all()))
    venue_ids = {p.params.get("venue_id") for p in problems if p.params.get("venue_id")}
    speaker_ids = {p.params.get("speaker_id") for p in problems if p.params.get("speaker_id")}
    venues = (
        dict(db.session.execute(db.select(Venue.id, Venue.name).where(Venue.id.in_(venue_ids))).all())
        if venue_ids
        else {}
    )
    speakers = (
        dict(db.session.execute(db.select(Speaker.id, Speaker.name).where(Speaker.id.in_(speaker_ids))).all())
        if speaker_ids
        else {}
    )
    return [
        (
            by_id.get(p.session_id),
            problem_message(p, venues=venues, speakers=speakers, sessions=titles, format_day=day_label),
        )
        for p in problems
    ]


@bp.route("/cohorts/<int:cohort_id>/timetable.pdf")
def pdf(cohort_id: int):
    cohort = get_cohort_or_404(cohort_id)
    return Response(
        printing.timetable_pdf(cohort),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="timetable-{cohort.code}.pdf"'},
    )


@bp.route("/cohorts/<int:cohort_id>/timetable/feed", methods=["POST"])
def cohort_feed(cohort_id: int):
    """The organizers' subscription of a cohort: create/regenerate or revoke it."""
    cohort = get_cohort_or_404(cohort_id, manage=True)
    form = FeedActionForm()
    back = redirect(url_for("timetable.week", cohort_id=cohort.id))
    if not form.validate_on_submit() or form.action.data not in ("regenerate", "revoke"):
        flash(_("请求有误，请检查后重试。"), "danger")
        return back
    with writing():
        if form.action.data == "regenerate":
            feeds.regenerate(cohort_id=cohort.id)
            flash(_("已生成新的订阅链接，旧链接已失效。"), "success")
        else:
            feed = feeds.live_feed(cohort_id=cohort.id)
            if feed is not None:
                feeds.revoke(feed)
            flash(_("订阅链接已停用。"), "success")
    return back


# --- trainee timetable -----------------------------------------------------------------------


@bp.route("/my/timetable")
def mine():
    trainee_id = current_user.trainee_id
    if trainee_id is None:
        abort(404)
    moment = now()
    today = moment.astimezone(LOCAL_TZ).date()
    sessions = queries.trainee_sessions(trainee_id)
    cohort_count = len({s.cohort_id for s in sessions})
    upcoming = [s for s in sessions if not s.is_cancelled and s.ends_at > moment]
    following = min(upcoming, key=lambda s: (s.starts_at, s.id), default=None)
    today_sessions = [s for s in sessions if local_date(s.starts_at) == today]
    days = group_by_local_date(sessions)
    coming_days = [(d, items) for d, items in days if d >= today]
    past_days = [(d, items) for d, items in days if d < today]
    attendance = queries.trainee_attendance(trainee_id, sessions, moment)
    return render_template(
        "timetable/mine.html",
        moment=moment,
        today=today,
        following=following,
        countdown=display.countdown(moment, _meets_at(following), following.ends_at) if following else None,
        today_sessions=today_sessions,
        coming_days=coming_days,
        past_days=past_days,
        several=cohort_count > 1,
        has_sessions=bool(sessions),
        attendance=attendance,
    )


def _meets_at(session) -> datetime:
    """When a trainee must be there: the departure of a site visit, else the start."""
    if session.departs_at is not None and session.departs_at < session.starts_at:
        return session.departs_at
    return session.starts_at


# --- calendar feeds --------------------------------------------------------------------------


@bp.route("/calendar/<token>.ics")
@public
def feed(token: str):
    found = feeds.feed_for_token(token)
    if found is None:
        # The same few bytes for a token that never existed, was revoked or was forged.
        return Response("Not Found\n", status=404, mimetype="text/plain")
    body = feeds.feed_calendar(found)
    return Response(
        body,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": 'inline; filename="cadre.ics"',
            "Cache-Control": "private, max-age=300",
        },
    )


@bp.route("/my/calendar", methods=["GET", "POST"])
def feed_settings():
    trainee_id = current_user.trainee_id
    if trainee_id is None:
        abort(404)
    form = FeedActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(_("请求有误，请检查后重试。"), "danger")
            return redirect(url_for("timetable.feed_settings"))
        try:
            with writing():
                _feed_action(trainee_id, form.action.data)
        except ServiceError as err:
            flash(err.message, "danger")
        return redirect(url_for("timetable.feed_settings"))

    feed = feeds.live_feed(trainee_id=trainee_id)
    if feed is None and not feeds.had_feed(trainee_id=trainee_id):
        with writing():
            feed = feeds.ensure_trainee_feed(trainee_id)
    url = public_url("timetable.feed", token=feeds.token_for(feed)) if feed else None
    return render_template(
        "timetable/feed_settings.html",
        feed=feed,
        url=url,
        webcal_url=webcal(url) if url else None,
        public_url_missing=public_url_missing_message(),
        form=form,
    )


def _feed_action(trainee_id: int, action: str) -> None:
    if action == "regenerate":
        feeds.regenerate(trainee_id=trainee_id)
        flash(_("已生成新的订阅链接，旧链接已失效。请在日历中重新订阅。"), "success")
        return
    feed = feeds.live_feed(trainee_id=trainee_id)
    if feed is None:
        raise ServiceError(_("您的订阅链接已停用，请先生成新的链接。"))
    if action == "revoke":
        feeds.revoke(feed)
        flash(_("订阅链接已停用，日历将不再更新。"), "success")
    else:
        on = action == "reminders_on"
        feeds.set_reminders(feed, on)
        flash(_("已开启课前提醒。") if on else _("已关闭课前提醒。"), "success")


# --- the next 期次 ---------------------------------------------------------------------------


def _next_year(text: str, step: int = 1) -> str:
    """2025年…班 → 2026年…班: the next 期次 usually differs by its year."""
    import re

    return re.sub(r"(19|20)\d\d", lambda m: str(int(m.group(0)) + step), text, count=1)


@bp.route("/cohorts/<int:cohort_id>/copy", methods=["GET", "POST"])
def copy_cohort(cohort_id: int):
    source = get_cohort_or_404(cohort_id, manage=True)
    form = CopyCohortForm()
    if not form.is_submitted():
        form.name.data = _next_year(source.name)
        form.code.data = _next_year(source.code) if _next_year(source.code) != source.code else ""
        if source.start_date is not None:
            form.start_date.data = source.start_date + timedelta(weeks=52)
    if form.validate_on_submit():
        data = copying.CopyData(name=form.name.data, code=form.code.data, start_date=form.start_date.data)
        try:
            with writing():
                result = copying.copy_cohort(source.id, data, current_user._get_current_object())
                new_id = result.cohort.id
                count, problems = result.session_count, len(result.problems)
        except ServiceError as err:
            target = getattr(form, err.field, None) if err.field else None
            if target is not None:
                target.errors = [*target.errors, err.message]
            else:
                flash(err.message, "danger")
        else:
            flash(_("已复制为新的一期：%(n)s 次课程。", n=count), "success")
            if problems:
                flash(_("检查发现 %(n)s 个问题，请逐一核对。", n=problems), "warning")
            else:
                flash(_("没有发现冲突或节假日。"), "info")
            return redirect(url_for("timetable.week", cohort_id=new_id, view="list", check=1))
    sessions = queries.cohort_sessions(source.id)
    return render_template(
        "timetable/copy.html",
        source=source,
        form=form,
        copied=sum(not s.is_cancelled for s in sessions),
        skipped=sum(s.is_cancelled for s in sessions),
    )
