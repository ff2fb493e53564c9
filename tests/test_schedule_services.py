"""Schedule services: what a save does to the database, and what it refuses (nothing half-saved)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from cadre.enums import SessionKind, Transport
from cadre.extensions import db
from cadre.models import AuditEvent, CohortGoal, Speaker, TrainingSession, Venue, VisitStop
from cadre.rules.schedule import LOCAL_TZ
from cadre.schedule import resources, series, services
from cadre.schedule.conflicts import ClashError
from cadre.services import ServiceError, writing
from tests.factories import make_cohort, make_session


def at(day: str, clock: str) -> datetime:
    """A Shanghai wall-clock time as an aware UTC datetime."""
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=LOCAL_TZ).astimezone(UTC)


def data(**kw) -> services.SessionData:
    kw.setdefault("title", "专题讲座")
    kw.setdefault("kind", SessionKind.LECTURE)
    kw.setdefault("starts_at", at("2025-05-09", "09:00"))
    kw.setdefault("ends_at", at("2025-05-09", "11:00"))
    return services.SessionData(**kw)


def session_count() -> int:
    return db.session.scalar(select(func.count()).select_from(TrainingSession))


def actions() -> list[str]:
    return db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()


@pytest.fixture
def cohort(app):
    return make_cohort(start_date=date(2025, 5, 9), end_date=date(2025, 6, 27), minutes_per_credit_hour=45)


@pytest.fixture
def hall(app):
    venue = Venue(name="街道党群服务中心")
    db.session.add(venue)
    db.session.commit()
    return venue


@pytest.fixture
def speakers(app):
    people = [Speaker(name="张雪梅", title="教授"), Speaker(name="李明", title="书记")]
    db.session.add_all(people)
    db.session.commit()
    return people


def test_created_session_computes_credit_hours_and_keeps_speaker_order(cohort, hall, speakers):
    with writing():
        s, warnings = services.create_session(
            cohort, data(venue_id=hall.id, speaker_ids=[speakers[1].id, speakers[0].id])
        )
    assert warnings == []
    db.session.expire_all()
    s = db.session.get(TrainingSession, s.id)
    assert s.credit_hours == Decimal("2.5")  # 120 min / 45 = 2.67 → 2.5
    assert not s.credit_hours_manual
    assert [sp.name for sp in s.speakers] == ["李明", "张雪梅"]
    assert actions() == ["session.created"]


def test_typed_credit_hours_are_kept_as_manual(cohort):
    with writing():
        s, _ = services.create_session(cohort, data(credit_hours=Decimal("4")))
    assert (s.credit_hours, s.credit_hours_manual) == (Decimal("4"), True)


@pytest.mark.parametrize(
    ("starts", "ends", "field"),
    [
        (at("2025-05-09", "11:00"), at("2025-05-09", "09:00"), "end_time"),
        (at("2025-05-09", "09:00"), at("2025-05-09", "09:00"), "end_time"),
        (at("2025-05-09", "09:00"), at("2025-05-10", "09:01"), "end_time"),
        (at("1999-05-09", "09:00"), at("1999-05-09", "10:00"), "start_time"),
        (None, at("2025-05-09", "10:00"), "start_time"),
    ],
    ids=["end-before-start", "zero-length", "over-24h", "absurd-year", "no-start"],
)
def test_bad_times_are_refused_on_their_field_and_nothing_is_saved(cohort, starts, ends, field):
    with pytest.raises(ServiceError) as err, writing():
        services.create_session(cohort, data(starts_at=starts, ends_at=ends))
    assert err.value.field == field
    assert session_count() == 0 and actions() == []


def test_unknown_venue_or_speaker_id_is_refused(cohort, speakers):
    with pytest.raises(ServiceError) as err, writing():
        services.create_session(cohort, data(venue_id=999999, venue_name="不存在"))
    assert err.value.field == "venue_name"
    with pytest.raises(ServiceError) as err, writing():
        services.create_session(cohort, data(speaker_ids=[speakers[0].id, 999999]))
    assert err.value.field == "speaker_query"
    assert session_count() == 0


def test_typed_venue_name_is_found_or_created_only_when_asked(cohort, hall):
    with writing():
        s, _ = services.create_session(cohort, data(venue_name="街道党群服务中心"))
    assert s.venue_id == hall.id
    with pytest.raises(ServiceError) as err, writing():
        services.create_session(cohort, data(venue_name="党群"))
    assert "街道党群服务中心" in err.value.message  # a suggestion
    with writing():
        s, _ = services.create_session(cohort, data(venue_name="慧华苑", create_venue=True))
    assert s.venue.name == "慧华苑"
    assert "venue.created" in actions()


def test_goal_of_another_cohort_is_refused(cohort):
    other = make_cohort()
    goal = CohortGoal(cohort=other, name="为民服务")
    db.session.add(goal)
    db.session.commit()
    with pytest.raises(ServiceError) as err, writing():
        services.create_session(cohort, data(goal_ids=[goal.id]))
    assert err.value.field == "goal_ids"


def test_venue_clash_with_another_cohort_blocks_until_confirmed(cohort, hall):
    other = make_cohort()
    make_session(other, title="乙班讲座", venue=hall, starts_at=at("2025-05-09", "10:00"))
    with pytest.raises(ClashError) as err, writing():
        services.create_session(cohort, data(venue_id=hall.id))
    assert any("乙班讲座" in line and "街道党群服务中心" in line for line in err.value.lines)
    assert session_count() == 1
    with writing():
        services.create_session(cohort, data(venue_id=hall.id), confirm_clash=True)
    assert session_count() == 2


def test_speaker_clash_blocks_and_touching_sessions_do_not(cohort, speakers):
    make_session(cohort, speakers=[speakers[0]], starts_at=at("2025-05-09", "07:00"))  # 07:00–09:00
    with writing():
        services.create_session(cohort, data(speaker_ids=[speakers[0].id]))  # 09:00–11:00: touching
    with pytest.raises(ClashError), writing():
        services.create_session(
            cohort, data(speaker_ids=[speakers[0].id], starts_at=at("2025-05-09", "10:00"))
        )


def test_weekend_holiday_and_outside_dates_warn_but_save(cohort):
    with writing():
        _, warnings = services.create_session(
            cohort, data(starts_at=at("2025-05-01", "09:00"), ends_at=at("2025-05-01", "10:00"))
        )
    assert any("劳动节" in w for w in warnings)
    assert any("不在培训班的日期内" in w for w in warnings)
    with writing():
        _, warnings = services.create_session(
            cohort, data(starts_at=at("2025-05-10", "09:00"), ends_at=at("2025-05-10", "10:00"))
        )
    assert any("周末" in w for w in warnings)
    assert session_count() == 2


def test_adjusted_working_sunday_gives_no_weekend_warning(app):
    cohort = make_cohort(start_date=date(2025, 9, 1), end_date=date(2025, 10, 31))
    with writing():
        _, warnings = services.create_session(
            cohort, data(starts_at=at("2025-09-28", "09:00"), ends_at=at("2025-09-28", "10:00"))
        )
    assert warnings == []


def test_edit_saves_stops_in_order_raises_sequence_and_audits_the_change(cohort):
    s = make_session(cohort)
    stops = [services.StopData(name="慧华苑"), services.StopData(name="锦华苑", host="王书记")]
    with writing():
        changed, _ = services.update_session(
            s, data(title="现场教学", kind=SessionKind.SITE_VISIT, transport=Transport.BUS, stops=stops)
        )
    assert changed
    db.session.expire_all()
    s = db.session.get(TrainingSession, s.id)
    assert [(st.position, st.name) for st in s.stops] == [(1, "慧华苑"), (2, "锦华苑")]
    assert s.sequence == 1
    with writing():
        services.update_session(
            s,
            data(
                title="现场教学",
                kind=SessionKind.SITE_VISIT,
                transport=Transport.BUS,
                stops=list(reversed(stops)),
            ),
        )
    db.session.expire_all()
    assert [st.name for st in db.session.get(TrainingSession, s.id).stops] == ["锦华苑", "慧华苑"]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "session.updated")).first()
    assert event.before["title"] == "专题讲座" and event.after["title"] == "现场教学"


def test_cancel_needs_a_reason_keeps_the_session_and_can_be_restored(cohort):
    s = make_session(cohort)
    with pytest.raises(ServiceError), writing():
        services.cancel_session(s, "  ")
    with writing():
        services.cancel_session(s, "台风停课")
    db.session.expire_all()
    s = db.session.get(TrainingSession, s.id)
    assert s.is_cancelled and s.cancel_reason == "台风停课" and session_count() == 1
    with writing():
        services.restore_session(s)
    assert not db.session.get(TrainingSession, s.id).is_cancelled
    assert actions() == ["session.cancelled", "session.restored"]


def test_weekly_series_shares_an_id_and_stops_at_sixty(cohort):
    with writing():
        created, _ = series.create_series(cohort, data(), date(2025, 6, 27))
    assert len(created) == 8
    assert len({s.series_id for s in created}) == 1
    assert {s.starts_at.astimezone(LOCAL_TZ).strftime("%a %H:%M") for s in created} == {"Fri 09:00"}
    for until, message in ((None, "截止日期"), (date(2027, 1, 1), "最多 60 次")):
        with pytest.raises(ServiceError) as err, writing():
            series.create_series(cohort, data(), until)
        assert err.value.field == "repeat_until" and message in err.value.message
    assert session_count() == 8


def test_series_with_one_clashing_week_saves_nothing(cohort, hall):
    make_session(make_cohort(), venue=hall, starts_at=at("2025-05-23", "09:30"))
    with pytest.raises(ClashError) as err, writing():
        series.create_series(cohort, data(venue_id=hall.id), date(2025, 6, 27))
    assert any(line.startswith("5月23日") for line in err.value.lines)
    assert session_count() == 1


def test_shift_moves_the_rest_of_the_series_with_its_stops(cohort):
    with writing():
        created, _ = series.create_series(
            cohort,
            data(stops=[services.StopData(name="慧华苑", arrives_at=at("2025-05-09", "09:30"))]),
            date(2025, 5, 30),
        )
    second = created[1]
    with writing():
        result = series.shift_session(second, timedelta(hours=1), with_rest_of_series=True)
    assert len(result.sessions) == 3
    db.session.expire_all()
    starts = [
        s.starts_at.astimezone(LOCAL_TZ).strftime("%m-%d %H:%M")
        for s in db.session.scalars(select(TrainingSession).order_by(TrainingSession.starts_at))
    ]
    assert starts == ["05-09 09:00", "05-16 10:00", "05-23 10:00", "05-30 10:00"]
    stop = db.session.scalars(select(VisitStop).where(VisitStop.session_id == second.id)).one()
    assert stop.arrives_at.astimezone(LOCAL_TZ).strftime("%m-%d %H:%M") == "05-16 10:30"
    assert actions().count("session.shifted") == 3


def test_shift_outside_the_cohort_needs_confirmation(cohort):
    s = make_session(cohort, starts_at=at("2025-06-27", "09:00"))
    with pytest.raises(series.LeavingCohort), writing():
        series.shift_session(s, timedelta(days=7))
    assert db.session.get(TrainingSession, s.id).starts_at == at("2025-06-27", "09:00")
    with writing():
        series.shift_session(s, timedelta(days=7), confirm_outside=True)
    assert db.session.get(TrainingSession, s.id).starts_at == at("2025-07-04", "09:00")


def test_zero_shift_is_refused(cohort):
    s = make_session(cohort)
    with pytest.raises(ServiceError) as err, writing():
        series.shift_session(s, timedelta(0))
    assert err.value.field == "days"


def test_archived_cohort_refuses_schedule_changes(cohort):
    s = make_session(cohort)
    cohort.archived_at = datetime.now(UTC)
    db.session.commit()
    with pytest.raises(ServiceError, match="已归档"), writing():
        services.create_session(cohort, data())
    with pytest.raises(ServiceError, match="已归档"), writing():
        services.cancel_session(s, "原因")


def test_search_returns_at_most_ten_with_exact_match_first(app):
    db.session.add_all(
        [Speaker(name=f"王{i}", title="") for i in range(15)] + [Speaker(name="王", title="主任")]
    )
    db.session.commit()
    found = resources.search_speakers("王")
    assert len(found) == 10 and found[0].name == "王"
    assert resources.search_speakers("%") == []  # a LIKE wildcard is searched for literally


def test_goals_are_added_renamed_reordered_and_removed(cohort):
    with writing():
        a = resources.add_goal(cohort, "为民服务")
        b = resources.add_goal(cohort, "组织动员")
    with pytest.raises(ServiceError), writing():
        resources.add_goal(cohort, "为民服务")
    with writing():
        resources.move_goal(cohort, b.id, -1)
        resources.rename_goal(cohort, a.id, "议事协商")
    db.session.expire_all()
    assert [g.name for g in db.session.get(type(cohort), cohort.id).goals] == ["组织动员", "议事协商"]
    with writing():
        resources.remove_goal(db.session.get(type(cohort), cohort.id), b.id)
    db.session.expire_all()
    assert [g.name for g in db.session.get(type(cohort), cohort.id).goals] == ["议事协商"]
    assert actions() == ["goal.created", "goal.created", "goal.reordered", "goal.renamed", "goal.removed"]


def test_an_edit_form_saved_unchanged_changes_nothing(app, cohort, hall, speakers):
    from cadre.schedule import form_data

    s = make_session(
        cohort,
        kind=SessionKind.SITE_VISIT,
        venue=hall,
        speakers=speakers,
        meeting_point="大门口",
        departs_at=at("2025-05-09", "08:30"),
        transport=Transport.BUS,
        credit_hours=Decimal("2.5"),  # what 2 hours at 45 minutes a 学时 computes to
    )
    db.session.add(VisitStop(session=s, position=1, name="慧华苑", arrives_at=at("2025-05-09", "09:10")))
    db.session.commit()
    with app.test_request_context():
        form = form_data.form_for(cohort, formdata=None, data=form_data.initial(s))
        with writing():
            changed, _ = services.update_session(s, form_data.session_data(form))
    assert not changed
    assert db.session.get(TrainingSession, s.id).sequence == 0 and actions() == []
