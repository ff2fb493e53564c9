"""Who may reach which route: every rule of the URL map, for every role.

Each endpoint must be listed in EXPECTATIONS; a new route without an entry
fails `test_every_route_has_expectations`, so access is decided when a route
is written, not discovered later.

Roles (in this order in the table):
    anon       not logged in
    trainee    a trainee enrolled in cohort A
    leader     a trainee of cohort A who is 组长 (another trainee than `trainee`)
    trainee_b  a trainee enrolled only in cohort B
    org_b      an organizer of cohort B only
    org_a      an organizer of cohort A
    admin      a system admin

Outcomes:
    O  200
    R  a redirect that is not the login page (e.g. the login page when logged in)
    L  302 to the login page
    D  denied: 403 or 404
    A  an allowed POST (sent with a blank form): 200, 302/303, or 400/409/422 for the
       blank form refused; never a 500, never 403/404

Denied (D) and login (L) POSTs must write nothing: every table is compared.
URL arguments come from a small world: cohort_id → cohort A, trainee_id → the
trainee's record, session_id → a session of A, and so on (ARGUMENTS below).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from flask import url_for
from sqlalchemy import select
from werkzeug.routing import IntegerConverter
from werkzeug.security import generate_password_hash

from cadre.extensions import db
from cadre.models import (
    AttendanceRecord,
    AttendanceStatus,
    Certificate,
    ClassRole,
    Cohort,
    CorrectionRequest,
    LeaveRequest,
    Reflection,
    Role,
    SessionFeedback,
    Speaker,
    SuspectedProxySignIn,
    User,
    Venue,
    VisitStop,
)
from cadre.rules.signin_tokens import make_token
from tests.factories import PASSWORD, enroll, make_cohort, make_session, make_trainee

ROLES = ("anon", "trainee", "leader", "trainee_b", "org_b", "org_a", "admin")

# A fast hash: the world has seven accounts and is built for every test.
_CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")

# fmt: off
#                                               anon trainee leader trainee_b org_b org_a admin
EXPECTATIONS: dict[str, dict[str, str]] = {
    # Public
    "static":                          {"GET":  "O O O O O O O"},
    "main.healthz":                    {"GET":  "O O O O O O O"},
    "main.set_language":               {"POST": "A A A A A A A"},
    "auth.login":                      {"GET":  "O R R R R R R",
                                        "POST": "A R R R R R R"},
    # Everyone logged in
    "main.home":                       {"GET":  "L O O O O O O"},
    "auth.logout":                     {"POST": "L A A A A A A"},
    "auth.change_password":            {"GET":  "L O O O O O O",
                                        "POST": "L A A A A A A"},
    # Cohorts: enrolled trainees and the cohort's organizers see it; organizers manage it
    "cohorts.index":                   {"GET":  "L O O O O O O"},
    "cohorts.detail":                  {"GET":  "L O O D D O O"},
    "cohorts.history":                 {"GET":  "L D D D D O O"},
    "cohorts.new":                     {"GET":  "L D D D O O O",
                                        "POST": "L D D D A A A"},
    "cohorts.edit":                    {"GET":  "L D D D D O O",
                                        "POST": "L D D D D A A"},
    "cohorts.archive":                 {"POST": "L D D D D A A"},
    "cohorts.unarchive":               {"POST": "L D D D D A A"},
    # The roster of cohort A: its organizers and admins only
    "cohorts.enrollments":             {"GET":  "L D D D D O O"},
    "cohorts.bulk_update_enrollments": {"POST": "L D D D D A A"},
    "cohorts.add_trainees":            {"GET":  "L D D D D O O",
                                        "POST": "L D D D D A A"},
    "cohorts.new_trainee":             {"GET":  "L D D D D O O",
                                        "POST": "L D D D D A A"},
    "cohorts.enrollment":              {"GET":  "L D D D D O O",
                                        "POST": "L D D D D A A"},
    "cohorts.withdraw_enrollment":     {"POST": "L D D D D A A"},
    "cohorts.reactivate_enrollment":   {"POST": "L D D D D A A"},
    "cohorts.remove_enrollment":       {"POST": "L D D D D A A"},
    # Spreadsheet import and export of cohort A's roster
    "imports.import_trainees":         {"GET":  "L D D D D O O",
                                        "POST": "L D D D D A A"},
    "imports.commit_import":           {"POST": "L D D D D A A"},
    "imports.export_roster":           {"GET":  "L D D D D O O"},
    "imports.template":                {"GET":  "L D D D O O O"},
    # Trainees: staff search them; trainee_id is `trainee` (enrolled in A), so `leader`
    # and `trainee_b` are other trainees and must not see that person's pages.
    "trainees.index":                  {"GET":  "L D D D O O O"},
    "trainees.create":                 {"GET":  "L D D D O O O",
                                        "POST": "L D D D A A A"},
    "trainees.detail":                 {"GET":  "L O D D D O O"},
    "trainees.edit":                   {"GET":  "L D D D D O O",
                                        "POST": "L D D D D A A"},
    "trainees.record":                 {"GET":  "L O D D D O O"},
    "trainees.record_pdf":             {"GET":  "L O D D D O O"},
    "trainees.my_record":              {"GET":  "L R R R D D D"},
    "trainees.reset_password":         {"POST": "L D D D D A A"},
    "trainees.cohort_accounts":        {"GET":  "L D D D D O O"},
    "trainees.create_accounts":        {"POST": "L D D D D A A"},
    # The schedule (课程安排) of cohort A: its organizers and admins; speakers and venues: all staff
    "schedule.index":                  {"GET":  "L D D D D O O"},
    "schedule.new_session":            {"GET":  "L D D D D O O",
                                        "POST": "L D D D D A A"},
    "schedule.edit_session":           {"GET":  "L D D D D O O",
                                        "POST": "L D D D D A A"},
    "schedule.cancel_session":         {"GET":  "L D D D D O O",
                                        "POST": "L D D D D A A"},
    "schedule.restore_session":        {"POST": "L D D D D A A"},
    "schedule.shift_session":          {"GET":  "L D D D D O O",
                                        "POST": "L D D D D A A"},
    "schedule.conflicts":              {"GET":  "L D D D D O O"},
    "schedule.goals":                  {"POST": "L D D D D A A"},
    "schedule.speakers":               {"GET":  "L D D D O O O"},
    "schedule.new_speaker":            {"GET":  "L D D D O O O",
                                        "POST": "L D D D A A A"},
    "schedule.edit_speaker":           {"GET":  "L D D D O O O",
                                        "POST": "L D D D A A A"},
    "schedule.speaker_search":         {"GET":  "L D D D O O O"},
    "schedule.venues":                 {"GET":  "L D D D O O O"},
    "schedule.new_venue":              {"GET":  "L D D D O O O",
                                        "POST": "L D D D A A A"},
    "schedule.edit_venue":             {"GET":  "L D D D O O O",
                                        "POST": "L D D D A A A"},
    "schedule.venue_search":           {"GET":  "L D D D O O O"},
    # Timetables: the cohort's people see its grid and PDF; its organizers copy it and hold its feed
    "timetable.week":                  {"GET":  "L O O D D O O"},
    "timetable.pdf":                   {"GET":  "L O O D D O O"},
    "timetable.cohort_feed":           {"POST": "L D D D D A A"},
    "timetable.copy_cohort":           {"GET":  "L D D D D O O",
                                        "POST": "L D D D D A A"},
    "timetable.mine":                  {"GET":  "L O O O D D D"},
    "timetable.feed_settings":         {"GET":  "L O O O D D D",
                                        "POST": "L A A A D D D"},
    # A calendar feed needs no login, only its secret token: a wrong one is a 404 for everyone
    "timetable.feed":                  {"GET":  "D D D D D D D"},
    # Attendance by hand (issue 9): roll call for organizers and leaders of their group,
    # leave and corrections asked by trainees and decided by the cohort's organizers
    "attendance.rollcall":             {"GET":  "L D O D D O O",
                                        "POST": "L D A D D A A"},
    "attendance.headcount":            {"GET":  "L D O D D O O",
                                        "POST": "L D A D D A A"},
    "attendance.paper_entry":          {"GET":  "L D D D D O O",
                                        "POST": "L D D D D A A"},
    "attendance.sheet_pdf":            {"GET":  "L D O D D O O"},
    "attendance.leave_new":            {"GET":  "L O O O D D D",
                                        "POST": "L A A A D D D"},
    "attendance.my_requests":          {"GET":  "L O O O D D D"},
    "attendance.leave_withdraw":       {"POST": "L A D D D D D"},
    "attendance.correction_new":       {"GET":  "L O O D D D D",
                                        "POST": "L A A D D D D"},
    "attendance.requests":             {"GET":  "L D D D D O O"},
    "attendance.leave_decide":         {"POST": "L D D D D A A"},
    "attendance.correction_decide":    {"POST": "L D D D D A A"},
    "attendance.cohort_stats":         {"GET":  "L D D D D O O"},
    "attendance.matrix_xlsx":          {"GET":  "L D D D D O O"},
    "attendance.trainee_attendance":   {"GET":  "L D D D D O O"},
    # Admin only
    "admin.users":                     {"GET":  "L D D D D D O"},
    "admin.new_user":                  {"GET":  "L D D D D D O",
                                        "POST": "L D D D D D A"},
    "admin.edit_user":                 {"GET":  "L D D D D D O",
                                        "POST": "L D D D D D A"},
    "admin.reset_password":            {"POST": "L D D D D D A"},
    "admin.audit_log":                 {"GET":  "L D D D D D O"},
    "admin.backups":                   {"GET":  "L D D D D D O"},
    # QR sign-in: the landing page a QR opens is public (login follows); staff get no sign-in
    "signin.form":                     {"GET":  "L O O O D D D",
                                        "POST": "L A A A A A A"},
    "signin.code":                     {"GET":  "L O O O D D D",
                                        "POST": "L A A A D D D"},
    "signin.projector":                {"GET":  "L D D D D O O"},
    "signin.projector_state":          {"GET":  "L D D D D O O"},
    "signin.qr":                       {"GET":  "L D D D D D D"},  # 404 without a current token
    "signin.suspects":                 {"GET":  "L D D D D O O"},
    "signin.review":                   {"POST": "L D D D D A A"},
    # Completion (结业情况): organizers of the cohort and admins
    "attendance.completion_status":    {"GET":  "L D D D D O O"},
    # Certificates (issue 10): cohort A's organizers issue, revoke, reissue and print; the holder
    # downloads their own; anyone verifies one by serial or QR token without logging in
    "certificates.cohort":             {"GET":  "L D D D D O O"},
    "certificates.issue_all":          {"POST": "L D D D D A A"},
    "certificates.issue_one":          {"POST": "L D D D D A A"},
    "certificates.revoke":             {"POST": "L D D D D A A"},
    "certificates.reissue":            {"POST": "L D D D D A A"},
    "certificates.save_settings":      {"POST": "L D D D D A A"},
    "certificates.upload_seal":        {"POST": "L D D D D A A"},
    "certificates.remove_seal":        {"POST": "L D D D D A A"},
    "certificates.seal_image":         {"GET":  "L D D D D D D"},  # 404: cohort A has no seal
    "certificates.cohort_pdf":         {"GET":  "L D D D D O O"},
    "certificates.cohort_zip":         {"GET":  "L D D D D O O"},
    "certificates.preview":            {"GET":  "L D D D D O O"},
    "certificates.pdf":                {"GET":  "L O D D D O O"},
    "certificates.mine":               {"GET":  "L O O O D D D"},
    "certificates.verify":             {"GET":  "O O O O O O O"},
    "certificates.verify_token":       {"GET":  "O O O O O O O"},
    # Course report (issue 11): the cohort's organizers and admins only
    "reports.page":                    {"GET":  "L D D D D O O",
                                        "POST": "L D D D D A A"},
    "reports.report_pdf_download":     {"GET":  "L D D D D O O"},
    "reports.report_xlsx_download":    {"GET":  "L D D D D O O"},
    "reports.closing_zip":             {"GET":  "L D D D D O O"},
    "attendance.completion_xlsx":      {"GET":  "L D D D D O O"},
}
# fmt: on

# What a browser sends for a form left blank (CSRF is off in TestConfig; its own tests switch it on).
BLANK_FORM = {"csrf_token": ""}

# Endpoints reachable without logging in. Anything else must send anonymous users to login.
PUBLIC_ENDPOINTS = {
    "static",
    "main.healthz",
    "main.set_language",
    "auth.login",
    "timetable.feed",
    "signin.form",
    "certificates.verify",
    "certificates.verify_token",
}


@dataclass
class World:
    users: dict[str, User] = field(default_factory=dict)
    objects: dict[str, object] = field(default_factory=dict)


def _account(role: Role, username: str, trainee=None) -> User:
    user = User(
        username=username,
        display_name=username,
        role=role,
        password_hash=_CHEAP_HASH,
        trainee_id=trainee.id if trainee is not None else None,
    )
    db.session.add(user)
    return user


@pytest.fixture
def world(app) -> World:
    """Two cohorts with their organizers, trainees and the rows later routes refer to."""
    w = World()
    admin = _account(Role.ADMIN, "admin")
    org_a = _account(Role.ORGANIZER, "org_a")
    org_b = _account(Role.ORGANIZER, "org_b")
    db.session.commit()
    cohort_a = make_cohort(organizers=[org_a], code="AAA2025", name="甲班")
    cohort_b = make_cohort(organizers=[org_b], code="BBB2025", name="乙班")

    trainee = make_trainee(name="王学员", phone="13900000001")
    leader = make_trainee(name="李组长", phone="13900000002")
    trainee_b = make_trainee(name="赵乙班", phone="13900000003")
    enrollment = enroll(cohort_a, trainee, group="第一组")
    enroll(cohort_a, leader, group="第一组", class_role=ClassRole.GROUP_LEADER)
    enroll(cohort_b, trainee_b, group="第一组")
    w.users = {
        "admin": admin,
        "org_a": org_a,
        "org_b": org_b,
        "trainee": _account(Role.TRAINEE, trainee.phone, trainee),
        "leader": _account(Role.TRAINEE, leader.phone, leader),
        "trainee_b": _account(Role.TRAINEE, trainee_b.phone, trainee_b),
    }

    venue = Venue(name="街道党群服务中心")
    speaker = Speaker(name="张雪梅", title="教授")
    db.session.add_all([venue, speaker])
    session_a = make_session(cohort_a, title="开班第一课", venue=venue, speaker=speaker)
    make_session(cohort_b, title="乙班讲座")
    stop = VisitStop(session=session_a, position=1, name="慧华苑居民区党群服务站")
    attendance = AttendanceRecord(session=session_a, trainee=trainee, status=AttendanceStatus.PRESENT)
    leave = LeaveRequest(session=session_a, trainee=trainee, reason="家中有事")
    certificate = Certificate(
        serial="AAA2025-0001",
        verification_token="tok-aaa-0001",
        cohort=cohort_a,
        trainee=trainee,
        credit_hours=Decimal("20"),
        issued_at=datetime(2025, 6, 27, tzinfo=UTC),
    )
    correction = CorrectionRequest(session=session_a, trainee=trainee, reason="手机没电")
    db.session.add_all([stop, attendance, leave, certificate, correction])
    db.session.flush()
    feedback = SessionFeedback(session_id=session_a.id, trainee_id=trainee.id, rating=5)
    reflection = Reflection(cohort_id=cohort_a.id, trainee_id=trainee.id, title="心得", body="收获很大")
    suspect = SuspectedProxySignIn(session_id=session_a.id, trainee_id=leader.id, device_id="d" * 22)
    db.session.add_all([feedback, reflection, suspect])
    db.session.commit()

    w.objects = {
        "cohort": cohort_a,
        "trainee": trainee,
        "enrollment": enrollment,
        "session": session_a,
        "training_session": session_a,
        "stop": stop,
        "visit_stop": stop,
        "venue": venue,
        "speaker": speaker,
        "attendance": attendance,
        "record": attendance,
        "leave": leave,
        "leave_request": leave,
        "correction": correction,
        "certificate": certificate,
        "feedback": feedback,
        "reflection": reflection,
        "suspect": suspect,
        # user_id: an account other than the one making the request
        "user": org_b,
    }
    return w


# URL arguments that are not `<int:xxx_id>` of an object in the world.
ARGUMENTS = {
    "filename": lambda w: "css/cadre.css",
    "code": lambda w: w.objects["cohort"].code,
    "cohort_code": lambda w: w.objects["cohort"].code,
    "serial": lambda w: w.objects["certificate"].serial,
    # A real sign-in token (signin.form); to timetable.feed it is a wrong feed token: 404 for everyone.
    "token": lambda w: make_token("test-secret", w.objects["session"].id, datetime.now(UTC)),
    "phase": lambda w: "departure",
    "verification_token": lambda w: w.objects["certificate"].verification_token,
}


def url_arguments(rule, w: World) -> dict:
    """Values for a rule's arguments, derived from their names."""
    values = {}
    for name in rule.arguments:
        if name in ARGUMENTS:
            values[name] = ARGUMENTS[name](w)
        elif name.endswith("_id") and name[:-3] in w.objects:
            values[name] = w.objects[name[:-3]].id
        else:
            pytest.fail(f"{rule.rule}: no value for URL argument {name!r}; add it to ARGUMENTS in {__name__}")
    return values


