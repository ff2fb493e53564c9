"""授课人 and 场地: small list/edit screens and the JSON search behind the session form (staff only)."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from cadre.auth.permissions import staff_required
from cadre.extensions import db
from cadre.models import Speaker, Venue
from cadre.schedule import resources
from cadre.schedule.forms import SpeakerForm, VenueForm
from cadre.schedule.views import _field_error, bp
from cadre.services import ServiceError, writing

LIST_LIMIT = 300


def _listing(model, q: str | None):
    if q:
        search = resources.search_speakers if model is Speaker else resources.search_venues
        return search(q, LIST_LIMIT)
    return db.session.scalars(select(model).order_by(model.name, model.id).limit(LIST_LIMIT)).all()


def _resource_form(form, obj, kind: str, duplicate: str, save):
    """The new/edit screen of a speaker or venue: `save()` writes and returns the message to flash."""
    if form.validate_on_submit():
        try:
            with writing(duplicate, "name"):
                message = save()
        except ServiceError as err:
            _field_error(form, err)
        else:
            flash(message, "success")
            return redirect(url_for(f"schedule.{kind}s"))
    return render_template("schedule/resource_form.html", form=form, kind=kind, obj=obj)


# ---------------------------------------------------------------- speakers


@bp.route("/speakers")
@staff_required
def speakers():
    q = resources.clean(request.args.get("q"))
    return render_template(
        "schedule/speakers.html", speakers=_listing(Speaker, q), q=q or "", limit=LIST_LIMIT
    )


def _speaker_data(form: SpeakerForm) -> resources.SpeakerData:
    return resources.SpeakerData(
        name=form.name.data,
        title=form.title.data,
        affiliation=form.affiliation.data,
        phone=form.phone.data,
        bio=form.bio.data,
    )


@bp.route("/speakers/new", methods=["GET", "POST"])
@staff_required
def new_speaker():
    form = SpeakerForm()

    def save() -> str:
        sp = resources.create_speaker(_speaker_data(form))
        return _("授课人“%(name)s”已添加。", name=sp.name)

    return _resource_form(form, None, "speaker", _("已有同名同职称的授课人。"), save)


@bp.route("/speakers/<int:speaker_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_speaker(speaker_id: int):
    sp = db.session.get(Speaker, speaker_id) or abort(404)
    form = SpeakerForm(obj=sp)

    def save() -> str:
        changed = resources.update_speaker(sp.id, _speaker_data(form))
        return _("授课人信息已保存。") if changed else _("没有需要保存的修改。")

    return _resource_form(form, sp, "speaker", _("已有同名同职称的授课人。"), save)


@bp.route("/speakers/search")
@staff_required
def speaker_search():
    found = resources.search_speakers(request.args.get("q"))
    return jsonify(
        [
            {
                "id": sp.id,
                "name": sp.name,
                "label": sp.label,
                "title": sp.title,
                "affiliation": sp.affiliation,
            }
            for sp in found
        ]
    )


# ---------------------------------------------------------------- venues


@bp.route("/venues")
@staff_required
def venues():
    q = resources.clean(request.args.get("q"))
    return render_template("schedule/venues.html", venues=_listing(Venue, q), q=q or "", limit=LIST_LIMIT)


def _venue_data(form: VenueForm) -> resources.VenueData:
    return resources.VenueData(
        name=form.name.data, address=form.address.data, capacity=form.capacity.data, notes=form.notes.data
    )


@bp.route("/venues/new", methods=["GET", "POST"])
@staff_required
def new_venue():
    form = VenueForm()

    def save() -> str:
        v = resources.create_venue(_venue_data(form))
        return _("场地“%(name)s”已添加。", name=v.name)

    return _resource_form(form, None, "venue", _("已有同名的场地。"), save)


@bp.route("/venues/<int:venue_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_venue(venue_id: int):
    v = db.session.get(Venue, venue_id) or abort(404)
    form = VenueForm(obj=v)

    def save() -> str:
        changed = resources.update_venue(v.id, _venue_data(form))
        return _("场地信息已保存。") if changed else _("没有需要保存的修改。")

    return _resource_form(form, v, "venue", _("已有同名的场地。"), save)


@bp.route("/venues/search")
@staff_required
def venue_search():
    found = resources.search_venues(request.args.get("q"))
    return jsonify([{"id": v.id, "name": v.name, "address": v.address, "label": v.name} for v in found])
