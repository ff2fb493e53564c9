"""Hostile text everywhere: the one cleaning rule, every form field, the import and the export.

The same strings go into every text field of every form (walking the form classes and
posting to every form route), into every column of an imported file and straight into
the database (rows stored before the rule existed). Nothing answers 500, nothing
invisible is stored, a blank value is "required", and the roster export opens.
"""

from __future__ import annotations

import importlib
import inspect
import io
import itertools
import re
import zipfile
from pathlib import Path

import pytest
import wtforms
from openpyxl import load_workbook
from sqlalchemy import String, Text, select
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, PasswordField, SelectField, StringField

from cadre.extensions import db
from cadre.forms import CadreForm, CadreSubform
from cadre.models import Cohort, Enrollment, EnrollmentStatus, Role, Speaker, Trainee, User, Venue
from cadre.rules.text import INVISIBLE, clean_multiline, clean_text, is_blank
from tests import upload_support
from tests.data import rosters
from tests.factories import enroll, login, make_cohort, make_session, make_trainee, make_user
from tests.upload_support import post_roster

upload_dir = upload_support.upload_dir  # the fixture

HOSTILE = [
    "\x01",
    "\x07",
    "\x1b[31m",
    "\x7f",
    "\u202e",
    "\u200b\u200b",
    "   ",
    "名\x00字",
    "王\u202e芳\u2066",
    "\x85\x9f\ufeff",
    "\t\r\n",
    "长" * 5000,
]
HOSTILE_IDS = [f"h{i}" for i in range(len(HOSTILE))]
_INVISIBLE_RE = re.compile(f"[{INVISIBLE}]")
# Every forms module on disk, so that a new area's forms are walked too.
FORM_MODULES = sorted(
    f"cadre.{path.parent.name}.forms" for path in (Path(__file__).parent.parent / "cadre").glob("*/forms.py")
)


def visible(text: str | None) -> bool:
    return not _INVISIBLE_RE.search(text or "")


# --- the rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\x01", ""),
        ("\x07", ""),
        ("\x1b[31m红", "[31m红"),
        ("\x7f", ""),
        ("\u202e", ""),
        ("\u200b\u200b", ""),
        ("   ", ""),
        ("\u3000王芳\u00a0", "王芳"),
        ("名\x00字", "名字"),
        ("gpj\u202e.exe", "gpj.exe"),
        ("a\u2066b\u2069c\u200ed", "abcd"),
        ("\x85\x9f", ""),
        ("第一\t组\n", "第一 组"),
        ("e\u0301", "\u00e9"),  # NFC
        ("\ud800x", "x"),  # a lone surrogate cannot be written anywhere
        ("\ufffe\uffff", ""),
    ],
)
def test_single_line_text_is_cleaned(raw, clean):
    assert clean_text(raw) == clean


def test_multi_line_text_keeps_its_lines_and_tabs():
    assert clean_multiline("第一行\r\n\t第二行\x01  \r第三行\u2028") == "第一行\n\t第二行\n第三行"


def test_blank_and_invisible_only_values_are_blank():
    assert all(is_blank(v) for v in ("", "   ", "\u200b\u200b", "\u202e", "\x01\x7f", "\ufeff\u2060"))
    assert not is_blank("王")
    assert clean_text(None) is None


# --- every field of every form -----------------------------------------------------------------


def _form_classes():
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module_name and issubclass(cls, wtforms.Form):
                yield cls


def test_every_form_is_built_on_the_cleaning_base_form():
    assert len(FORM_MODULES) >= 6
    classes = list(_form_classes())
    assert len(classes) >= 15
    assert [c.__name__ for c in classes if not issubclass(c, CadreForm | CadreSubform)] == []