def rule_for(app, endpoint: str, method: str):
    rules = [r for r in app.url_map.iter_rules(endpoint) if method in r.methods]
    assert rules, f"{endpoint} has no rule for {method}"
    return rules[0]


def build_url(app, endpoint: str, method: str, w: World, **overrides) -> str:
    values = url_arguments(rule_for(app, endpoint, method), w) | overrides
    with app.test_request_context():
        return url_for(endpoint, _method=method, **values)


def database_state() -> dict[str, list]:
    """Every row of every table, to prove that a refused request wrote nothing."""
    db.session.expire_all()
    state = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table)).all()
        state[table.name] = sorted(repr(tuple(row)) for row in rows)
    db.session.rollback()
    return state


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/auth/login" in response.headers.get("Location", "")


def check_outcome(expected: str, response, what: str) -> None:
    status = response.status_code
    assert status != 500, f"{what}: server error"
    if expected == "O":
        assert status == 200, f"{what}: expected 200, got {status} {response.headers.get('Location', '')}"
    elif expected == "R":
        assert status in (301, 302, 303) and not is_login_redirect(response), f"{what}: expected a redirect"
    elif expected == "L":
        assert is_login_redirect(response), f"{what}: expected a login redirect, got {status}"
    elif expected == "D":
        assert status in (403, 404), f"{what}: expected 403/404, got {status}"
    elif expected == "A":
        # 400/409/422: the blank form refused as bad input, which is an answer, not an error.
        assert status in (200, 302, 303, 400, 409, 422), f"{what}: expected an allowed answer, got {status}"
    else:
        raise AssertionError(f"unknown expectation {expected!r}")


