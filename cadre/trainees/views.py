"""Trainees: the people kept across cohorts."""

from flask import Blueprint

bp = Blueprint("trainees", __name__, url_prefix="/trainees")