@pytest.mark.parametrize("hostile", HOSTILE, ids=HOSTILE_IDS)
def test_every_text_field_of_every_form_is_cleaned_before_validation(app, hostile):
    checked = 0
    for cls in _form_classes():
        with app.test_request_context(method="POST"):
            probe = cls(formdata=None)
            data = MultiDict({name: hostile for name in probe._fields})
            form = cls(formdata=data)
            form.validate()  # must not raise, whatever the field
            for field in form:
                if isinstance(field, PasswordField | HiddenField):
                    continue
                if not isinstance(field, StringField | SelectField):
                    continue
                if isinstance(field.data, str):
                    checked += 1
                    assert visible(field.data), (cls.__name__, field.name, field.data)
                    if is_blank(hostile):
                        assert field.data == "", (cls.__name__, field.name)
    assert checked >= 40


def test_a_password_is_kept_exactly_as_typed(app):
    from cadre.auth.forms import LoginForm

    with app.test_request_context(method="POST"):
        form = LoginForm(formdata=MultiDict({"username": " admin\u200b ", "password": "  pass\tword  "}))
        assert form.username.data == "admin"
        assert form.password.data == "  pass\tword  "


# --- every form route ----------------------------------------------------------------------------


@pytest.fixture
def world(app):
    admin = make_user(Role.ADMIN)
    organizer = make_user(Role.ORGANIZER)
    cohort = make_cohort(organizers=[organizer], code="HOSTILE1", name="青蓝接力培训班")
    trainee = make_trainee(name="王芳", phone="13800138000")
    enrollment = enroll(cohort, trainee, group="第一组")
    speaker = Speaker(name="张雪梅", title="教授")
    venue = Venue(name="党群服务中心")
    db.session.add_all([speaker, venue])
    session = make_session(cohort, speaker=speaker, venue=venue)
    return {
        "session": session,
        "speaker": speaker,
        "venue": venue,
        "admin": admin,
        "organizer": organizer,
        "cohort": cohort,
        "trainee": trainee,
        "enrollment": enrollment,
    }


def _all_field_names(app) -> set[str]:
    names = set()
    with app.test_request_context():
        for cls in _form_classes():
            names |= set(cls(formdata=None)._fields)
    return names


