"""Conflict checks of the schedule: sessions as the pure rules see them, problems as sentences.

Venue and speaker clashes (any cohort) block a save until the organizer confirms
(``ClashError``); everything else the rules find comes back as warnings.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from cadre.dates import day_label
from cadre.extensions import db
from cadre.models import Cohort, SessionSpeaker, Speaker, TrainingSession, Venue
from cadre.rules import schedule as rules
from cadre.schedule import resources
from cadre.schedule_messages import problem_message
from cadre.services import ServiceError


class ClashError(ServiceError):
    """A venue or speaker clash the organizer has not confirmed; `problems` lists all findings."""

    def __init__(self, problems: list[rules.Problem], lines: list[str]):
        super().__init__(_("场地或授课人有冲突。确认无误请勾选“仍然保存”后再保存。"), "confirm_clash")
        self.problems = problems
        self.lines = lines


def schedule_of(cohort: Cohort) -> list[TrainingSession]:
    """The cohort's sessions in time order, with venue, speakers, goals and stops loaded."""
    return db.session.scalars(
        select(TrainingSession)
        .where(TrainingSession.cohort_id == cohort.id)
        .order_by(TrainingSession.starts_at, TrainingSession.id)
        .options(
            selectinload(TrainingSession.venue),
            selectinload(TrainingSession.speaker_links).selectinload(SessionSpeaker.speaker),
            selectinload(TrainingSession.stops),
            selectinload(TrainingSession.goals),
        )
    ).all()


def slot_of(s: TrainingSession) -> rules.SlotValue:
    return rules.SlotValue(
        id=s.id,
        cohort_id=s.cohort_id,
        title=s.title,
        kind=s.kind,
        starts_at=s.starts_at,
        ends_at=s.ends_at,
        venue_id=s.venue_id,
        speaker_ids=tuple(link.speaker_id for link in s.speaker_links),
        cancelled=s.is_cancelled,
        series_id=s.series_id,
    )


def cohort_dates(cohort: Cohort) -> rules.CohortDates:
    return rules.CohortDates(cohort.id, cohort.start_date, cohort.end_date, cohort.minutes_per_credit_hour)


def overlapping(
    starts_at: datetime, ends_at: datetime, exclude_cohort: int | None = None
) -> list[TrainingSession]:
    """Active sessions of any cohort sharing some instant with [starts_at, ends_at)."""
    stmt = (
        select(TrainingSession)
        .where(
            TrainingSession.starts_at < ends_at,
            TrainingSession.ends_at > starts_at,
            TrainingSession.cancelled_at.is_(None),
        )
        .options(
            selectinload(TrainingSession.speaker_links).selectinload(SessionSpeaker.speaker),
            selectinload(TrainingSession.cohort),
            selectinload(TrainingSession.venue),
        )
    )
    if exclude_cohort is not None:
        stmt = stmt.where(TrainingSession.cohort_id != exclude_cohort)
    return db.session.scalars(stmt).all()


def _loaded(ids: set[int]) -> list[TrainingSession]:
    return db.session.scalars(
        select(TrainingSession)
        .where(TrainingSession.id.in_(ids))
        .options(
            selectinload(TrainingSession.cohort),
            selectinload(TrainingSession.venue),
            selectinload(TrainingSession.speaker_links).selectinload(SessionSpeaker.speaker),
        )
    ).all()


def describe(
    problems: Iterable[rules.Problem],
    prefix: dict | None = None,
    known: Iterable[TrainingSession] = (),
    cohort_id: int | None = None,
) -> list[str]:
    """Problems as translated sentences, naming venues, speakers and the other sessions.

    Names come from `known` sessions (loaded with venue and speakers) where they can,
    so a page listing many problems asks the database a fixed number of times.
    """
    problems = list(problems)
    by_id = {s.id: s for s in known}
    other_ids = {p.other_id for p in problems if p.other_id is not None}
    if other_ids - by_id.keys():
        by_id.update((s.id, s) for s in _loaded(other_ids - by_id.keys()))
    venue_ids = {p.params["venue_id"] for p in problems if "venue_id" in p.params}
    speaker_ids = {p.params["speaker_id"] for p in problems if "speaker_id" in p.params}
    venues: dict[int, str] = {}
    speakers: dict[int, str] = {}
    for s in by_id.values():
        if s.venue_id in venue_ids and s.venue is not None:
            venues[s.venue_id] = s.venue.name
        for link in s.speaker_links:
            if link.speaker_id in speaker_ids:
                speakers[link.speaker_id] = link.speaker.name
    venues.update((v.id, v.name) for v in resources.venues_by_id(venue_ids - venues.keys()))
    speakers.update((sp.id, sp.name) for sp in resources.speakers_by_id(speaker_ids - speakers.keys()))
    sessions = {}
    for i in other_ids:
        if (s := by_id.get(i)) is not None:
            when = (
                f"{day_label(rules.local_date(s.starts_at))} {s.starts_at.astimezone(rules.LOCAL_TZ):%H:%M}"
            )
            # Another cohort's session is named with its cohort; one of this cohort's is not.
            sessions[i] = (
                f"{s.title}，{when}" if s.cohort_id == cohort_id else f"{s.title}，{when}，{s.cohort.name}"
            )
    lines = []
    for p in problems:
        text = problem_message(p, venues=venues, speakers=speakers, sessions=sessions, format_day=day_label)
        lines.append(f"{prefix[id(p)]}{text}" if prefix and id(p) in prefix else text)
    return lines


