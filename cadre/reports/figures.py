"""The course report's figures: one source of truth with the attendance statistics pages.

Attendance, credit hours and completion per session, trainee, group and residential
committee are those of ``cadre.attendance.stats.cohort_attendance`` (the statistics
page and its .xlsx read the same object); this module only adds what the report
shows besides (who the trainees are, the programme by kind and by training goal,
the timetable, the site visits, leave and certificates). A bounded number of
queries whatever the size of the cohort.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cadre.attendance import stats
from cadre.enums import EnrollmentStatus, LeaveStatus, SessionKind
from cadre.extensions import db
from cadre.models import Certificate, Cohort, Enrollment, LeaveRequest, TrainingSession
from cadre.rules.attendance import SessionOutcome, is_held
from cadre.rules.attendance_stats import GroupStats, SessionStats, Tally
from cadre.rules.completion import CompletionSummary
from cadre.rules.schedule import LOCAL_TZ
from cadre.timetable.queries import session_options

ZERO = Decimal("0.0")
# Age bands (years at the start of the course); the last is open-ended.
AGE_BANDS = ((0, 30), (30, 35), (35, 40), (40, 45), (45, None))
VISIT_KINDS = (SessionKind.SITE_VISIT, SessionKind.ONSITE)


@dataclass
class KindRow:
    kind: SessionKind
    sessions: int = 0
    hours_planned: Decimal = ZERO
    hours_held: Decimal = ZERO


@dataclass
class GoalRow:
    name: str
    sessions: int = 0
    hours_planned: Decimal = ZERO
    hours_held: Decimal = ZERO


@dataclass
class SessionRow:
    session: TrainingSession
    stats: SessionStats

    @property
    def rate_percent(self) -> Decimal | None:
        return self.stats.tally.rate_percent


@dataclass
class TraineeRow:
    enrollment: Enrollment
    summary: CompletionSummary
    goal_hours: list[Decimal]  # earned per cohort goal, in goal order
    leave_count: int = 0
    certificate: Certificate | None = None

    @property
    def trainee(self):
        return self.enrollment.trainee

    @property
    def withdrawn(self) -> bool:
        return self.enrollment.status == EnrollmentStatus.WITHDRAWN

    @property
    def standing(self) -> str:
        """withdrawn / completed / not_completed (course over), meets / short (course running)."""
        if self.withdrawn:
            return "withdrawn"
        if self.summary.course_finished:
            return "completed" if self.summary.rule_met else "not_completed"
        return "meets" if self.summary.rule_met else "short"


@dataclass
class LeaveRow:
    enrollment: Enrollment
    count: int
    hours: Decimal


@dataclass
class ReportFigures:
    cohort: Cohort
    now: datetime
    attendance: stats.CohortAttendance
    goals: list[str]
    sessions: list[SessionRow]
    trainees: list[TraineeRow]  # every enrollment, withdrawn ones included (as the statistics)
    by_community: list[tuple[str | None, int]]  # the statistics' trainees (withdrawn too)
    by_group: list[tuple[str | None, int]]
    by_gender: list[tuple[str | None, int]]  # "male" / "female" / None
    by_age: list[tuple[str | None, int]]  # age_band() keys, None: birth year unknown
    by_kind: list[KindRow]
    by_goal: list[GoalRow]
    visits: list[TrainingSession]  # site visits and on-site teaching, with their stops
    leaves: list[LeaveRow]
    leave_total: int
    certificates: list[Certificate]
    hours_planned: Decimal = ZERO
    hours_held: Decimal = ZERO
    attendance_tally: Tally = field(default_factory=Tally)

    @property
    def active(self) -> list[TraineeRow]:
        return [t for t in self.trainees if not t.withdrawn]

    @property
    def withdrawn_count(self) -> int:
        return sum(1 for t in self.trainees if t.withdrawn)

    @property
    def sessions_held(self) -> int:
        return sum(1 for s in self.sessions if s.stats.held)

    @property
    def sessions_cancelled(self) -> int:
        return sum(1 for s in self.sessions if s.stats.cancelled)

    @property
    def sessions_planned(self) -> int:
        return sum(1 for s in self.sessions if not s.stats.cancelled)

    @property
    def course_finished(self) -> bool:
        return self.sessions_planned > 0 and self.sessions_held == self.sessions_planned

    @property
    def average_rate_percent(self) -> Decimal | None:
        """Attended / expected over every trainee's cells in the sessions held (as per group)."""
        return self.attendance_tally.rate_percent

    @property
    def rule_met_count(self) -> int:
        return sum(1 for t in self.active if t.summary.rule_met and t.summary.sessions_held)

    @property
    def completed_count(self) -> int:
        return sum(1 for t in self.active if t.summary.completed)

    @property
    def group_stats(self) -> dict[str | None, GroupStats]:
        return self.attendance.per_group

    @property
    def community_stats(self) -> dict[str | None, GroupStats]:
        return self.attendance.per_community

    @property
    def speakers(self) -> list:
        seen: dict[int, object] = {}
        for row in self.sessions:
            for speaker in row.session.speakers:
                seen.setdefault(speaker.id, speaker)
        return list(seen.values())

    @property
    def stops(self) -> list:
        return [stop for visit in self.visits for stop in visit.stops]


def age_on(birth_year: int | None, birth_month: int | None, day: date) -> int | None:
    """Whole years at `day` (month precision; the 1st of the birth month when the day is unknown)."""
    if birth_year is None:
        return None
    age = day.year - birth_year
    if birth_month is not None and day.month < birth_month:
        age -= 1
    return age