def _post_routes(app, world) -> list[str]:
    ids = {
        "cohort_id": world["cohort"].id,
        "enrollment_id": world["enrollment"].id,
        "trainee_id": world["trainee"].id,
        "user_id": world["organizer"].id,
        "session_id": world["session"].id,
        "speaker_id": world["speaker"].id,
        "venue_id": world["venue"].id,
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in ("auth.logout", "auth.login"):
            continue
        path = rule.rule
        for arg in rule.arguments:
            # Rows the world has not made (a leave request, a correction) get id 1: a 404 is
            # fine, a 500 is not. The one string argument is the head count's phase.
            path = path.replace(f"<int:{arg}>", str(ids.get(arg, 1))).replace(f"<{arg}>", "departure")
        urls.append(path)
    # Removing the enrollment ends what can be posted about it: last.
    return sorted(urls, key=lambda url: url.endswith("/remove"))


@pytest.mark.parametrize("hostile", HOSTILE, ids=HOSTILE_IDS)
def test_no_form_route_answers_500_to_hostile_text_in_every_field(app, client, world, hostile):
    login(client, world["admin"].username)
    # 600 characters are beyond every single-line limit; 5,000 in all 60 fields at once
    # would only test how fast a 3 MB form body is parsed.
    data = {name: hostile[:600] for name in _all_field_names(app)}
    routes = _post_routes(app, world)
    assert len(routes) >= 20
    for url in routes:
        response = client.post(url, data=data)
        assert response.status_code < 500, (url, response.status_code)
    for url in ("/auth/login", "/auth/logout"):
        assert client.post(url, data=data).status_code < 500
    assert_nothing_invisible_is_stored()


# --- valid forms with one hostile field: stored clean, or refused with a message -----------------

_codes = itertools.count(1)


def _trainee_fields(**kw) -> dict[str, str]:
    fields = {
        "name": "李明",
        "gender": "male",
        "birth": "1990.05",
        "phone": "",
        "community": "曹家渡居民区",
        "position": "居委会委员",
        "political_status": "中共党员",
        "education": "本科",
        "notes": "备注",
    }
    return {**fields, **kw}


def _cohort_fields(**kw) -> dict[str, str]:
    fields = {
        "name": "新培训班",
        "code": f"HX{next(_codes):04d}",
        "organizing_unit": "天目西路街道",
        "start_date": "2025-05-09",
        "end_date": "2025-06-27",
        "description": "简介",
        "default_venue_id": "",
        "new_venue": "",
        "minutes_per_credit_hour": "45",
        "min_attendance_percent": "80",
        "require_required_sessions": "y",
        "max_unexcused_absences": "",
    }
    return {**fields, **kw}


def _cases(world) -> list[tuple[str, dict[str, str], tuple[str, ...]]]:
    """(url, a valid form, the free-text fields to make hostile one at a time)."""
    cohort, trainee, enrollment = world["cohort"], world["trainee"], world["enrollment"]
    c, e = cohort.id, enrollment.id
    trainee_text = (
        "name",
        "gender",
        "birth",
        "community",
        "position",
        "political_status",
        "education",
        "notes",
    )
    return [
        ("/trainees/new", _trainee_fields(cohort=str(c)), trainee_text),
        (f"/trainees/{trainee.id}/edit", _trainee_fields(name="王芳", phone="13800138000"), trainee_text),
        (
            f"/cohorts/{c}/enrollments/new",
            _trainee_fields(group="第二组", class_role="member", confirm_new="1"),
            (*trainee_text, "group", "confirm_new"),
        ),
        ("/cohorts/new", _cohort_fields(), ("name", "organizing_unit", "description", "new_venue")),
        (
            f"/cohorts/{c}/edit",
            _cohort_fields(code=cohort.code, name=cohort.name),
            ("name", "organizing_unit", "description", "new_venue"),
        ),
        (
            f"/cohorts/{c}/enrollments/{e}",
            {"group": "第一组", "class_role": "member"},
            ("group", "class_role"),
        ),
        (f"/cohorts/{c}/enrollments/bulk", {"ids": str(e), "group": "第三组", "class_role": ""}, ("group",)),
        (
            "/admin/users/new",
            {"username": "", "display_name": "张老师", "role": "organizer", "is_active_account": "y"},
            ("display_name", "username"),
        ),
        (
            f"/admin/users/{world['organizer'].id}/edit",
            {
                "username": world["organizer"].username,
                "display_name": "组织者",
                "role": "organizer",
                "is_active_account": "y",
            },
            ("display_name", "role"),
        ),
    ]


def _with_unique(url: str, form: dict[str, str]) -> dict[str, str]:
    """Fresh values where a second post of the same form would clash (a new user's name, a code)."""
    n = next(_codes)
    form = dict(form)
    if url == "/admin/users/new" and not form["username"]:
        form["username"] = f"staff{n}"
    if url == "/cohorts/new":
        form["code"] = f"HX{n:04d}"
    return form


@pytest.mark.parametrize("hostile", HOSTILE, ids=HOSTILE_IDS)
def test_a_hostile_value_in_any_text_field_is_stored_clean_or_refused(app, client, world, hostile):
    login(client, world["admin"].username)
    for url, form, text_fields in _cases(world):
        for name in text_fields:
            data = _with_unique(url, form)
            data[name] = hostile
            response = client.post(url, data=data)
            assert response.status_code < 500, (url, name, response.status_code)
            if is_blank(hostile) and name in ("name", "display_name") and response.status_code != 302:
                assert "请输入" in response.get_data(as_text=True), (url, name)
    # Withdrawal reason (multi-line) last: it takes the person out of the cohort.
    c, e = world["cohort"].id, world["enrollment"].id
    response = client.post(
        f"/cohorts/{c}/enrollments/{e}/withdraw", data={"withdrawn_on": "2025-05-20", "reason": hostile}
    )
    assert response.status_code < 500
    if is_blank(hostile):
        assert "请填写退出原因" in response.get_data(as_text=True)
    assert_nothing_invisible_is_stored()
    assert_roster_exports(client, world["cohort"])


@pytest.mark.parametrize("route", ["/trainees/new", "edit", "enroll"])
def test_a_gender_of_only_spaces_is_no_answer_not_a_500(client, world, route):
    login(client, world["admin"].username)
    c, trainee = world["cohort"].id, world["trainee"]
    url, data = {
        "/trainees/new": ("/trainees/new", _trainee_fields(cohort=str(c))),
        "edit": (f"/trainees/{trainee.id}/edit", _trainee_fields(name="王芳", phone="13800138000")),
        "enroll": (
            f"/cohorts/{c}/enrollments/new",
            _trainee_fields(group="", class_role="member", confirm_new="1"),
        ),
    }[route]
    data["gender"] = "   "
    data["name"] = "赵空格"
    if route == "edit":
        data["name"] = "王芳"
    response = client.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    person = db.session.scalar(select(Trainee).where(Trainee.name == data["name"]))
    assert person is not None and person.gender is None


def test_a_name_of_only_zero_width_spaces_is_required(client, world):
    login(client, world["admin"].username)
    response = client.post(f"/cohorts/{world['cohort'].id}/edit", data=_cohort_fields(name="\u200b\u200b"))
    assert response.status_code in (200, 422)
    assert "请输入培训班名称" in response.get_data(as_text=True)
    assert db.session.get(Cohort, world["cohort"].id).name == "青蓝接力培训班"


# --- the import ----------------------------------------------------------------------------------


def _upload(client, cohort, data: bytes, filename: str):
    return post_roster(client, cohort.id, data, filename)


_C0 = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ROSTER_HEADERS = ["姓名", "联系电话", "性别", "所在居民区", "现任职务", "政治面貌", "学历", "组别", "备注"]


def _hostile_roster(kind: str) -> list[list[str]]:
    """One row per hostile string, in every text column (cut to fit each column's limit).

    An .xlsx cannot hold C0 controls at all (XML forbids them; openpyxl will not write
    them). A CSV can, but more than five in a file is taken for a binary file and a NUL
    for a file that is not text; so there they go into the notes column only, and the
    NUL string is left out.
    """
    rows = [ROSTER_HEADERS]
    for i, hostile in enumerate(HOSTILE):
        if kind == "csv" and "\x00" in hostile:
            continue
        cell = hostile[:30]
        other = _C0.sub("", cell)
        if kind == "xlsx":
            cell = other
        gender = "" if is_blank(cell) else "男"
        name = f"学员{i}{other[:20]}"
        rows.append([name, f"1390000{i:04d}", gender, other, other, other, other, other, cell])
    return rows


def _commit_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input id="(\w+)" name="\w+" type="hidden" value="([^"]*)"', html))


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_an_import_of_hostile_cells_stores_them_clean_and_the_roster_still_exports(
    client, world, upload_dir, kind
):
    login(client, world["organizer"].username)
    cohort = world["cohort"]
    rows = _hostile_roster(kind)
    data = rosters.xlsx_bytes(rows) if kind == "xlsx" else rosters.csv_bytes(rows)
    response = _upload(client, cohort, data, f"名单.{kind}")
    assert response.status_code == 200, response.get_data(as_text=True)[-3000:]
    fields = _commit_fields(response.get_data(as_text=True))
    response = client.post(f"/cohorts/{cohort.id}/import/commit", data=fields)
    assert response.status_code == 302
    enrolled = db.session.scalars(select(Enrollment).where(Enrollment.cohort_id == cohort.id)).all()
    assert len(enrolled) == len(rows)  # the one already there, and one per data row
    assert_nothing_invisible_is_stored()
    sheet = assert_roster_exports(client, cohort)
    assert sheet.max_row == 2 + len(enrolled)


