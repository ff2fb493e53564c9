"""`flask cadre demo`: the 2025 青蓝接力 cohort of 天目西路街道 as demo data.

Loading is idempotent: when the cohort QLJL2025 exists, its data is left as it
is; only the passwords of the demo accounts are set when --password is given
(and differs from what they have).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

import click
from sqlalchemy import func, insert, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from cadre import audit
from cadre import demo_data as data
from cadre.extensions import db
from cadre.models import (
    AttendanceRecord,
    AttendanceStatus,
    ClassRole,
    Cohort,
    Enrollment,
    LeaveRequest,
    LeaveStatus,
    Role,
    SessionSpeaker,
    SignInMethod,
    Speaker,
    Trainee,
    TrainingSession,
    User,
    Venue,
    VisitStop,
)
from cadre.services import begin_write

DEMO_URL = "http://127.0.0.1:5000"


class DemoError(Exception):
    """The demo cannot be loaded into this database as it is; nothing was written."""


@dataclass
class DemoResult:
    created: bool
    cohort: Cohort
    trainee_count: int = 0
    group_count: int = 0
    session_count: int = 0
    attendance_count: int = 0
    passwords_set: int = 0
    notes: list[str] = field(default_factory=list)


def load_demo(password: str | None, trainees: int = data.DEFAULT_TRAINEES) -> DemoResult:
    """Load the demo cohort, or find it loaded; commit, or roll back and raise.

    `password` None on a first load is an error: the caller picks a random one
    so that it can print it.
    """
    begin_write()
    try:
        cohort = db.session.scalar(select(Cohort).where(Cohort.code == data.COHORT_CODE))
        if cohort is None:
            if password is None:
                raise ValueError("a first load needs a password")
            result = _create(password, trainees)
        else:
            result = _refresh(cohort, password, trainees)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result


# --- first load ----------------------------------------------------------------


def _account(username: str, role: Role, display_name: str, password_hash: str, **kw) -> User:
    """The named demo account: created, or an existing one of the same role taken over."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, role=role, created_at=data.PREPARED_AT)
        db.session.add(user)
    elif user.role != role:
        raise DemoError(
            f"user {username!r} exists with role {user.role.value}, not {role.value}; "
            "load the demo into an empty database"
        )
    user.display_name = display_name
    user.password_hash = password_hash
    user.must_change_password = False
    user.is_active_account = True
    for key, value in kw.items():
        setattr(user, key, value)
    return user


