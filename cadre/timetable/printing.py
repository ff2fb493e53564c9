"""The printable timetable (A4 landscape PDF, ready to hand out on the first day)."""

from __future__ import annotations

from cadre.dates import date_range
from cadre.models import Cohort
from cadre.models.types import utcnow
from cadre.pdf import render_pdf
from cadre.rules.timetable_grid import group_by_local_date
from cadre.timetable import queries


def timetable_context(cohort: Cohort) -> dict:
    sessions = queries.cohort_sessions(cohort.id)
    return {
        "cohort": cohort,
        "days": group_by_local_date(sessions),
        "session_count": len(sessions),
        "printed_at": utcnow(),
        "span": date_range(cohort.start_date, cohort.end_date),
    }


def timetable_pdf(cohort: Cohort) -> bytes:
    return render_pdf("pdf/timetable.html", **timetable_context(cohort))
