"""Home page per role, language switch, health check."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import select, text
from sqlalchemy.orm import selectinload

from cadre.auth.public import public
from cadre.auth.redirects import safe_next
from cadre.cohorts.summaries import cohort_summaries
from cadre.extensions import db
from cadre.main.forms import LanguageForm
from cadre.models import Cohort, Enrollment, EnrollmentStatus, Role, SessionSpeaker, TrainingSession
from cadre.models.types import utcnow

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    if current_user.role == Role.TRAINEE:
        return _trainee_home()
    from cadre.auth.permissions import visible_cohorts
    from cadre.main.review_counts import completion_attention, review_counts

    summaries = cohort_summaries(visible_cohorts(current_user).where(Cohort.archived_at.is_(None)))
    to_review = review_counts(current_user)
    return render_template(
        "main/home_staff.html",
        summaries=summaries,
        pending_leave=to_review.leave,
        to_review=to_review,
        completion=completion_attention([s.cohort for s in summaries]),
    )


def _trainee_home():
    trainee_id = current_user.trainee_id
    now = utcnow()
    base = (
        select(TrainingSession)
        .join(Enrollment, Enrollment.cohort_id == TrainingSession.cohort_id)
        .where(Enrollment.trainee_id == trainee_id, Enrollment.status == EnrollmentStatus.ACTIVE)
        .options(
            selectinload(TrainingSession.venue),
            selectinload(TrainingSession.speaker_links).selectinload(SessionSpeaker.speaker),
            selectinload(TrainingSession.stops),
            selectinload(TrainingSession.cohort),
        )
    )
    upcoming = db.session.scalars(
        base.where(TrainingSession.ends_at >= now).order_by(TrainingSession.starts_at).limit(10)
    ).all()
    recent = db.session.scalars(
        base.where(TrainingSession.ends_at < now).order_by(TrainingSession.starts_at.desc()).limit(5)
    ).all()
    enrollments = (
        db.session.scalars(
            select(Enrollment)
            .where(Enrollment.trainee_id == trainee_id)
            .options(selectinload(Enrollment.cohort))
        ).all()
        if trainee_id
        else []
    )
    from cadre.timetable.display import countdown

    following = next((s for s in upcoming if not s.is_cancelled), None)
    next_countdown = countdown(now, following.starts_at, following.ends_at) if following else None
    return render_template(
        "main/home_trainee.html",
        upcoming=upcoming,
        recent=recent,
        enrollments=enrollments,
        next_countdown=next_countdown,
    )


@bp.route("/language", methods=["POST"])
@public
def set_language():
    form = LanguageForm()
    if form.validate_on_submit() and form.lang.data in current_app.config["LANGUAGES"]:
        session["lang"] = form.lang.data
    return redirect(safe_next(request.form.get("next")) or url_for("main.home"))


@bp.route("/healthz")
@public
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
