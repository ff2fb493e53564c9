"""The course report's narrative: generated from the figures, edited by the organizer, kept."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from cadre import audit
from cadre.extensions import db
from cadre.models import Cohort, CohortReport, User
from cadre.reports.figures import ReportFigures
from cadre.rules import report_narrative as narrative_rules
from cadre.services import NotFound, ServiceError, lock_cohort


@dataclass(frozen=True)
class Narrative:
    text: str
    generated: bool  # nothing saved yet: the text is the generated one
    report: CohortReport | None


def facts_from(figures: ReportFigures) -> narrative_rules.NarrativeFacts:
    cohort = figures.cohort
    genders = dict(figures.by_gender)
    return narrative_rules.NarrativeFacts(
        cohort_name=cohort.name,
        organizing_unit=cohort.organizing_unit,
        start_date=cohort.start_date,
        end_date=cohort.end_date,
        trainees=len(figures.active),
        withdrawn=figures.withdrawn_count,
        male=genders.get("male", 0),
        female=genders.get("female", 0),
        groups=sum(1 for name, _n in figures.by_group if name),
        communities=sum(1 for name, _n in figures.by_community if name),
        sessions_planned=figures.sessions_planned,
        sessions_held=figures.sessions_held,
        sessions_cancelled=figures.sessions_cancelled,
        by_kind=tuple((row.kind.value, row.sessions) for row in figures.by_kind),
        visit_stops=len(figures.stops),
        hours_planned=figures.hours_planned,
        hours_held=figures.hours_held,
        goals=tuple((row.name, row.hours_planned) for row in figures.by_goal),
        average_rate=figures.average_rate_percent,
        course_finished=figures.course_finished,
        rule_met=figures.rule_met_count,
        completed=figures.completed_count,
        leave_count=figures.leave_total,
        certificates=len(figures.certificates),
        min_attendance_percent=cohort.min_attendance_percent,
    )


def generated_narrative(figures: ReportFigures) -> str:
    return narrative_rules.generate(facts_from(figures))


def saved_report(cohort_id: int) -> CohortReport | None:
    return db.session.scalar(select(CohortReport).where(CohortReport.cohort_id == cohort_id))


def narrative_of(figures: ReportFigures) -> Narrative:
    """The organizer's text when saved, else the one generated from the figures."""
    report = saved_report(figures.cohort.id)
    if report is not None and report.narrative.strip():
        return Narrative(report.narrative, False, report)
    return Narrative(generated_narrative(figures), True, report)


def _excerpt(text: str | None) -> dict | None:
    if text is None:
        return None
    return {"length": len(text), "start": text[:120]}


def save_narrative(cohort_id: int, text: str, user: User, now: datetime) -> CohortReport:
    """Keep the organizer's narrative (plain text; printed escaped). Too long: refused, the old text kept."""
    text = (text or "").replace("\r\n", "\n").replace("\x00", "")
    if narrative_rules.check_narrative(text) == "too_long":
        raise ServiceError(
            _(
                "报告正文最多 %(max)s 字，现在有 %(n)s 字。请删减后再保存；原来保存的内容没有改变。",
                max=f"{narrative_rules.MAX_NARRATIVE_CHARS:,}",
                n=f"{len(text):,}",
            ),
            field="narrative",
        )
    cohort = db.session.get(Cohort, cohort_id)
    if cohort is None:
        raise NotFound(_("找不到该培训班。"))
    if cohort.is_archived:
        raise ServiceError(_("培训班“%(name)s”已归档，报告正文不能再修改。请先取消归档。", name=cohort.name))
    lock_cohort(cohort_id)
    report = saved_report(cohort_id)
    before = _excerpt(report.narrative) if report is not None else None
    if report is None:
        report = CohortReport(cohort_id=cohort_id, narrative="")
        db.session.add(report)
    report.narrative = text
    report.updated_at = now
    report.updated_by_id = user.id
    db.session.flush()
    audit.record(
        "report.narrative_saved",
        report,
        before={"narrative": before} if before else None,
        after={"narrative": _excerpt(text)},
        cohort_id=cohort_id,
        actor_id=user.id,
    )
    return report