def _create(password: str, count: int) -> DemoResult:
    password_hash = generate_password_hash(password)  # once: hashing costs ~0.1 s a time
    admin = _account(data.ADMIN["username"], Role.ADMIN, data.ADMIN["display_name"], password_hash)
    organizer = _account(
        data.ORGANIZER["username"], Role.ORGANIZER, data.ORGANIZER["display_name"], password_hash
    )
    venues = _venues()
    cohort = Cohort(**data.COHORT, default_venue=venues[data.MAIN_VENUE], created_at=data.PREPARED_AT)
    cohort.organizers = [organizer]
    db.session.add(cohort)
    sessions = _timetable(cohort, venues, _speakers())
    db.session.flush()

    # Trainees, enrollments, logins and attendance go in as bulk inserts: 1,000 trainees
    # make 16,000 attendance rows, too many for the unit of work to be quick.
    taken = set(db.session.scalars(select(Trainee.phone).where(Trainee.phone.is_not(None))))
    taken |= set(db.session.scalars(select(User.username)))
    people = data.generate_people(count, taken_phones=taken)
    placements = data.plan_groups(count)
    plan = data.plan_attendance(placements)
    trainee_ids = _insert_trainees(cohort, people, placements)
    special = {plan.leader_index: data.LEADER_USERNAME, plan.trainee_index: data.TRAINEE_USERNAME}
    user_ids = _insert_trainee_logins(people, trainee_ids, special, password_hash)
    # Off-site, each group's leader takes the roll call.
    roll_caller = {
        placements[i].group: user_ids[i]
        for i in range(count)
        if placements[i].class_role == ClassRole.GROUP_LEADER
    }

    rows = []
    for rec in plan.attendance:
        session = sessions[rec.session_index]
        if rec.method == SignInMethod.ROLL_CALL:
            recorded_by = roll_caller[placements[rec.trainee_index].group]
        elif rec.method == SignInMethod.MANUAL:
            recorded_by = organizer.id
        else:
            recorded_by = None
        # Without a sign-in, the organizer fills in the register after the session.
        stamp = rec.signed_in_at or session.ends_at + timedelta(minutes=30)
        rows.append(
            {
                "session_id": session.id,
                "trainee_id": trainee_ids[rec.trainee_index],
                "status": rec.status,
                "signed_in_at": rec.signed_in_at,
                "method": rec.method,
                "recorded_by_id": recorded_by,
                "note": "已请假（已批准）" if rec.status == AttendanceStatus.EXCUSED else None,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
    db.session.execute(insert(AttendanceRecord), rows)
    db.session.execute(
        insert(LeaveRequest),
        [
            {
                "session_id": sessions[lv.session_index].id,
                "trainee_id": trainee_ids[lv.trainee_index],
                "reason": lv.reason,
                "status": LeaveStatus.APPROVED,
                "requested_at": lv.requested_at,
                "decided_by_id": organizer.id,
                "decided_at": lv.decided_at,
                "decision_note": data.LEAVE_DECISION_NOTE,
            }
            for lv in plan.leaves
        ],
    )

    result = DemoResult(
        created=True,
        cohort=cohort,
        trainee_count=count,
        group_count=len({p.group for p in placements}),
        session_count=len(sessions),
        attendance_count=len(rows),
    )
    audit.record(
        "demo.loaded",
        cohort,
        cohort_id=cohort.id,
        after={
            "code": cohort.code,
            "trainees": count,
            "groups": result.group_count,
            "sessions": len(sessions),
            "attendance_records": len(rows),
            "leave_requests": len(plan.leaves),
            "accounts": [admin.username, organizer.username, *special.values()],
        },
    )
    return result


def _timetable(cohort: Cohort, venues: dict[str, Venue], speakers: dict[str, Speaker]):
    sessions = []
    for plan in data.SESSIONS:
        session = TrainingSession(
            cohort=cohort,
            kind=plan.kind,
            title=plan.title,
            starts_at=plan.starts_at,
            ends_at=plan.ends_at,
            venue=venues[plan.venue] if plan.venue else None,
            credit_hours=plan.credit_hours,
            is_required=plan.is_required,
            description=plan.description,
        )
        session.speaker_links = [
            SessionSpeaker(speaker=speakers[name], position=pos) for pos, name in enumerate(plan.speakers)
        ]
        session.stops = [
            VisitStop(
                position=pos,
                name=stop.name,
                address=stop.address,
                host=stop.host,
                description=stop.description,
            )
            for pos, stop in enumerate(plan.stops, start=1)
        ]
        sessions.append(session)
    db.session.add_all(sessions)
    return sessions


def _insert_trainees(
    cohort: Cohort, people: list[data.Person], placements: list[data.Placement]
) -> list[int]:
    """Trainees and their enrollments; the trainees' ids in the order of `people`."""
    trainee_ids = list(
        db.session.scalars(
            insert(Trainee).returning(Trainee.id, sort_by_parameter_order=True),
            [
                {
                    "name": p.name,
                    "gender": p.gender,
                    "birth_year": p.birth_year,
                    "birth_month": p.birth_month,
                    "phone": p.phone,
                    "community": p.community,
                    "position": p.position,
                    "political_status": p.political_status,
                    "education": p.education,
                    "created_at": data.PREPARED_AT,
                    "updated_at": data.PREPARED_AT,
                }
                for p in people
            ],
        )
    )
    db.session.execute(
        insert(Enrollment),
        [
            {
                "cohort_id": cohort.id,
                "trainee_id": trainee_id,
                "group": placement.group,
                "class_role": placement.class_role,
                "enrolled_at": data.PREPARED_AT,
            }
            for trainee_id, placement in zip(trainee_ids, placements, strict=True)
        ],
    )
    return trainee_ids


def _insert_trainee_logins(
    people: list[data.Person], trainee_ids: list[int], special: dict[int, str], password_hash: str
) -> list[int]:
    """A login per trainee: the named demo accounts for `special`, the phone number for the rest."""
    for index, username in special.items():
        _account(
            username,
            Role.TRAINEE,
            people[index].name,
            password_hash,
            trainee_id=trainee_ids[index],
            created_at=data.PREPARED_AT,
        )
    db.session.flush()
    others = [i for i in range(len(people)) if i not in special]
    ids = db.session.scalars(
        insert(User).returning(User.id, sort_by_parameter_order=True),
        [
            {
                "username": people[i].phone,
                "display_name": people[i].name,
                "password_hash": password_hash,
                "role": Role.TRAINEE,
                "must_change_password": False,
                "trainee_id": trainee_ids[i],
                "created_at": data.PREPARED_AT,
            }
            for i in others
        ],
    )
    user_ids = dict(zip(others, ids, strict=True))
    for index, username in special.items():
        user_ids[index] = db.session.scalar(select(User.id).where(User.username == username))
    return [user_ids[i] for i in range(len(people))]


def _venues() -> dict[str, Venue]:
    found = {
        v.name: v
        for v in db.session.scalars(select(Venue).where(Venue.name.in_([v["name"] for v in data.VENUES])))
    }
    for spec in data.VENUES:
        if spec["name"] not in found:
            found[spec["name"]] = Venue(**spec)
            db.session.add(found[spec["name"]])
    return found


def _speakers() -> dict[str, Speaker]:
    found = {
        s.name: s
        for s in db.session.scalars(select(Speaker).where(Speaker.name.in_(list(data.SPEAKERS))))
        if data.SPEAKERS.get(s.name) == s.title
    }
    for name, title in data.SPEAKERS.items():
        if name not in found:
            found[name] = Speaker(name=name, title=title)
            db.session.add(found[name])
    return found


# --- second load ---------------------------------------------------------------


def _demo_users_stmt(cohort: Cohort):
    enrolled = select(Enrollment.trainee_id).where(Enrollment.cohort_id == cohort.id)
    return select(User).where(
        User.username.in_([data.ADMIN["username"], data.ORGANIZER["username"]])
        | User.trainee_id.in_(enrolled)
    )


def _refresh(cohort: Cohort, password: str | None, count: int) -> DemoResult:
    """The cohort is there: leave its data; give the demo accounts `password` if it is new to them."""
    trainee_count = db.session.scalar(
        select(func.count()).select_from(Enrollment).where(Enrollment.cohort_id == cohort.id)
    )
    result = DemoResult(created=False, cohort=cohort, trainee_count=trainee_count)
    if count != trainee_count:
        result.notes.append(
            f"--trainees {count} ignored: the loaded cohort has {trainee_count} trainees "
            "(use an empty database for another size)"
        )
    if password is None:
        return result

    users = db.session.scalars(_demo_users_stmt(cohort)).all()
    # The accounts share one hash unless someone changed theirs: check each distinct hash once.
    hashes = {u.password_hash for u in users}
    stale = {h for h in hashes if not check_password_hash(h, password)}
    ids = [u.id for u in users if u.password_hash in stale]
    if ids:
        db.session.execute(
            update(User)
            .where(User.id.in_(ids))
            .values(password_hash=generate_password_hash(password), must_change_password=False),
            execution_options={"synchronize_session": False},
        )
        audit.record(
            "demo.passwords_set",
            cohort,
            cohort_id=cohort.id,
            after={"accounts": len(ids)},
        )
    result.passwords_set = len(ids)
    return result


# --- command -------------------------------------------------------------------


# Plain names for the terminal (the translated labels need a request).
_ROLE_NAMES = {ClassRole.MONITOR: "班长", ClassRole.GROUP_LEADER: "组长", ClassRole.MEMBER: "学员"}


def _login_lines(cohort: Cohort) -> list[str]:
    """Lines describing the demo accounts as they are in the database."""
    lines = []
    for username in (data.ADMIN["username"], data.ORGANIZER["username"]):
        user = db.session.scalar(select(User).where(User.username == username))
        if user is not None:
            what = "admin" if user.is_admin else f"organizer of {cohort.code}"
            lines.append(f"  {username:<12} {user.display_name} ({what})")

    def trainee_rows(condition, limit=None):
        stmt = (
            select(User.username, User.display_name, Enrollment.group, Enrollment.class_role)
            .join(Enrollment, Enrollment.trainee_id == User.trainee_id)
            .where(Enrollment.cohort_id == cohort.id, condition)
            .order_by(Enrollment.id)
        )
        return db.session.execute(stmt.limit(limit) if limit else stmt).all()

    special = [data.LEADER_USERNAME, data.TRAINEE_USERNAME]
    for username, name, group, role in sorted(
        trainee_rows(User.username.in_(special)), key=lambda r: special.index(r[0])
    ):
        lines.append(f"  {username:<12} {name} (trainee, {group}{_ROLE_NAMES[role]})")
    others = trainee_rows(User.username.not_in(special), limit=2)
    if others:
        lines.append("  Every other trainee logs in with their phone number, e.g.:")
        for username, name, group, role in others:
            lines.append(f"  {username:<12} {name} (trainee, {group}{_ROLE_NAMES[role]})")
    return lines


def register(group) -> None:
    """Add the demo command to the `cadre` command group."""

    @group.command("demo")
    @click.option(
        "--password",
        default=None,
        help="Password of every demo account. Omitted: a random one is printed on a first load, "
        "and a second load leaves passwords as they are.",
    )
    @click.option(
        "--trainees",
        type=click.IntRange(5, 10_000),
        default=data.DEFAULT_TRAINEES,
        show_default=True,
        help="How many trainees the cohort gets (for measuring at scale).",
    )
    def demo_command(password: str | None, trainees: int) -> None:
        """Load the 2025 青蓝接力 demo cohort (QLJL2025) with its accounts. Loading twice changes nothing."""
        from cadre.auth.passwords import random_password

        if password is not None and len(password) < 8:
            raise click.BadParameter("password must have at least 8 characters", param_hint="--password")
        exists = db.session.scalar(select(Cohort.id).where(Cohort.code == data.COHORT_CODE)) is not None
        db.session.rollback()  # end the read so that the load starts a write transaction
        generated = password is None and not exists
        if generated:
            password = random_password()
        started = time.perf_counter()
        try:
            result = load_demo(password, trainees)
        except DemoError as exc:
            raise click.ClickException(f"{exc}. Nothing was written.") from exc
        elapsed = time.perf_counter() - started

        cohort = result.cohort
        if result.created:
            click.echo(
                f"Loaded demo cohort {cohort.code} {cohort.name}: {result.trainee_count} trainees "
                f"in {result.group_count} groups, {result.session_count} sessions, "
                f"{result.attendance_count} attendance records ({elapsed:.1f} s)."
            )
        else:
            click.echo(
                f"Demo cohort {cohort.code} is already loaded ({result.trainee_count} trainees); "
                "its data is left as it is."
            )
            if password is None:
                click.echo("Passwords unchanged (give --password to set one for every demo account).")
            elif result.passwords_set:
                click.echo(f"Password set for {result.passwords_set} demo accounts.")
            else:
                click.echo("The demo accounts already have this password.")
        for note in result.notes:
            click.echo(f"Note: {note}")

        click.echo(f"\nDemo logins at {DEMO_URL}")
        for line in _login_lines(cohort):
            click.echo(line)
        if generated:
            click.echo(f"Password of every demo account (random, shown only now): {password}")
        elif password is not None:
            click.echo(f"Password of every demo account: {password}")
