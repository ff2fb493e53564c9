"""The certificates blueprint; its views live in views.py (organizers, trainees) and public_views.py."""

from flask import Blueprint

bp = Blueprint("certificates", __name__, url_prefix="/certificates")
