"""Spreadsheet import and export of a cohort's trainees."""

from flask import Blueprint

bp = Blueprint("imports", __name__)