def age_band(age: int | None) -> str | None:
    """'<30', '30-34', …, '45+'; None when unknown."""
    if age is None:
        return None
    for low, high in AGE_BANDS:
        if high is None:
            return f"{low}+"
        if age < high:
            return f"<{high}" if low == 0 else f"{low}-{high - 1}"
    return None  # pragma: no cover


def _counts(values) -> list[tuple[str | None, int]]:
    counter = Counter(values)
    known = [k for k in counter if k is not None]
    return [(k, counter[k]) for k in known] + ([(None, counter[None])] if None in counter else [])


def report_figures(cohort: Cohort, now: datetime) -> ReportFigures:
    """Every figure of the report, the attendance ones from ``cohort_attendance`` itself."""
    # Load the sessions with speakers, stops, goals and venue first: cohort_attendance's own
    # query then returns these same objects, with their relations already loaded.
    timetable = list(
        db.session.scalars(
            select(TrainingSession)
            .where(TrainingSession.cohort_id == cohort.id)
            .order_by(TrainingSession.starts_at, TrainingSession.id)
            .options(*session_options())
        )
    )
    data = stats.cohort_attendance(cohort, now)
    goals = list(cohort.goals)
    goal_index = {g.id: i for i, g in enumerate(goals)}
    session_rows = [SessionRow(s, st) for s, st in zip(data.sessions, data.per_session, strict=True)]
    rules_by_id = {r.id: r for r in data.matrix.sessions}

    hours_planned = hours_held = ZERO
    kinds: dict[SessionKind, KindRow] = {}
    by_goal = [GoalRow(g.name) for g in goals]
    for session in data.sessions:
        if session.is_cancelled:
            continue
        held = is_held(rules_by_id[session.id], now)
        hours = Decimal(session.credit_hours or 0)
        hours_planned += hours
        kind = kinds.setdefault(session.kind, KindRow(session.kind))
        kind.sessions += 1
        kind.hours_planned += hours
        if held:
            hours_held += hours
            kind.hours_held += hours
        for goal in session.goals:
            row = by_goal[goal_index[goal.id]]
            row.sessions += 1
            row.hours_planned += hours
            if held:
                row.hours_held += hours
    by_kind = [kinds[k] for k in SessionKind if k in kinds]

    leave_counts = Counter(
        db.session.scalars(
            select(LeaveRequest.trainee_id)
            .join(TrainingSession, TrainingSession.id == LeaveRequest.session_id)
            .where(
                TrainingSession.cohort_id == cohort.id,
                TrainingSession.cancelled_at.is_(None),  # a cancelled session counts for nobody
                LeaveRequest.status == LeaveStatus.APPROVED,
                LeaveRequest.trainee_id.in_([e.trainee_id for e in data.enrollments]),
            )
        )
    )
    certificates = list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.cohort_id == cohort.id, Certificate.revoked_at.is_(None))
            .order_by(Certificate.serial)
            .options(selectinload(Certificate.trainee))
        )
    )
    cert_by_trainee = {c.trainee_id: c for c in certificates}
    goals_of = {s.id: [goal_index[g.id] for g in s.goals] for s in data.sessions}

    trainee_rows = []
    for enrollment in data.enrollments:
        goal_hours = [ZERO] * len(goals)
        for session_id, cell in data.matrix.outcomes_of(enrollment.trainee_id).items():
            if isinstance(cell, SessionOutcome) and cell.hours and is_held(rules_by_id[session_id], now):
                for i in goals_of[session_id]:
                    goal_hours[i] += cell.hours
        trainee_rows.append(
            TraineeRow(
                enrollment,
                data.per_trainee[enrollment.trainee_id],
                goal_hours,
                leave_counts.get(enrollment.trainee_id, 0),
                cert_by_trainee.get(enrollment.trainee_id),
            )
        )

    tally = Tally()
    for group in data.per_group.values():
        for name in ("present", "late", "left_early", "excused", "absent", "pending"):
            setattr(tally, name, getattr(tally, name) + getattr(group.tally, name))

    active = [e for e in data.enrollments if e.status != EnrollmentStatus.WITHDRAWN]
    start = cohort.start_date
    if start is None:
        start = (timetable[0].starts_at if timetable else now).astimezone(LOCAL_TZ).date()
    leaves = [
        LeaveRow(row.enrollment, row.leave_count, row.summary.excused_hours)
        for row in trainee_rows
        if row.leave_count or row.summary.excused_hours
    ]
    return ReportFigures(
        cohort=cohort,
        now=now,
        attendance=data,
        goals=[g.name for g in goals],
        sessions=session_rows,
        trainees=trainee_rows,
        # Per committee and group: the statistics pages' trainees (withdrawn ones too, for the
        # sessions they were enrolled for), so the counts sit beside the same rates and hours.
        by_community=_counts((e.trainee.community or "").strip() or None for e in data.enrollments),
        by_group=_counts((e.group or "").strip() or None for e in data.enrollments),
        by_gender=_counts(e.trainee.gender.value if e.trainee.gender else None for e in active),
        by_age=_age_counts(active, start),
        by_kind=by_kind,
        by_goal=by_goal,
        visits=[s for s in data.sessions if s.kind in VISIT_KINDS and not s.is_cancelled],
        leaves=leaves,
        leave_total=sum(leave_counts.values()),
        certificates=certificates,
        hours_planned=hours_planned,
        hours_held=hours_held,
        attendance_tally=tally,
    )


def _age_counts(active: list[Enrollment], day: date) -> list[tuple[str | None, int]]:
    counter = Counter(age_band(age_on(e.trainee.birth_year, e.trainee.birth_month, day)) for e in active)
    order = [age_band(low) for low, _high in AGE_BANDS]
    rows: list[tuple[str | None, int]] = [(band, counter[band]) for band in order if counter[band]]
    if counter[None]:
        rows.append((None, counter[None]))
    return rows