def test_a_csv_with_a_nul_is_refused_with_a_message(client, world, upload_dir):
    login(client, world["organizer"].username)
    data = rosters.csv_bytes([ROSTER_HEADERS[:2], ["名\x00字", "13900000001"]])
    response = _upload(client, world["cohort"], data, "名单.csv")
    assert response.status_code == 422
    assert "这不是表格文件" in response.get_data(as_text=True)


def test_an_xlsx_holding_control_characters_in_its_xml_imports_clean(client, world, upload_dir):
    login(client, world["organizer"].username)
    data = rosters.xlsx_bytes([["姓名", "联系电话", "备注"], ["王芳", "13800138000", "PLACEHOLDER"]])
    data = _rewrite(data, "xl/worksheets/sheet1.xml", b"PLACEHOLDER", "注\u202e释\x7f\u200b".encode())
    response = _upload(client, world["cohort"], data, "名单.xlsx")
    assert response.status_code == 200
    response = client.post(
        f"/cohorts/{world['cohort'].id}/import/commit", data=_commit_fields(response.get_data(as_text=True))
    )
    assert response.status_code == 302
    assert db.session.get(Trainee, world["trainee"].id).notes == "注释"


def _rewrite(data: bytes, part: str, old: bytes, new: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info.filename, content.replace(old, new) if info.filename == part else content)
    return out.getvalue()


