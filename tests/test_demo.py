"""`flask cadre demo`: the 青蓝接力 cohort, its accounts, attendance, idempotency, scale."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from cadre.demo_data import chinese_number, generate_people, group_name
from cadre.extensions import db
from cadre.models import (
    AttendanceRecord,
    AttendanceStatus,
    AuditEvent,
    ClassRole,
    Cohort,
    Enrollment,
    LeaveRequest,
    LeaveStatus,
    Role,
    SessionKind,
    Trainee,
    TrainingSession,
    User,
)
from cadre.rules.trainee_fields import normalize_phone
from tests.factories import login, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEMO_PASSWORD = "qinglan-2025"


def load(runner, *args: str):
    result = runner.invoke(args=["cadre", "demo", *args])
    assert result.exit_code == 0, result.output
    return result


def demo_cohort() -> Cohort:
    return db.session.scalar(select(Cohort).where(Cohort.code == "QLJL2025"))


def sessions_of(cohort: Cohort) -> list[TrainingSession]:
    return db.session.scalars(
        select(TrainingSession)
        .where(TrainingSession.cohort_id == cohort.id)
        .order_by(TrainingSession.starts_at)
    ).all()


def enrollments_of(cohort: Cohort) -> list[Enrollment]:
    return db.session.scalars(select(Enrollment).where(Enrollment.cohort_id == cohort.id)).all()


def row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def attended_share(cohort: Cohort, *, excused_counts: bool) -> dict[int, Decimal]:
    """Share of credit hours each trainee attended (present or late, optionally excused)."""
    sessions = {s.id: s for s in sessions_of(cohort)}
    total = sum(s.credit_hours for s in sessions.values())
    counted = {AttendanceStatus.PRESENT, AttendanceStatus.LATE}
    if excused_counts:
        counted.add(AttendanceStatus.EXCUSED)
    earned: dict[int, Decimal] = defaultdict(Decimal)
    for rec in db.session.scalars(select(AttendanceRecord)):
        if rec.status in counted:
            earned[rec.trainee_id] += sessions[rec.session_id].credit_hours
    return {e.trainee_id: earned[e.trainee_id] / total for e in enrollments_of(cohort)}


# --- what is loaded ------------------------------------------------------------------


def test_demo_loads_the_cohort_of_the_article(app, runner):
    result = load(runner, "--password", DEMO_PASSWORD)

    cohort = demo_cohort()
    assert cohort.name == "2025年居民区后备队伍“青蓝接力”计划培训班"
    assert cohort.organizing_unit == "天目西路街道党建办"
    assert (cohort.start_date, cohort.end_date) == (date(2025, 5, 9), date(2025, 6, 27))
    assert cohort.min_attendance_percent == 80
    assert cohort.minutes_per_credit_hour == 45
    assert "议事协商" in cohort.description and "“两委”换届" in cohort.description
    assert [u.username for u in cohort.organizers] == ["organizer"]
    assert "29 trainees in 5 groups" in result.output


def test_demo_has_29_trainees_in_5_groups_each_with_a_leader_and_one_monitor(app, runner):
    load(runner, "--password", DEMO_PASSWORD)

    enrollments = enrollments_of(demo_cohort())
    assert len(enrollments) == 29
    groups = Counter(e.group for e in enrollments)
    assert sorted(groups) == sorted(["第一组", "第二组", "第三组", "第四组", "第五组"])
    assert all(5 <= size <= 6 for size in groups.values())
    leaders = Counter(e.group for e in enrollments if e.class_role == ClassRole.GROUP_LEADER)
    assert leaders == Counter({g: 1 for g in groups})
    assert sum(e.class_role == ClassRole.MONITOR for e in enrollments) == 1


def test_demo_trainees_are_plausible_and_unique_by_phone(app, runner):
    load(runner, "--password", DEMO_PASSWORD)

    trainees = db.session.scalars(select(Trainee)).all()
    assert len(trainees) == 29
    assert len({t.phone for t in trainees}) == 29
    assert len({t.name for t in trainees}) == 29
    for t in trainees:
        assert normalize_phone(t.phone) == t.phone
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", t.name), t.name
        assert 1980 <= t.birth_year <= 1998 and 1 <= t.birth_month <= 12
        assert t.community.endswith("居民区")
        assert t.gender is not None and t.position and t.political_status and t.education


def test_demo_names_are_the_same_on_every_load():
    first = generate_people(29)
    assert generate_people(29) == first
    assert [p.name for p in generate_people(40)[:29]] == [p.name for p in first]


def test_opening_day_has_ceremony_first_lesson_and_site_visit_with_two_stops(app, runner):
    load(runner, "--password", DEMO_PASSWORD)

    day_one = [
        s for s in sessions_of(demo_cohort()) if s.starts_at.astimezone(SHANGHAI).date() == date(2025, 5, 9)
    ]
    assert [s.kind for s in day_one] == [SessionKind.CEREMONY, SessionKind.LECTURE, SessionKind.SITE_VISIT]
    ceremony, lecture, visit = day_one
    assert ceremony.starts_at.astimezone(SHANGHAI).hour < 12
    assert (ceremony.speakers[0].name, ceremony.speakers[0].label) == (
        "董启蒙",
        "董启蒙（街道党工委书记、人大街工委主任）",
    )
    assert "动员讲话" in ceremony.title
    assert "开班第一课" in lecture.title
    assert "《以习近平新时代中国特色社会主义思想引领新征程》" in lecture.title
    assert (lecture.speakers[0].name, lecture.speakers[0].label) == (
        "张雪梅",
        "张雪梅（上海交通大学马克思主义学院教授、博士生导师）",
    )
    assert lecture.ends_at.astimezone(SHANGHAI).hour < 12
    assert visit.starts_at.astimezone(SHANGHAI).strftime("%H:%M") == "13:30"
    assert [(stop.position, stop.name) for stop in visit.stops] == [
        (1, "宝山区大场镇党群服务中心"),
        (2, "慧华苑居民区党群服务站"),
    ]


def test_timetable_runs_to_27_june_mixing_kinds_with_credit_hours_matching_durations(app, runner):
    load(runner, "--password", DEMO_PASSWORD)

    sessions = sessions_of(demo_cohort())
    assert 12 <= len(sessions) <= 18
    assert sessions[-1].starts_at.astimezone(SHANGHAI).date() == date(2025, 6, 27)
    assert "结业" in sessions[-1].title
    kinds = Counter(s.kind for s in sessions)
    assert kinds[SessionKind.LECTURE] >= 4
    assert kinds[SessionKind.ONSITE] >= 2
    assert kinds[SessionKind.EXCHANGE] >= 2
    assert sum(s.is_required for s in sessions) > len(sessions) * 3 / 4
    for s in sessions:
        assert s.starts_at.tzinfo is not None
        assert s.ends_at - s.starts_at == timedelta(minutes=45) * int(s.credit_hours), s.title
        assert s.venue is not None or s.stops
    for earlier, later in zip(sessions, sessions[1:], strict=False):
        assert earlier.ends_at <= later.starts_at  # no overlaps


# --- attendance ------------------------------------------------------------------------


def test_attendance_is_recorded_for_every_session_and_trainee(app, runner):
    load(runner, "--password", DEMO_PASSWORD)
    cohort = demo_cohort()
    sessions = {s.id: s for s in sessions_of(cohort)}
    trainee_ids = {e.trainee_id for e in enrollments_of(cohort)}

    records = db.session.scalars(select(AttendanceRecord)).all()
    assert {(r.session_id, r.trainee_id) for r in records} == {(s, t) for s in sessions for t in trainee_ids}
    assert len(records) == len(sessions) * len(trainee_ids)

    statuses = Counter(r.status for r in records)
    assert statuses[AttendanceStatus.PRESENT] > 0.85 * len(records)
    assert 1 <= statuses[AttendanceStatus.LATE] <= 0.1 * len(records)
    assert 1 <= statuses[AttendanceStatus.EXCUSED] <= 2
    for r in records:
        start = sessions[r.session_id].starts_at
        if r.status == AttendanceStatus.PRESENT:
            assert r.signed_in_at < start
        elif r.status == AttendanceStatus.LATE:
            assert timedelta(minutes=5) <= r.signed_in_at - start <= timedelta(minutes=20)
        else:
            assert r.signed_in_at is None


def test_excused_trainees_have_approved_leave_decided_by_the_organizer(app, runner):
    load(runner, "--password", DEMO_PASSWORD)
    organizer = db.session.scalar(select(User).where(User.username == "organizer"))

    excused = {
        (r.session_id, r.trainee_id)
        for r in db.session.scalars(
            select(AttendanceRecord).where(AttendanceRecord.status == AttendanceStatus.EXCUSED)
        )
    }
    leaves = db.session.scalars(select(LeaveRequest)).all()
    assert {(lv.session_id, lv.trainee_id) for lv in leaves} == excused
    for lv in leaves:
        assert lv.status == LeaveStatus.APPROVED
        assert lv.reason
        assert lv.decided_by_id == organizer.id
        assert lv.requested_at < lv.decided_at < lv.session.starts_at


def test_exactly_one_trainee_misses_80_percent_of_credit_hours(app, runner):
    load(runner, "--password", DEMO_PASSWORD)
    cohort = demo_cohort()

    # Whatever a completion rule makes of approved leave, the same single trainee falls short.
    for excused_counts in (False, True):
        shares = attended_share(cohort, excused_counts=excused_counts)
        short = [t for t, share in shares.items() if share < Decimal("0.8")]
        assert len(short) == 1
    absences = db.session.scalar(
        select(func.count())
        .select_from(AttendanceRecord)
        .where(AttendanceRecord.trainee_id == short[0], AttendanceRecord.status == AttendanceStatus.ABSENT)
    )
    assert absences >= 3


# --- accounts ----------------------------------------------------------------------------


def test_demo_accounts_exist_with_roles_and_no_forced_password_change(app, runner):
    load(runner, "--password", DEMO_PASSWORD)
    cohort = demo_cohort()
    users = {u.username: u for u in db.session.scalars(select(User))}

    assert users["admin"].role == Role.ADMIN
    assert users["organizer"].role == Role.ORGANIZER
    leader_enrollment = db.session.scalar(
        select(Enrollment).where(Enrollment.trainee_id == users["leader"].trainee_id)
    )
    assert leader_enrollment.is_leader and leader_enrollment.cohort_id == cohort.id
    trainee_enrollment = db.session.scalar(
        select(Enrollment).where(Enrollment.trainee_id == users["trainee"].trainee_id)
    )
    assert trainee_enrollment.class_role == ClassRole.MEMBER
    # Every trainee has a login: by phone number, or `leader` / `trainee` for those two.
    by_trainee = {u.trainee_id: u for u in users.values() if u.trainee_id}
    for e in enrollments_of(cohort):
        user = by_trainee[e.trainee_id]
        assert user.role == Role.TRAINEE
        assert user.username in ("leader", "trainee", e.trainee.phone)
        assert user.display_name == e.trainee.name
    assert len(users) == 29 + 2
    assert not any(u.must_change_password for u in users.values())


def test_demo_accounts_log_in_and_organizer_sees_the_cohort(app, runner, client):
    load(runner, "--password", DEMO_PASSWORD)
    cohort = demo_cohort()
    some_trainee = db.session.scalar(
        select(User).where(User.role == Role.TRAINEE, User.username.not_in(["leader", "trainee"]))
    )

    page = login(client, "organizer", DEMO_PASSWORD).get_data(as_text=True)
    assert cohort.name in page and "QLJL2025" in page
    detail = client.get(f"/cohorts/{cohort.id}")
    assert detail.status_code == 200
    assert "宝山区大场镇党群服务中心" in detail.get_data(as_text=True)
    client.post("/auth/logout")

    for username in ("admin", "leader", "trainee", some_trainee.username):
        response = login(client, username, DEMO_PASSWORD)
        assert response.status_code == 200
        assert "/auth/password" not in response.request.path
        assert db.session.scalar(select(User.last_login_at).where(User.username == username)) is not None
        client.post("/auth/logout")

    response = login(client, "trainee", DEMO_PASSWORD)
    assert cohort.name in response.get_data(as_text=True)


def test_demo_prints_the_logins_and_url(app, runner):
    result = load(runner, "--password", DEMO_PASSWORD)

    for username in ("admin", "organizer", "leader", "trainee"):
        assert re.search(rf"^  {username}\s", result.output, re.M)
    assert "Demo logins at " + app.config["PUBLIC_URL"].rstrip("/") in result.output
    assert DEMO_PASSWORD in result.output


def test_without_password_a_random_one_is_printed_once_and_works(app, runner, client):
    result = load(runner)

    match = re.search(r"\(random, shown only now\): (\S+)", result.output)
    assert match, result.output
    password = match.group(1)
    assert len(password) >= 8
    assert result.output.count(password) == 1
    assert "我的培训班" in login(client, "organizer", password).get_data(as_text=True)


def test_demo_writes_one_audit_event(app, runner):
    load(runner, "--password", DEMO_PASSWORD)

    events = db.session.scalars(select(AuditEvent)).all()
    assert [e.action for e in events] == ["demo.loaded"]
    assert events[0].cohort_id == demo_cohort().id
    assert events[0].after["trainees"] == 29


# --- loading again ----------------------------------------------------------------------------


def test_loading_twice_changes_nothing(app, runner, client):
    load(runner, "--password", DEMO_PASSWORD)
    counts = row_counts()
    attendance = db.session.execute(
        select(AttendanceRecord.session_id, AttendanceRecord.trainee_id, AttendanceRecord.status)
    ).all()
    hashes = dict(db.session.execute(select(User.username, User.password_hash)).all())
    db.session.rollback()

    result = load(runner, "--password", DEMO_PASSWORD)

    assert "already loaded" in result.output
    assert row_counts() == counts
    assert sorted(
        db.session.execute(
            select(AttendanceRecord.session_id, AttendanceRecord.trainee_id, AttendanceRecord.status)
        ).all()
    ) == sorted(attendance)
    assert dict(db.session.execute(select(User.username, User.password_hash)).all()) == hashes
    assert login(client, "leader", DEMO_PASSWORD).request.path == "/"


def test_loading_again_without_password_keeps_the_passwords(app, runner, client):
    load(runner, "--password", DEMO_PASSWORD)
    counts = row_counts()
    db.session.rollback()

    result = load(runner)

    assert "Passwords unchanged" in result.output
    assert "random" not in result.output
    assert row_counts() == counts
    assert login(client, "organizer", DEMO_PASSWORD).request.path == "/"


def test_loading_again_with_another_password_sets_it_on_every_demo_account(app, runner, client):
    load(runner, "--password", DEMO_PASSWORD)
    counts = row_counts()
    db.session.rollback()

    result = load(runner, "--password", "another-pass-9")

    assert "Password set for 31 demo accounts" in result.output
    after = row_counts()
    assert after.pop("audit_events") == counts.pop("audit_events") + 1
    assert after == counts
    assert db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all() == [
        "demo.loaded",
        "demo.passwords_set",
    ]
    assert login(client, "trainee", "another-pass-9").request.path == "/"
    client.post("/auth/logout")
    assert "用户名或密码错误" in login(client, "admin", DEMO_PASSWORD).get_data(as_text=True)


def test_loading_again_with_another_size_leaves_the_cohort_as_it_is(app, runner):
    load(runner, "--password", DEMO_PASSWORD)

    result = load(runner, "--password", DEMO_PASSWORD, "--trainees", "40")

    assert "--trainees 40 ignored" in result.output
    assert len(enrollments_of(demo_cohort())) == 29


def test_an_existing_username_with_another_role_stops_the_load_and_writes_nothing(app, runner):
    make_user(role=Role.TRAINEE, username="organizer")
    counts = row_counts()
    db.session.rollback()

    result = runner.invoke(args=["cadre", "demo", "--password", DEMO_PASSWORD])

    assert result.exit_code != 0
    assert "'organizer' exists" in result.output and "Nothing was written" in result.output
    assert row_counts() == counts


def test_existing_admin_account_is_taken_over_with_the_demo_password(app, runner, client):
    make_user(role=Role.ADMIN, username="admin", password="old-admin-pass")
    db.session.rollback()

    load(runner, "--password", DEMO_PASSWORD)

    assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "admin")) == 1
    assert login(client, "admin", DEMO_PASSWORD).request.path == "/"


def test_short_password_is_refused(app, runner):
    result = runner.invoke(args=["cadre", "demo", "--password", "short"])

    assert result.exit_code != 0
    assert "at least 8 characters" in result.output
    assert demo_cohort() is None


# --- scale ------------------------------------------------------------------------------------


def test_trainees_option_makes_the_same_cohort_bigger(app, runner, client):
    result = load(runner, "--password", DEMO_PASSWORD, "--trainees", "100")

    cohort = demo_cohort()
    enrollments = enrollments_of(cohort)
    assert len(enrollments) == 100
    groups = Counter(e.group for e in enrollments)
    assert len(groups) == 17 and max(groups.values()) <= 6
    assert "第十七组" in groups
    assert Counter(e.group for e in enrollments if e.class_role == ClassRole.GROUP_LEADER) == Counter(
        {g: 1 for g in groups}
    )
    assert sum(e.class_role == ClassRole.MONITOR for e in enrollments) == 1
    assert db.session.scalar(select(func.count(func.distinct(Trainee.phone)))) == 100
    assert db.session.scalar(select(func.count()).select_from(User)) == 102
    n_sessions = len(sessions_of(cohort))
    assert db.session.scalar(select(func.count()).select_from(AttendanceRecord)) == 100 * n_sessions
    short = [t for t, s in attended_share(cohort, excused_counts=True).items() if s < Decimal("0.8")]
    assert 2 <= len(short) <= 5
    assert "100 trainees in 17 groups" in result.output
    # The shared password hash works for every account.
    assert login(client, enrollments[-1].trainee.phone, DEMO_PASSWORD).request.path == "/"


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "一"),
        (10, "十"),
        (15, "十五"),
        (21, "二十一"),
        (100, "一百"),
        (105, "一百零五"),
        (167, "一百六十七"),
    ],
)
def test_group_numbers_are_written_in_chinese(n, text):
    assert chinese_number(n) == text
    assert group_name(n - 1) == f"第{text}组"


def test_session_times_are_shanghai_wall_clock(app, runner):
    load(runner, "--password", DEMO_PASSWORD)

    first = sessions_of(demo_cohort())[0]
    assert first.starts_at.astimezone(SHANGHAI) == datetime(2025, 5, 9, 9, 0, tzinfo=SHANGHAI)