def session_report(s: TrainingSession) -> list[str]:
    """What the conflict checks find about one saved session now, as sentences."""
    others = overlapping(s.starts_at, s.ends_at)
    problems = rules.check_candidate(slot_of(s), [slot_of(o) for o in others], cohort_dates(s.cohort))
    return describe(problems, known=[s, *others], cohort_id=s.cohort_id)


def cohort_report(cohort: Cohort) -> tuple[list[rules.Problem], list[str], dict[int, TrainingSession]]:
    """Every problem of the cohort's sessions, each once (检查冲突): problems, sentences, sessions by id."""
    own = schedule_of(cohort)
    active = [s for s in own if not s.is_cancelled]
    others: list[TrainingSession] = []
    if active:
        first = min(s.starts_at for s in active)
        last = max(s.ends_at for s in active)
        others = overlapping(first, last, exclude_cohort=cohort.id)
    problems = rules.check_cohort(
        [slot_of(s) for s in own], cohort_dates(cohort), [slot_of(o) for o in others]
    )
    return problems, describe(problems, known=[*own, *others], cohort_id=cohort.id), {s.id: s for s in own}


def _lock_resources(venue_id: int | None, speakers: list[Speaker]) -> None:
    """Two organizers booking one venue or speaker at once take turns (PostgreSQL; SQLite has one writer)."""
    if venue_id is not None:
        db.session.execute(select(Venue.id).where(Venue.id == venue_id).with_for_update())
    if speakers:
        ids = sorted(sp.id for sp in speakers)
        db.session.execute(
            select(Speaker.id).where(Speaker.id.in_(ids)).order_by(Speaker.id).with_for_update()
        )


def lock_slot_resources(slots: Iterable[rules.SlotValue]) -> None:
    """``_lock_resources`` for sessions being moved or restored: every venue and speaker they use."""
    slots = [slot for slot in slots if not slot.cancelled]
    venue_ids = sorted({slot.venue_id for slot in slots if slot.venue_id is not None})
    speaker_ids = sorted({i for slot in slots for i in slot.speaker_ids})
    if venue_ids:
        db.session.execute(
            select(Venue.id).where(Venue.id.in_(venue_ids)).order_by(Venue.id).with_for_update()
        )
    if speaker_ids:
        db.session.execute(
            select(Speaker.id).where(Speaker.id.in_(speaker_ids)).order_by(Speaker.id).with_for_update()
        )


def check_slots(
    cohort: Cohort, slots: list[rules.SlotValue], *, confirm_clash: bool, label_days: bool = False
) -> list[str]:
    """Check slots about to be saved: ClashError on an unconfirmed clash, else the warnings."""
    problems: list[rules.Problem] = []
    prefix: dict[int, str] = {}
    dates = cohort_dates(cohort)
    known: list[TrainingSession] = []
    for slot in slots:
        rows = overlapping(slot.starts_at, slot.ends_at)
        known.extend(rows)
        found = rules.check_candidate(slot, [slot_of(o) for o in rows], dates)
        if label_days:
            for p in found:
                prefix[id(p)] = f"{day_label(rules.local_date(slot.starts_at))}："
        problems.extend(found)
    lines = describe(problems, prefix, known, cohort.id)
    if rules.blocking(problems) and not confirm_clash:
        raise ClashError(problems, lines)
    return lines


def refuse_duplicates(cohort: Cohort, slots: list[rules.SlotValue]) -> None:
    """A new session the cohort already has (same title, start, end and venue, not cancelled) is refused.

    That is a form sent twice (a double tap, a retried request, the back button), never a
    plan: saving it again would put the class on the timetable twice. Called with the
    cohort locked, so two copies sent at the same moment cannot both pass.
    """
    titles = {slot.title for slot in slots}
    starts = {slot.starts_at for slot in slots}
    existing = db.session.execute(
        select(
            TrainingSession.title,
            TrainingSession.starts_at,
            TrainingSession.ends_at,
            TrainingSession.venue_id,
        ).where(
            TrainingSession.cohort_id == cohort.id,
            TrainingSession.cancelled_at.is_(None),
            TrainingSession.title.in_(titles),
            TrainingSession.starts_at.in_(starts),
        )
    ).all()
    # Parallel groups in two rooms at once under one title are a plan, not a double submit.
    taken = set(existing)
    for slot in slots:
        if (slot.title, slot.starts_at, slot.ends_at, slot.venue_id) in taken:
            raise ServiceError(
                _(
                    "本班%(when)s已有课程“%(title)s”，可能是重复提交，没有再次保存。请在课程安排中查看。",
                    when=day_label(rules.local_date(slot.starts_at)),
                    title=slot.title,
                )
            )