def _outcomes(endpoint: str, method: str) -> dict[str, str]:
    codes = EXPECTATIONS[endpoint][method].split()
    assert len(codes) == len(ROLES), f"{endpoint} {method}: one outcome per role"
    return dict(zip(ROLES, codes, strict=True))


def _routes(methods: set[str]):
    return [
        pytest.param(endpoint, method, id=f"{endpoint}-{method}")
        for endpoint, by_method in sorted(EXPECTATIONS.items())
        for method in by_method
        if method in methods
    ]


def _allowed_posts():
    return [
        pytest.param(endpoint, method, role, id=f"{endpoint}-{method}-{role}")
        for endpoint, by_method in sorted(EXPECTATIONS.items())
        for method in by_method
        if method != "GET"
        for role, code in _outcomes(endpoint, method).items()
        if code not in ("D", "L")
    ]


class RoleClient:
    """A test client whose every request runs in its own app context, as on a server.

    The test's app context would otherwise carry `g` (and Flask-Login's cached
    user) from one client's request into another's.
    """

    def __init__(self, app, user: User | None):
        self.app = app
        self.client = app.test_client()
        if user is not None:
            response = self.open("/auth/login", "POST", {"username": user.username, "password": PASSWORD})
            assert response.status_code == 302, f"could not log in as {user.username}"

    def open(self, url: str, method: str = "GET", data=None):
        response = self.client.open(url, method=method, data=data)
        response.close()
        return response


