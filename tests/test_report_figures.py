"""The report's figures are the attendance statistics' own (one source of truth), plus the roster's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from cadre.attendance import stats
from cadre.enums import Gender, SessionKind
from cadre.extensions import db
from cadre.models import Certificate, CohortGoal, Enrollment
from cadre.models.types import utcnow
from cadre.reports.figures import age_band, age_on, report_figures
from tests.factories import enroll, make_cohort, make_session, make_trainee
from tests.report_support import load_demo_cohort


def test_attendance_figures_equal_the_statistics_functions_for_the_demo(app):
    cohort = load_demo_cohort()
    now = utcnow()
    figures = report_figures(cohort, now)
    data = stats.cohort_attendance(cohort, now)
    assert [r.session.id for r in figures.sessions] == [s.id for s in data.sessions]
    assert [r.stats for r in figures.sessions] == data.per_session
    assert {t.trainee.id: t.summary for t in figures.trainees} == data.per_trainee
    assert figures.group_stats == data.per_group
    assert figures.community_stats == data.per_community
    held = [g.tally for g in data.per_group.values()]
    attended = sum(t.attended for t in held)
    expected = sum(t.expected for t in held)
    assert figures.attendance_tally.attended == attended
    assert figures.attendance_tally.expected == expected
    assert figures.completed_count == sum(1 for s in data.per_trainee.values() if s.completed)


def test_demo_overview_counts(app):
    cohort = load_demo_cohort()
    figures = report_figures(cohort, utcnow())
    assert len(figures.active) == 29
    assert sum(n for _k, n in figures.by_group) == 29
    assert sum(n for _k, n in figures.by_community) == 29
    assert sum(n for _k, n in figures.by_gender) == 29
    assert sum(n for _k, n in figures.by_age) == 29
    assert [row.name for row in figures.by_goal] == ["为民服务", "组织动员", "议事协商", "群众工作"]
    assert figures.hours_planned == sum(
        (Decimal(s.credit_hours) for s in cohort.sessions if not s.is_cancelled), Decimal(0)
    )
    assert sum(row.sessions for row in figures.by_kind) == figures.sessions_planned
    assert figures.stops, "the demo's site visits have stops"


def test_hours_by_goal_count_each_session_for_every_goal_it_serves(app):
    cohort = make_cohort()
    a, b = (
        CohortGoal(cohort=cohort, name="为民服务", position=0),
        CohortGoal(cohort=cohort, name="组织动员", position=1),
    )
    db.session.add_all([a, b])
    db.session.commit()
    past = datetime.now(UTC) - timedelta(days=2)
    s1 = make_session(cohort, starts_at=past, credit_hours=Decimal("3"))
    s2 = make_session(cohort, starts_at=past + timedelta(hours=3), credit_hours=Decimal("2"))
    s1.goals = [a, b]
    s2.goals = [b]
    make_session(cohort, starts_at=past + timedelta(hours=6), credit_hours=Decimal("5"), cancelled_at=past)
    db.session.commit()
    figures = report_figures(cohort, utcnow())
    assert [(g.name, g.hours_planned, g.hours_held) for g in figures.by_goal] == [
        ("为民服务", Decimal(3), Decimal(3)),
        ("组织动员", Decimal(5), Decimal(5)),
    ]
    assert figures.hours_planned == Decimal(5)
    assert figures.sessions_cancelled == 1


def test_trainees_by_gender_age_and_withdrawn_kept_apart(app):
    cohort = make_cohort(start_date=date(2025, 5, 9))
    enroll(cohort, make_trainee(gender=Gender.FEMALE, birth_year=1990, birth_month=6, community="长安居民区"))
    enroll(cohort, make_trainee(gender=Gender.MALE, birth_year=1998, community="长安居民区"))
    enroll(cohort, make_trainee())
    gone = enroll(cohort, make_trainee(gender=Gender.MALE))
    gone.status = "withdrawn"
    db.session.commit()
    figures = report_figures(cohort, utcnow())
    assert dict(figures.by_gender) == {"female": 1, "male": 1, None: 1}
    assert dict(figures.by_age) == {"30-34": 1, "<30": 1, None: 1}
    # Per committee the report counts the statistics pages' trainees, withdrawn ones too, since
    # the table sets them beside those pages' hours and rates.
    assert dict(figures.by_community) == {"长安居民区": 2, None: 2}
    assert figures.withdrawn_count == 1
    assert len(figures.trainees) == 4


def test_age_bands():
    assert age_on(1990, 6, date(2025, 5, 9)) == 34
    assert age_on(1990, 5, date(2025, 5, 9)) == 35
    assert age_on(None, None, date(2025, 5, 9)) is None
    assert [age_band(a) for a in (29, 30, 34, 35, 44, 45, 60, None)] == [
        "<30",
        "30-34",
        "30-34",
        "35-39",
        "40-44",
        "45+",
        "45+",
        None,
    ]


def test_only_certificates_not_revoked_are_counted(app):
    cohort = make_cohort()
    t1, t2 = make_trainee(), make_trainee()
    enroll(cohort, t1)
    enroll(cohort, t2)
    now = datetime.now(UTC)
    db.session.add_all(
        [
            Certificate(
                serial="X-0001", verification_token="t1", cohort=cohort, trainee=t1, credit_hours=Decimal(8)
            ),
            Certificate(
                serial="X-0002",
                verification_token="t2",
                cohort=cohort,
                trainee=t2,
                credit_hours=Decimal(8),
                revoked_at=now,
            ),
        ]
    )
    db.session.commit()
    figures = report_figures(cohort, utcnow())
    assert [c.serial for c in figures.certificates] == ["X-0001"]


def test_figures_take_a_bounded_number_of_queries(app, count_queries):
    cohort = load_demo_cohort()
    cohort_id = cohort.id
    db.session.expire_all()
    from cadre.models import Cohort

    cohort = db.session.get(Cohort, cohort_id)
    with count_queries() as queries:
        report_figures(cohort, utcnow())
    assert len(queries) <= 16, queries


def test_visits_list_site_visits_and_onsite_teaching_not_cancelled(app):
    cohort = make_cohort()
    make_session(cohort, kind=SessionKind.SITE_VISIT, title="研学")
    make_session(cohort, kind=SessionKind.LECTURE, title="讲座")
    make_session(cohort, kind=SessionKind.ONSITE, title="现场", cancelled_at=datetime.now(UTC))
    figures = report_figures(cohort, utcnow())
    assert [s.title for s in figures.visits] == ["研学"]
    assert db.session.query(Enrollment).count() == 0
