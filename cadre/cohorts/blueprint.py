"""The cohorts blueprint and what its two view modules share."""

from __future__ import annotations

from flask import Blueprint, flash

from cadre.services import ServiceError

bp = Blueprint("cohorts", __name__, url_prefix="/cohorts")


def field_error(form, err: ServiceError) -> None:
    """Show a refusal on the form field it concerns, else as a message at the top."""
    if err.field and err.field in form:
        form[err.field].errors = [*form[err.field].errors, err.message]
    else:
        flash(err.message, "danger")