def client_as(app, w: World, role: str) -> RoleClient:
    return RoleClient(app, None if role == "anon" else w.users[role])


def test_every_route_has_expectations(app):
    """A route missing from EXPECTATIONS (or a method of it) fails here: classify it above."""
    missing, stale = [], []
    in_map: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        in_map.setdefault(rule.endpoint, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    for endpoint, methods in sorted(in_map.items()):
        listed = set(EXPECTATIONS.get(endpoint, {}))
        missing += [f"{endpoint} {m}" for m in sorted(methods - listed)]
        stale += [f"{endpoint} {m}" for m in sorted(listed - methods)]
    stale += [f"{e} (no such endpoint)" for e in sorted(set(EXPECTATIONS) - set(in_map))]
    assert not missing, f"routes without access expectations: {missing}"
    assert not stale, f"expectations for routes that do not exist: {stale}"


def test_public_routes_are_exactly_the_allow_list(app):
    public = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint == "static" or getattr(view, "is_public", False)
    }
    assert public == PUBLIC_ENDPOINTS


def test_every_non_public_route_sends_anonymous_users_to_login(app):
    for endpoint, methods in EXPECTATIONS.items():
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        for method, outcomes in methods.items():
            assert outcomes.split()[0] == "L", f"{endpoint} {method} must need a login"