# --- the export ----------------------------------------------------------------------------------


def test_rows_stored_with_control_characters_still_export(client, world):
    """Rows written before the rule existed (or by another program) must not break the export."""
    cohort, trainee, enrollment = world["cohort"], world["trainee"], world["enrollment"]
    cohort.name = "青蓝\x01接力\u202e"
    trainee.name = "王\x01芳"
    trainee.notes = "第一行\x07\n第二行\x1b[31m\x7f"
    trainee.community = '=HYPERLINK("http://x")\x0b'
    enrollment.group = "\x02一组"
    enrollment.status = EnrollmentStatus.WITHDRAWN
    enrollment.withdrawal_reason = "\x1f搬家"
    db.session.commit()
    login(client, world["organizer"].username)
    sheet = assert_roster_exports(client, cohort)
    values = {c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)}
    assert {"王芳", "第一行\n第二行[31m", "一组", "搬家"} <= values
    assert '\'=HYPERLINK("http://x")' in values  # still neutralised, after cleaning
    assert sheet["A1"].value.startswith("青蓝接力 学员名单")


def test_the_cli_export_of_stored_control_characters_succeeds(app, runner, world, tmp_path):
    world["trainee"].name = "王\x01芳"
    db.session.commit()
    out = tmp_path / "roster.xlsx"
    result = runner.invoke(args=["cadre", "export-roster", world["cohort"].code, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert load_workbook(out).active["B3"].value == "王芳"


# --- helpers -------------------------------------------------------------------------------------


def assert_nothing_invisible_is_stored() -> None:
    """No text column of the people, cohorts, enrollments or accounts holds an invisible character."""
    db.session.expire_all()
    for model in (Trainee, Cohort, Enrollment, User):
        columns = [c for c in model.__table__.columns if isinstance(c.type, String | Text)]
        for row in db.session.scalars(select(model)):
            for column in columns:
                value = getattr(row, column.key, None)
                if isinstance(value, str) and column.key != "password_hash":
                    assert visible(value), (model.__name__, column.key, value)


def assert_roster_exports(client, cohort):
    response = client.get(f"/cohorts/{cohort.id}/roster.xlsx")
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.data)).active


# --- the command line ----------------------------------------------------------------------------


def test_create_admin_cleans_its_text_options(app, runner):
    result = runner.invoke(
        args=[
            "cadre",
            "create-admin",
            "--username",
            " boss\x01\u200b ",
            "--name",
            "\u202e老板\x7f",
            "--password",
            "long-enough-1",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "boss"))
    assert user is not None and user.display_name == "老板"


def test_create_admin_refuses_an_invisible_username(app, runner):
    result = runner.invoke(
        args=["cadre", "create-admin", "--username", "\u200b\u200b", "--password", "long-enough-1"]
    )
    assert result.exit_code != 0
    assert "username must not be empty" in result.output
    assert db.session.scalar(select(User)) is None


def test_the_cli_import_cleans_the_file_name_it_records(app, runner, world, tmp_path):
    path = tmp_path / "名单\u202excsl.csv"
    path.write_bytes(rosters.csv_bytes([["姓名", "联系电话"], ["赵六", "13900000077"]]))
    result = runner.invoke(args=["cadre", "import-trainees", world["cohort"].code, str(path)])
    assert result.exit_code == 0, result.output
    assert "文件：名单xcsl.csv" in result.output
