"""Speakers (授课人), venues (场地) and a cohort's training goals (培训目标): lookup, search and edits.

Service contract of cadre.services: plain values in, ServiceError out, flush and audit, never commit.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import case, func, or_, select

from cadre import audit
from cadre.extensions import db
from cadre.models import Cohort, CohortGoal, Speaker, Venue
from cadre.services import NotFound, ServiceError

SEARCH_LIMIT = 10


def clean(value: str | None) -> str | None:
    """NFKC-normalised and stripped; blank is None."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    return text or None


def _like(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# ---------------------------------------------------------------- reading and searching


def venues_by_id(ids: Iterable[int]) -> list[Venue]:
    ids = list(ids)
    return db.session.scalars(select(Venue).where(Venue.id.in_(ids))).all() if ids else []


def speakers_by_id(ids: Iterable[int]) -> list[Speaker]:
    ids = list(ids)
    return db.session.scalars(select(Speaker).where(Speaker.id.in_(ids))).all() if ids else []


def search_venues(q: str | None, limit: int = SEARCH_LIMIT) -> list[Venue]:
    """Venues whose name or address contains q; exact and leading matches first."""
    q = clean(q)
    if not q:
        return []
    rank = case(
        (func.lower(Venue.name) == q.lower(), 0), (Venue.name.ilike(_like(q)[1:], escape="\\"), 1), else_=2
    )
    stmt = select(Venue).where(
        or_(Venue.name.ilike(_like(q), escape="\\"), Venue.address.ilike(_like(q), escape="\\"))
    )
    return db.session.scalars(stmt.order_by(rank, Venue.name).limit(limit)).all()


def search_speakers(q: str | None, limit: int = SEARCH_LIMIT) -> list[Speaker]:
    """Speakers whose name, affiliation or title contains q; exact and leading name matches first."""
    q = clean(q)
    if not q:
        return []
    pattern = _like(q)
    rank = case((Speaker.name == q, 0), (Speaker.name.ilike(pattern[1:], escape="\\"), 1), else_=2)
    stmt = select(Speaker).where(
        or_(
            Speaker.name.ilike(pattern, escape="\\"),
            Speaker.affiliation.ilike(pattern, escape="\\"),
            Speaker.title.ilike(pattern, escape="\\"),
        )
    )
    return db.session.scalars(stmt.order_by(rank, Speaker.name, Speaker.id).limit(limit)).all()


def speakers_in_order(ids: list[int]) -> list[Speaker]:
    """The speakers of these ids in this order (duplicates dropped); an unknown id is refused."""
    wanted = list(dict.fromkeys(ids))
    found = {sp.id: sp for sp in speakers_by_id(wanted)}
    if len(found) != len(wanted):
        raise ServiceError(_("所选授课人不存在，请重新选择。"), "speaker_query")
    return [found[i] for i in wanted]


def venue_named(name: str) -> Venue | None:
    return db.session.scalar(select(Venue).where(func.lower(Venue.name) == name.lower()))


def resolve_venue(venue_id: int | None, name: str | None, *, allow_new: bool = False) -> int | None:
    """The venue a session form means: the picked id when its name still matches, else the typed name.

    Blank name: no venue. A typed name that matches no venue is refused with
    suggestions, unless the organizer asked for a new venue (`allow_new`: None
    is returned and the caller creates it once every check has passed).
    """
    name = clean(name)
    if venue_id is not None:
        venue = db.session.get(Venue, venue_id)
        if venue is None:
            raise ServiceError(_("所选场地不存在，请重新选择。"), "venue_name")
        if name is None or venue.name == name:
            return venue.id
    if name is None:
        return None
    venue = venue_named(name)
    if venue is not None:
        return venue.id
    if allow_new:
        return None
    similar = [v.name for v in search_venues(name, 5)]
    if similar:
        raise ServiceError(
            _(
                "没有名为“%(name)s”的场地。您要找的是不是：%(names)s？也可以勾选“新建此场地”。",
                name=name,
                names="、".join(similar),
            ),
            "venue_name",
        )
    raise ServiceError(_("没有名为“%(name)s”的场地。要新建，请勾选“新建此场地”。", name=name), "venue_name")


# ---------------------------------------------------------------- speakers


SPEAKER_FIELDS = ("name", "title", "affiliation", "phone", "bio")


@dataclass
class SpeakerData:
    name: str
    title: str | None = None
    affiliation: str | None = None
    phone: str | None = None
    bio: str | None = None


def _speaker_apply(sp: Speaker, data: SpeakerData) -> None:
    name = clean(data.name)
    if not name:
        raise ServiceError(_("请填写授课人姓名。"), "name")
    title = clean(data.title) or ""
    twin = db.session.scalar(
        select(Speaker).where(Speaker.name == name, Speaker.title == title, Speaker.id != sp.id)
    )
    if twin is not None:
        raise ServiceError(_("已有同名同职称的授课人“%(label)s”。", label=twin.label), "name")
    sp.name = name
    sp.title = title
    sp.affiliation = clean(data.affiliation)
    sp.phone = clean(data.phone)
    sp.bio = (data.bio or "").strip() or None


def create_speaker(data: SpeakerData) -> Speaker:
    return _create(Speaker(), _speaker_apply, data, "speaker", SPEAKER_FIELDS)


def update_speaker(speaker_id: int, data: SpeakerData) -> bool:
    return _update(Speaker, speaker_id, _speaker_apply, data, "speaker", SPEAKER_FIELDS)


def _create(row, apply, data, kind: str, fields: tuple[str, ...]):
    """Create a speaker or venue: `apply` checks and copies the data, then it is flushed and audited."""
    apply(row, data)
    db.session.add(row)
    db.session.flush()
    audit.record(f"{kind}.created", row, after=audit.snapshot(row, fields))
    return row


def _update(model, row_id: int, apply, data, kind: str, fields: tuple[str, ...]) -> bool:
    """Update a speaker or venue; False (nothing written or audited) when nothing changed."""
    row = db.session.get(model, row_id)
    if row is None:
        raise NotFound()
    before = audit.snapshot(row, fields)
    apply(row, data)
    after = audit.snapshot(row, fields)
    if after == before:
        return False
    db.session.flush()
    audit.record(f"{kind}.updated", row, before=before, after=after)
    return True


# ---------------------------------------------------------------- venues


VENUE_FIELDS = ("name", "address", "capacity", "notes")


@dataclass
class VenueData:
    name: str
    address: str | None = None
    capacity: int | None = None
    notes: str | None = None


def _venue_apply(v: Venue, data: VenueData) -> None:
    name = clean(data.name)
    if not name:
        raise ServiceError(_("请填写场地名称。"), "name")
    twin = venue_named(name)
    if twin is not None and twin.id != v.id:
        raise ServiceError(_("已有名为“%(name)s”的场地。", name=twin.name), "name")
    if data.capacity is not None and not 0 < data.capacity <= 100000:
        raise ServiceError(_("容纳人数应为 1 到 100000 之间的整数。"), "capacity")
    v.name = name
    v.address = clean(data.address)
    v.capacity = data.capacity
    v.notes = (data.notes or "").strip() or None


def create_venue(data: VenueData) -> Venue:
    return _create(Venue(), _venue_apply, data, "venue", VENUE_FIELDS)


def update_venue(venue_id: int, data: VenueData) -> bool:
    return _update(Venue, venue_id, _venue_apply, data, "venue", VENUE_FIELDS)


# ---------------------------------------------------------------- cohort goals

MAX_GOAL_LENGTH = 64


def _goal_name(name: str | None) -> str:
    name = clean(name)
    if not name:
        raise ServiceError(_("请填写培训目标的名称。"), "goal_name")
    if len(name) > MAX_GOAL_LENGTH:
        raise ServiceError(_("培训目标最多 %(max)s 个字。", max=MAX_GOAL_LENGTH), "goal_name")
    return name


def refuse_archived(cohort: Cohort) -> None:
    """An archived cohort keeps its programme (sessions and goals) as it was."""
    if cohort.is_archived:
        raise ServiceError(_("培训班“%(name)s”已归档，不能再修改课程安排。请先取消归档。", name=cohort.name))


def _goal_of(cohort: Cohort, goal_id: int | None) -> CohortGoal:
    goal = next((g for g in cohort.goals if g.id == goal_id), None)
    if goal is None:
        raise NotFound(_("找不到这个培训目标，可能已被删除。"))
    return goal


def _refuse_duplicate(cohort: Cohort, name: str, goal: CohortGoal | None = None) -> None:
    if any(g.name == name and g is not goal for g in cohort.goals):
        raise ServiceError(_("本班已有培训目标“%(name)s”。", name=name), "goal_name")


def _renumber(cohort: Cohort) -> None:
    for n, g in enumerate(cohort.goals):
        g.position = n


def add_goal(cohort: Cohort, name: str | None) -> CohortGoal:
    refuse_archived(cohort)
    name = _goal_name(name)
    _refuse_duplicate(cohort, name)
    goal = CohortGoal(cohort=cohort, name=name, position=len(cohort.goals))
    db.session.add(goal)
    db.session.flush()
    audit.record("goal.created", goal, cohort_id=cohort.id, after={"name": name})
    return goal


def rename_goal(cohort: Cohort, goal_id: int | None, name: str | None) -> bool:
    refuse_archived(cohort)
    goal = _goal_of(cohort, goal_id)
    name = _goal_name(name)
    if goal.name == name:
        return False
    _refuse_duplicate(cohort, name, goal)
    before = goal.name
    goal.name = name
    db.session.flush()
    audit.record("goal.renamed", goal, cohort_id=cohort.id, before={"name": before}, after={"name": name})
    return True


def remove_goal(cohort: Cohort, goal_id: int | None) -> str:
    """Remove a goal; sessions tagged with it lose the tag."""
    refuse_archived(cohort)
    goal = _goal_of(cohort, goal_id)
    name = goal.name
    audit.record("goal.removed", goal, cohort_id=cohort.id, before={"name": name})
    cohort.goals.remove(goal)
    db.session.delete(goal)
    db.session.flush()
    _renumber(cohort)
    return name


def move_goal(cohort: Cohort, goal_id: int | None, step: int) -> bool:
    """Move a goal one place up (-1) or down (+1) in the cohort's list."""
    refuse_archived(cohort)
    goal = _goal_of(cohort, goal_id)
    goals = list(cohort.goals)
    index = goals.index(goal)
    target = index + step
    if not 0 <= target < len(goals):
        return False
    goals[index], goals[target] = goals[target], goals[index]
    for n, g in enumerate(goals):
        g.position = n
    db.session.flush()
    audit.record("goal.reordered", cohort, cohort_id=cohort.id, after={"goals": [g.name for g in goals]})
    return True