@pytest.mark.parametrize(("endpoint", "method"), _routes({"GET"}))
def test_page_access(app, world, endpoint, method):
    """Every role gets what the table says (pages only read, so roles share one world)."""
    url = build_url(app, endpoint, method, world)
    failures = []
    for role, expected in _outcomes(endpoint, method).items():
        response = client_as(app, world, role).open(url)
        try:
            check_outcome(expected, response, f"{role} GET {url}")
        except AssertionError as err:
            failures.append(str(err).splitlines()[0])
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("endpoint", "method"), _routes({"POST", "PUT", "PATCH", "DELETE"}))
def test_refused_post_writes_nothing(app, world, endpoint, method):
    """Roles without access are refused (or sent to login) and the database stays as it was."""
    url = build_url(app, endpoint, method, world)
    refused = {role: code for role, code in _outcomes(endpoint, method).items() if code in ("D", "L")}
    clients = {role: client_as(app, world, role) for role in refused}
    before = database_state()
    for role, expected in refused.items():
        what = f"{role} {method} {url}"
        check_outcome(expected, clients[role].open(url, method, BLANK_FORM), what)
        assert database_state() == before, f"{what}: a refused request changed the database"


@pytest.mark.parametrize(("endpoint", "method", "role"), _allowed_posts())
def test_allowed_post_answers_without_error(app, world, endpoint, method, role):
    """A blank form from a role with access: re-rendered, redirected or refused as bad input; never a 500."""
    url = build_url(app, endpoint, method, world)
    response = client_as(app, world, role).open(url, method, BLANK_FORM)
    check_outcome(_outcomes(endpoint, method)[role], response, f"{role} {method} {url}")


