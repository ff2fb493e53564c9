"""`flask cadre demo`: the 2025 青蓝接力 cohort of 天目西路街道 as demo data.

Loading is idempotent: when the cohort QLJL2025 exists, its data is left as it
is; only the passwords of the demo accounts are set when --password is given
(and differs from what they have).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, insert, select, update
from werkzeug.security import check_password_hash

from cadre import audit
from cadre import demo_data as data
from cadre.auth.passwords import hash_password
from cadre.extensions import db
from cadre.models import (
    AttendanceRecord,
    AttendanceStatus,
    ClassRole,
    Cohort,
    CohortGoal,
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


def load_demo(
    password: str | None, trainees: int = data.DEFAULT_TRAINEES, sessions: int = len(data.SESSIONS)
) -> DemoResult:
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
            result = _create(password, trainees, data.program(sessions))
        else:
            result = _refresh(cohort, password, trainees, sessions)
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


def _create(password: str, count: int, program: tuple[data.SessionPlan, ...]) -> DemoResult:
    password_hash = hash_password(password)  # once: hashing costs ~0.1 s a time
    admin = _account(data.ADMIN["username"], Role.ADMIN, data.ADMIN["display_name"], password_hash)
    organizer = _account(
        data.ORGANIZER["username"], Role.ORGANIZER, data.ORGANIZER["display_name"], password_hash
    )
    venues = _venues()
    cohort = Cohort(**data.COHORT, default_venue=venues[data.MAIN_VENUE], created_at=data.PREPARED_AT)
    cohort.end_date = max(cohort.end_date, program[-1].day)
    cohort.organizers = [organizer]
    cohort.goals = [CohortGoal(name=name, position=pos) for pos, name in enumerate(data.GOALS)]
    db.session.add(cohort)
    sessions = _timetable(cohort, venues, _speakers(), program)
    db.session.flush()

    # Trainees, enrollments, logins and attendance go in as bulk inserts: 1,000 trainees
    # make 16,000 attendance rows, too many for the unit of work to be quick.
    taken = set(db.session.scalars(select(Trainee.phone).where(Trainee.phone.is_not(None))))
    taken |= set(db.session.scalars(select(User.username)))
    people = data.generate_people(count, taken_phones=taken)
    placements = data.plan_groups(count)
    plan = data.plan_attendance(placements, program)
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


def _timetable(cohort: Cohort, venues: dict[str, Venue], speakers: dict[str, Speaker], program):
    goals = {g.name: g for g in cohort.goals}
    sessions = []
    for plan in program:
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
            what_to_bring=plan.what_to_bring,
            sign_in_opens_minutes=plan.sign_in_opens_minutes,
            late_after_minutes=plan.late_after_minutes,
            sign_out_required=plan.sign_out_required,
            meeting_point=plan.meeting_point,
            departs_at=plan.at(plan.departs),
            returns_at=plan.at(plan.returns),
            transport=plan.transport,
            created_at=data.PREPARED_AT,
            updated_at=data.PREPARED_AT,
        )
        session.goals = [goals[name] for name in plan.goals]
        session.speaker_links = [
            SessionSpeaker(speaker=speakers[name], position=pos) for pos, name in enumerate(plan.speakers)
        ]
        session.stops = [
            VisitStop(
                position=pos,
                name=stop.name,
                address=stop.address,
                host=stop.host,
                host_phone=stop.host_phone,
                arrives_at=plan.at(stop.arrives),
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
    """The demo's speakers: the records already there under the same name and title, else new ones."""
    details = data.SPEAKER_DETAILS
    found = {
        s.name: s
        for s in db.session.scalars(select(Speaker).where(Speaker.name.in_(list(details))))
        if details[s.name][1] == s.title
    }
    for name, (affiliation, title) in details.items():
        if name not in found:
            found[name] = Speaker(name=name, title=title, affiliation=affiliation)
            db.session.add(found[name])
    return found


# --- second load ---------------------------------------------------------------


def _demo_users_stmt(cohort: Cohort):
    enrolled = select(Enrollment.trainee_id).where(Enrollment.cohort_id == cohort.id)
    return select(User).where(
        User.username.in_([data.ADMIN["username"], data.ORGANIZER["username"]])
        | User.trainee_id.in_(enrolled)
    )


def _refresh(cohort: Cohort, password: str | None, count: int, session_count: int) -> DemoResult:
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
    loaded_sessions = db.session.scalar(
        select(func.count()).select_from(TrainingSession).where(TrainingSession.cohort_id == cohort.id)
    )
    result.session_count = loaded_sessions
    if session_count != len(data.SESSIONS) and session_count != loaded_sessions:
        result.notes.append(
            f"--sessions {session_count} ignored: the loaded cohort has {loaded_sessions} sessions "
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
            .values(password_hash=hash_password(password), must_change_password=False),
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