def _admin_routes():
    for endpoint, methods in sorted(EXPECTATIONS.items()):
        for method, outcomes in methods.items():
            if outcomes.split()[ROLES.index("admin")] in ("O", "A"):
                yield pytest.param(endpoint, method, id=f"{endpoint}-{method}")


@pytest.mark.parametrize(("endpoint", "method"), list(_admin_routes()))
@pytest.mark.parametrize("missing_id", [2**31 - 1, 10**20], ids=["absent", "huge"])
def test_unknown_ids_give_404_and_write_nothing(app, world, endpoint, method, missing_id):
    """An id that names nothing, or does not fit the database's integers, is a 404 for the admin."""
    rule = rule_for(app, endpoint, method)
    int_args = [name for name, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
    client = client_as(app, world, "admin")
    before = database_state()
    for name in int_args:
        url = build_url(app, endpoint, method, world, **{name: missing_id})
        status = client.open(url, method, BLANK_FORM).status_code
        assert status == 404, f"admin {method} {url}: expected 404, got {status}"
    assert database_state() == before


# --- Forms survive garbage -----------------------------------------------------------------------

GARBAGE = {
    "long": lambda name: "长" * 5000,
    "negative": lambda name: "-99999999999999999999",
    "huge": lambda name: "99999999999999999999",
    "overflow": lambda name: "2147483648",
    "markup": lambda name: "<script>alert(1)</script>'\" OR 1=1 --",
    "full-width": lambda name: "１２３４５　",
}


def _form_fields(page: str, url: str) -> list[tuple[str, str]]:
    """(name, kind) of the fields of the page's POST forms that submit to the page itself."""
    fields = []
    for attrs, body in re.findall(r"<form([^>]*)>(.*?)</form>", page, re.S | re.I):
        if 'method="post"' not in attrs.lower():
            continue
        action = re.search(r'action="([^"]*)"', attrs)
        if action and action.group(1) not in ("", url):
            continue
        for tag, tag_attrs in re.findall(r"<(input|select|textarea)([^>]*)>", body, re.I):
            name = re.search(r'name="([^"]+)"', tag_attrs)
            kind = re.search(r'type="([^"]+)"', tag_attrs)
            if name and name.group(1) != "csrf_token":
                fields.append((name.group(1), kind.group(1) if kind else tag.lower()))
    return fields


# Pages that show their form only for a query (the search hits to add to a cohort).
FORM_PAGE_QUERY = {"cohorts.add_trainees": "?q=赵"}


def _editable_pages():
    for endpoint, by_method in sorted(EXPECTATIONS.items()):
        if "GET" in by_method and "POST" in by_method:
            outcomes = _outcomes(endpoint, "GET")
            role = next((r for r in ("admin", "org_a") if outcomes[r] == "O"), None)
            if role:
                yield pytest.param(endpoint, role, id=endpoint)


@pytest.mark.parametrize(("endpoint", "role"), list(_editable_pages()))
def test_forms_answer_garbage_without_a_server_error(app, world, endpoint, role):
    """Every field of a page's own form filled with nonsense: a message or a redirect, never a 500."""
    url = build_url(app, endpoint, "POST", world)
    client = client_as(app, world, role)
    fields = _form_fields(client.open(url + FORM_PAGE_QUERY.get(endpoint, "")).get_data(as_text=True), url)
    assert fields, f"{url}: no form found on the page"
    for kind_of_garbage, make in GARBAGE.items():
        data = {}
        for name, kind in fields:
            if kind == "file":
                data[name] = (io.BytesIO(make(name).encode()), "garbage.xlsx")
            else:
                data[name] = make(name)
        response = client.open(url, "POST", data)
        assert response.status_code < 500, f"{role} POST {url} with {kind_of_garbage} values: server error"


# Query parameters the pages read (filters, search, paging).
QUERY_PARAMETERS = (
    *("page", "q", "show", "group", "scope", "sort", "next"),
    *("name", "phone", "community", "cohort"),
)


def _readable_pages():
    for endpoint, by_method in sorted(EXPECTATIONS.items()):
        if "GET" in by_method and endpoint != "static":
            outcomes = _outcomes(endpoint, "GET")
            role = next((r for r in ("admin", "org_a", "trainee") if outcomes[r] == "O"), None)
            if role:
                yield pytest.param(endpoint, role, id=endpoint)


@pytest.mark.parametrize(("endpoint", "role"), list(_readable_pages()))
def test_pages_answer_garbage_query_strings_without_a_server_error(app, world, endpoint, role):
    url = build_url(app, endpoint, "GET", world)
    client = client_as(app, world, role)
    for kind_of_garbage, make in GARBAGE.items():
        query = urlencode({name: make(name) for name in QUERY_PARAMETERS})
        response = client.open(f"{url}?{query}")
        assert response.status_code < 500, f"{role} GET {url} with {kind_of_garbage} parameters: server error"


# --- Pages issue a bounded number of queries --------------------------------------------------------


def grow(w: World, n: int = 5) -> None:
    """More of everything around cohort A: trainees with accounts and records, sessions, organizers."""
    cohort, session = w.objects["cohort"], w.objects["session"]
    for i in range(n):
        trainee = make_trainee(name=f"加人{i}", phone=f"1370000{i:04d}")
        enroll(cohort, trainee, group=f"第{i % 3 + 1}组")
        _account(Role.TRAINEE, trainee.phone, trainee)
        db.session.add(AttendanceRecord(session=session, trainee=trainee, status=AttendanceStatus.LATE))
        db.session.add(LeaveRequest(session=session, trainee=trainee, reason="加班"))
        extra = make_session(cohort, title=f"加课{i}", venue=w.objects["venue"], speaker=w.objects["speaker"])
        db.session.add(VisitStop(session=extra, position=1, name=f"站点{i}"))
        organizer = _account(Role.ORGANIZER, f"org_extra{i}")
        organizer.managed_cohorts = [cohort, make_cohort(organizers=[w.users["org_a"]])]
        enroll(organizer.managed_cohorts[1], w.objects["trainee"])
    db.session.commit()


def queries_for(count_queries, client: RoleClient, url: str) -> int:
    with count_queries() as statements:
        response = client.open(url)
    assert response.status_code == 200, url
    return len(statements)


def _pages_for_query_counts():
    for endpoint, by_method in sorted(EXPECTATIONS.items()):
        if "GET" in by_method and endpoint not in PUBLIC_ENDPOINTS:
            outcomes = _outcomes(endpoint, "GET")
            for role in ("admin", "org_a", "trainee"):
                if outcomes[role] == "O":
                    yield pytest.param(endpoint, role, id=f"{endpoint}-{role}")


@pytest.mark.parametrize(("endpoint", "role"), list(_pages_for_query_counts()))
def test_pages_issue_a_bounded_number_of_queries(app, world, count_queries, endpoint, role):
    """The same page with five times more rows around it costs (almost) the same queries: no N+1."""
    url = build_url(app, endpoint, "GET", world)
    client = client_as(app, world, role)
    client.open(url)  # warm-up: first-use lookups happen once
    small = queries_for(count_queries, client, url)
    grow(world)
    large = queries_for(count_queries, client, url)
    assert large <= small + 2, f"{role} GET {url}: {small} queries, {large} with more rows (N+1?)"


# --- Trainees see only their own things ---------------------------------------


def test_trainee_does_not_see_other_trainees_phone_numbers(app, world):
    client = client_as(app, world, "trainee")
    page = client.open(build_url(app, "cohorts.detail", "GET", world)).get_data(as_text=True)
    assert "李组长" in page  # classmates' names are shown ...
    assert "13900000002" not in page  # ... but not their phone numbers
    assert "13900000003" not in page


def test_organizer_sees_phone_numbers_of_their_cohort(app, world):
    client = client_as(app, world, "org_a")
    page = client.open(build_url(app, "cohorts.detail", "GET", world)).get_data(as_text=True)
    assert "13900000002" in page


def test_trainee_home_lists_only_their_own_cohorts_sessions(app, world):
    client = client_as(app, world, "trainee_b")
    page = client.open("/").get_data(as_text=True)
    assert "乙班讲座" in page
    assert "开班第一课" not in page
    assert "甲班" not in page


@pytest.mark.parametrize(
    ("role", "sees", "does_not_see"), [("org_a", "甲班", "乙班"), ("org_b", "乙班", "甲班")]
)
def test_organizer_lists_only_the_cohorts_they_manage(app, world, role, sees, does_not_see):
    client = client_as(app, world, role)
    for url in ("/", "/cohorts/"):
        page = client.open(url).get_data(as_text=True)
        assert sees in page
        assert does_not_see not in page


def test_admin_lists_every_cohort(app, world):
    client = client_as(app, world, "admin")
    page = client.open("/cohorts/").get_data(as_text=True)
    assert "甲班" in page and "乙班" in page


def test_trainee_lists_only_the_cohorts_they_are_enrolled_in(app, world):
    client = client_as(app, world, "trainee")
    page = client.open("/cohorts/").get_data(as_text=True)
    assert "甲班" in page
    assert "乙班" not in page


# --- Shared people: organizer B after B's cohort enrolls A's trainee -------------------------------

# org_b's outcomes once `trainee` (of cohort A) is also enrolled in cohort B; every route not
# listed keeps its outcome from EXPECTATIONS. B acts on the person through B's cohort: detail,
# edit and the record (B's part of it) open; the login stays with A's organizers and admins.
SHARED_FOR_ORG_B: dict[str, dict[str, str]] = {
    "trainees.detail": {"GET": "O"},
    "trainees.edit": {"GET": "O", "POST": "A"},
    "trainees.record": {"GET": "O"},
    "trainees.record_pdf": {"GET": "O"},
    "trainees.reset_password": {"POST": "D"},
}


@pytest.fixture
def shared_world(world) -> World:
    """The world, with organizer B's cohort having enrolled cohort A's trainee (found by full phone)."""
    cohort_b = db.session.scalar(select(Cohort).where(Cohort.code == "BBB2025"))
    enroll(cohort_b, world.objects["trainee"], group="乙班一组")
    world.objects["cohort_b"] = cohort_b
    return world


def _org_b_outcomes_when_shared():
    for endpoint, by_method in sorted(EXPECTATIONS.items()):
        for method in by_method:
            expected = SHARED_FOR_ORG_B.get(endpoint, {}).get(method, _outcomes(endpoint, method)["org_b"])
            yield pytest.param(endpoint, method, expected, id=f"{endpoint}-{method}")


def test_shared_expectations_name_real_routes():
    for endpoint, by_method in SHARED_FOR_ORG_B.items():
        assert set(by_method) <= set(EXPECTATIONS[endpoint]), endpoint


@pytest.mark.parametrize(("endpoint", "method", "expected"), list(_org_b_outcomes_when_shared()))
def test_organizer_b_after_enrolling_as_trainee(app, shared_world, endpoint, method, expected):
    """Every route for org_b once the person is shared; a refused POST writes nothing."""
    url = build_url(app, endpoint, method, shared_world)
    client = client_as(app, shared_world, "org_b")
    before = database_state() if expected in ("D", "L") else None
    response = client.open(url, method, None if method == "GET" else BLANK_FORM)
    check_outcome(expected, response, f"org_b (shared) {method} {url}")
    if before is not None:
        assert database_state() == before, f"org_b {method} {url}: a refused request changed the database"


def test_organizer_b_sees_bs_part_of_the_shared_persons_record_only(app, shared_world):
    client = client_as(app, shared_world, "org_b")
    trainee_id = shared_world.objects["trainee"].id
    record = client.open(f"/trainees/{trainee_id}/record").get_data(as_text=True)
    detail = client.open(f"/trainees/{trainee_id}").get_data(as_text=True)
    for page in (record, detail):
        assert "乙班" in page
        assert "甲班" not in page and "AAA2025-0001" not in page  # cohort A's class and certificate
        assert "另有1个培训班的记录（由其班主任管理）" in page
    assert "13900000001" in detail  # contact details: B must be able to call their trainee


def test_organizer_b_gets_no_reset_button_for_the_shared_person_on_bs_accounts_page(app, shared_world):
    client = client_as(app, shared_world, "org_b")
    page = client.open(f"/trainees/accounts/cohort/{shared_world.objects['cohort_b'].id}").get_data(
        as_text=True
    )
    trainee_id = shared_world.objects["trainee"].id
    assert "王学员" in page and "也在其他班主任的培训班" in page
    assert f"/trainees/{trainee_id}/reset-password" not in page
    assert f"/trainees/{shared_world.users['trainee_b'].trainee_id}/reset-password" in page  # B's own trainee


def test_organizer_a_keeps_the_shared_persons_login(app, shared_world):
    client = client_as(app, shared_world, "org_a")
    trainee = shared_world.objects["trainee"]
    response = client.open(f"/trainees/{trainee.id}/reset-password", "POST", BLANK_FORM)
    assert response.status_code == 200 and "初始密码" in response.get_data(as_text=True)
