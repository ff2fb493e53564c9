"""Importing a cohort's trainees through the web pages: upload, preview, commit."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from cadre.extensions import db
from cadre.models import AuditEvent, ClassRole, Enrollment, Gender, Role, Trainee
from tests import upload_support
from tests.data import rosters
from tests.factories import enroll, login, make_cohort, make_trainee, make_trainee_user, make_user
from tests.upload_support import post_roster

upload_dir = upload_support.upload_dir  # the fixture
pytestmark = pytest.mark.usefixtures("upload_dir")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def organizer():
    """The cohort's organizer, not logged in (unlike conftest's): each test logs in whom it needs."""
    return make_user(Role.ORGANIZER)


@pytest.fixture
def cohort(organizer):
    return make_cohort(organizers=[organizer], code="QLJL2025", name="青蓝接力培训班")


@pytest.fixture
def staff_client(client, organizer):
    login(client, organizer.username)
    return client


def upload(client, cohort, data: bytes, filename: str = "名单.xlsx"):
    return post_roster(client, cohort.id, data, filename)


def commit_fields(html: str) -> dict[str, str]:
    fields = dict(re.findall(r'<input id="(\w+)" name="\w+" type="hidden" value="([^"]*)"', html))
    assert set(fields) >= {"token", "ext", "sha256", "fingerprint", "filename"}, html
    return fields


def commit(client, cohort, fields):
    return client.post(f"/cohorts/{cohort.id}/import/commit", data=fields)


def counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(Trainee)),
        db.session.scalar(select(func.count()).select_from(Enrollment)),
        db.session.scalar(select(func.count()).select_from(AuditEvent)),
    )


def test_organizer_sees_the_upload_page_with_template_link(staff_client, cohort):
    response = staff_client.get(f"/cohorts/{cohort.id}/import")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "导入学员名单" in html
    assert "/imports/template.xlsx" in html


@pytest.mark.parametrize("who", ["other_organizer", "trainee"])
def test_only_those_who_manage_the_cohort_may_import(client, cohort, who):
    if who == "trainee":
        user = make_trainee_user(cohort)
    else:
        user = make_user(Role.ORGANIZER)
    login(client, user.username)
    assert client.get(f"/cohorts/{cohort.id}/import").status_code == 403
    assert upload(client, cohort, rosters.office_xlsx()).status_code == 403
    assert client.post(f"/cohorts/{cohort.id}/import/commit", data={}).status_code == 403
    assert counts()[0] == (1 if who == "trainee" else 0)


def test_office_roster_preview_shows_every_row_and_writes_nothing(staff_client, cohort, upload_dir):
    response = upload(staff_client, cohort, rosters.office_xlsx())
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "新学员 29" in html
    assert "确认后将新建学员 29 人" in html
    assert "表头在第 3 行" in html
    for person in rosters.OFFICE_TRAINEES:
        assert person.name in html
    assert counts() == (0, 0, 0)
    assert len(list(upload_dir.iterdir())) == 1  # kept for the commit


def test_office_roster_goes_in_with_no_manual_fixes(staff_client, cohort, upload_dir):
    fields = commit_fields(upload(staff_client, cohort, rosters.office_xlsx()).get_data(as_text=True))
    response = commit(staff_client, cohort, fields)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cohorts/{cohort.id}")
    trainees = {t.phone: t for t in db.session.scalars(select(Trainee))}
    assert len(trainees) == 29
    for person in rosters.OFFICE_TRAINEES:
        t = trainees[person.phone]
        assert t.name == person.name
        assert t.gender == (Gender.FEMALE if person.gender == "女" else Gender.MALE)
        assert (t.birth_year, t.birth_month) == person.birth
        assert (t.community, t.position) == (person.community, person.position)
        assert (t.political_status, t.education) == (person.political_status, person.education)
        e = t.enrollments[0]
        assert e.cohort_id == cohort.id
        assert e.group == person.group
        assert (
            e.class_role.value == {"班长": "monitor", "组长": "group_leader", "学员": "member"}[person.role]
        )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "trainees.imported"))
    assert event.cohort_id == cohort.id
    assert event.after["created"] == 29
    assert len(event.after["created_ids"]) == 29
    assert event.after["file"] == "名单.xlsx"
    assert event.actor_id is not None
    assert list(upload_dir.iterdir()) == []  # deleted after commit
    page = staff_client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "导入完成：新建学员 29 人。" in page


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_saved_by_excel_goes_in(staff_client, cohort, encoding):
    response = upload(staff_client, cohort, rosters.office_csv(encoding), "名单.csv")
    html = response.get_data(as_text=True)
    assert "新学员 29" in html, html
    assert commit(staff_client, cohort, commit_fields(html)).status_code == 302
    assert counts()[:2] == (29, 29)


BAD_FILES = {
    "not a spreadsheet": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "photo.xlsx", "不是表格文件"),
    "empty file": (b"", "empty.xlsx", "文件是空的"),
    "word document": (rosters.docx_bytes(), "名单.xlsx", "Word 文档"),
    "old xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "名单.xls", ".xls"),
    "no name column": (
        rosters.xlsx_bytes([["序号", "手机", "性别"], [1, "13800138000", "男"]]),
        "a.xlsx",
        "没有“姓名”列",
    ),
    "no header": (rosters.xlsx_bytes([["a", "b"], ["c", "d"]]), "a.xlsx", "没有找到表头"),
    "zip bomb": (rosters.zip_bomb_xlsx(60), "bomb.xlsx", "解压后异常巨大"),
    "header only": (rosters.xlsx_bytes([["姓名", "手机"]]), "a.xlsx", "没有学员数据"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_are_refused_with_a_clear_message_and_nothing_written(
    staff_client, cohort, upload_dir, case
):
    data, filename, message = BAD_FILES[case]
    response = upload(staff_client, cohort, data, filename)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert "没有导入任何数据" in html
    assert counts() == (0, 0, 0)
    assert list(upload_dir.iterdir()) == []


def test_csv_with_a_nul_character_past_the_first_bytes_is_refused_before_anything_is_written(
    staff_client, cohort, upload_dir
):
    # A NUL in the first 8 KiB is refused; one further down used to reach the database,
    # where PostgreSQL refuses it with an exception at commit (a 500).
    data = ("学员名单" + " " * 9000 + "\n姓名,联系电话,所在居民区\n张三,13812345678,慧华\x00苑\n").encode()
    response = upload(staff_client, cohort, data, "名单.csv")
    assert response.status_code == 422
    assert "这不是表格文件" in response.get_data(as_text=True)
    assert counts() == (0, 0, 0)
    assert list(upload_dir.iterdir()) == []


def test_a_file_of_20_mb_is_refused_stating_the_limit(staff_client, cohort):
    data = b"\xef\xbb\xbf" + b"x" * (20 * 1024 * 1024)
    html = upload(staff_client, cohort, data, "big.csv").get_data(as_text=True)
    assert "上限为 20 MB" in html
    assert counts() == (0, 0, 0)


def test_a_file_of_20000_rows_is_refused_stating_the_limit(staff_client, cohort):
    rows = [["姓名", "手机"]] + [[f"学员{i}", f"139{i:08d}"] for i in range(20_000)]
    response = upload(staff_client, cohort, rosters.csv_bytes(rows), "big.csv")
    assert response.status_code == 422
    assert "最多 20000 行" in response.get_data(as_text=True)
    assert counts() == (0, 0, 0)


def test_upload_without_a_file_asks_for_one(staff_client, cohort):
    response = staff_client.post(f"/cohorts/{cohort.id}/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "请选择要导入的文件" in response.get_data(as_text=True)


def _person(**kw):
    base = {
        "姓名": "王芳",
        "联系电话": "13800138000",
        "性别": "女",
        "出生年月": "1990.05",
        "组别": "",
        "班级职务": "",
    }
    base.update(kw)
    return base


def test_row_errors_are_listed_with_row_number_and_column_and_nothing_is_written(
    staff_client, cohort, upload_dir
):
    people = [
        _person(),  # row 3 (row 1 is the title, row 2 the header)
        _person(姓名="李娜", 联系电话="1380013800"),  # row 4: 10 digits
        _person(姓名="张伟", 联系电话="13900139000", 出生年月="2031.01"),  # row 5: in the future
        _person(姓名="刘洋", 联系电话="13700137000", 性别="未知"),  # row 6
        _person(姓名="王芳", 联系电话="138 0013 8000"),  # row 7: the same person as row 3
    ]
    rows = [["青蓝接力培训班学员名单"]] + rosters.simple_rows(people)
    response = upload(staff_client, cohort, rosters.xlsx_bytes(rows))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "有 5 处错误，没有导入任何数据" in html
    assert "<strong>第 4 行</strong> · 联系电话：“1380013800”不是有效的大陆手机号码" in html
    assert "<strong>第 5 行</strong> · 出生年月：出生年月“2031.01”晚于今天" in html
    assert "<strong>第 6 行</strong> · 性别：性别“未知”无法识别" in html
    assert "<strong>第 3 行</strong> · 联系电话：与第 7 行是同一个人" in html
    assert "<strong>第 7 行</strong> · 联系电话：与第 3 行是同一个人" in html
    assert "确认导入" not in html
    assert counts() == (0, 0, 0)
    assert list(upload_dir.iterdir()) == []


def test_a_row_without_phone_for_a_new_person_is_an_error(staff_client, cohort):
    rows = rosters.simple_rows([_person(联系电话="")])
    html = upload(staff_client, cohort, rosters.xlsx_bytes(rows)).get_data(as_text=True)
    assert "第 2 行</strong> · 联系电话：缺少手机号码" in html
    assert counts() == (0, 0, 0)


def test_a_known_person_is_matched_by_phone_not_duplicated(staff_client, cohort):
    other = make_cohort(code="QLJL2024")
    known = make_trainee(
        name="王芳", phone="13800138000", community="新梅居民区", birth_year=1990, birth_month=4
    )
    enroll(other, known)
    rows = rosters.simple_rows(
        [_person(联系电话="138-0013-8000", 组别="第二组")],
        headers=("姓名", "联系电话", "性别", "出生年月", "组别", "所在居民区"),
    )
    html = upload(staff_client, cohort, rosters.xlsx_bytes(rows)).get_data(as_text=True)
    assert "已有学员，加入本班 1" in html
    assert "性别：— → <strong>女</strong>" in html
    assert "出生年月：*** → <strong>1990.05</strong>" in html  # not on file for the uploader to read
    assert "1990.04" not in html
    commit(staff_client, cohort, commit_fields(html))
    assert counts()[0] == 1
    db.session.refresh(known)
    assert known.gender == Gender.FEMALE
    assert (known.birth_year, known.birth_month) == (1990, 5)
    assert known.community == "新梅居民区"  # the blank cell did not erase it
    assert {e.cohort_id: e.group for e in known.enrollments} == {other.id: None, cohort.id: "第二组"}
    update = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "trainee.updated"))
    assert update.object_id == known.id
    assert update.before == {"gender": "—", "birth": "1990.04"}
    assert update.after["birth"] == "1990.05"


def test_a_phone_belonging_to_someone_else_is_an_error(staff_client, cohort):
    make_trainee(name="李娜", phone="13800138000")
    html = upload(staff_client, cohort, rosters.xlsx_bytes(rosters.simple_rows([_person()]))).get_data(
        as_text=True
    )
    assert "已属于学员“李娜”，与本行姓名不符" in html
    assert counts()[:2] == (1, 0)


def test_already_enrolled_trainees_get_new_group_and_role(staff_client, cohort):
    known = make_trainee(
        name="王芳", phone="13800138000", gender=Gender.FEMALE, birth_year=1990, birth_month=5
    )
    enrollment = enroll(cohort, known, group="第一组")
    rows = rosters.simple_rows([_person(组别="第三组", 班级职务="组长")])
    html = upload(staff_client, cohort, rosters.xlsx_bytes(rows)).get_data(as_text=True)
    assert "已在本班，将更新 1" in html
    assert "小组：第一组 → <strong>第三组</strong>" in html
    assert "班内职务：学员 → <strong>组长</strong>" in html
    commit(staff_client, cohort, commit_fields(html))
    db.session.refresh(enrollment)
    assert (enrollment.group, enrollment.class_role) == ("第三组", ClassRole.GROUP_LEADER)
    assert counts()[:2] == (1, 1)


def test_importing_into_an_archived_cohort_is_refused(staff_client, cohort):
    cohort.archived_at = datetime(2025, 7, 1, tzinfo=UTC)
    db.session.commit()
    assert "已归档" in staff_client.get(f"/cohorts/{cohort.id}/import").get_data(as_text=True)
    response = upload(staff_client, cohort, rosters.office_xlsx())
    assert response.status_code == 422
    assert "已归档，不能再导入学员" in response.get_data(as_text=True)
    assert counts() == (0, 0, 0)


def test_commit_applies_only_the_file_that_was_previewed(staff_client, cohort, upload_dir):
    fields = commit_fields(upload(staff_client, cohort, rosters.office_xlsx()).get_data(as_text=True))
    stored = upload_dir / f"{fields['token']}.{fields['ext']}"
    stored.write_bytes(rosters.xlsx_bytes(rosters.simple_rows([_person()])))
    response = commit(staff_client, cohort, fields)
    assert response.status_code == 302
    assert "预览已过期" in staff_client.get(response.headers["Location"]).get_data(as_text=True)
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize(
    "tamper", [{"token": "../../etc/passwd"}, {"token": "x" * 43}, {"ext": "py"}, {"sha256": "0"}]
)
def test_a_forged_commit_writes_nothing(staff_client, cohort, tamper):
    fields = commit_fields(upload(staff_client, cohort, rosters.office_xlsx()).get_data(as_text=True))
    fields.update(tamper)
    response = commit(staff_client, cohort, fields)
    assert response.status_code == 302
    assert counts() == (0, 0, 0)


def test_changes_after_the_preview_are_shown_again_before_anything_is_written(staff_client, cohort):
    fields = commit_fields(upload(staff_client, cohort, rosters.office_xlsx()).get_data(as_text=True))
    first = rosters.OFFICE_TRAINEES[0]
    make_trainee(name=first.name, phone=first.phone)  # someone adds her meanwhile
    response = commit(staff_client, cohort, fields)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "预览之后数据发生了变化" in html
    assert "已有学员，加入本班 1" in html
    assert counts()[:2] == (1, 0)
    response = commit(staff_client, cohort, commit_fields(html))
    assert response.status_code == 302
    assert counts()[:2] == (29, 29)


def test_commit_checks_every_row_again(staff_client, cohort, upload_dir):
    fields = commit_fields(upload(staff_client, cohort, rosters.office_xlsx()).get_data(as_text=True))
    make_trainee(name="某某", phone=rosters.OFFICE_TRAINEES[3].phone)  # the phone now belongs to another name
    response = commit(staff_client, cohort, fields)
    assert response.status_code == 422
    assert "已属于学员“某某”" in response.get_data(as_text=True)
    assert counts()[:2] == (1, 0)
    assert list(upload_dir.iterdir()) == []


def test_template_downloads_and_imports_only_what_is_filled_in(staff_client, cohort):
    response = staff_client.get("/imports/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == XLSX
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(response.data))
    ws = wb["学员名单"]
    headers = [c.value for c in ws[2]]
    assert headers[:5] == ["序号", "姓名*", "性别", "出生年月", "联系电话*"]
    assert ws["E3"].number_format == "@"
    assert ws["E50"].number_format == "@"
    # The untouched template has only the example row: nothing to import.
    html = upload(staff_client, cohort, response.data).get_data(as_text=True)
    assert "表头下面没有学员数据" in html
    ws.append([1, "李娜", "女", "1991.03", "13900139000"])
    out = io.BytesIO()
    wb.save(out)
    html = upload(staff_client, cohort, out.getvalue()).get_data(as_text=True)
    assert "新学员 1" in html
    assert "示例行，不导入" in html


def test_trainees_cannot_download_the_template(client, cohort):
    login(client, make_trainee_user(cohort).username)
    assert client.get("/imports/template.xlsx").status_code == 403


def test_a_new_monitor_from_the_file_replaces_one_not_in_the_file(staff_client, cohort):
    old = make_trainee(name="赵磊", phone="13600136000")
    old_enrollment = enroll(cohort, old, class_role=ClassRole.MONITOR)
    rows = rosters.simple_rows([_person(班级职务="班长")])
    html = upload(staff_client, cohort, rosters.xlsx_bytes(rows)).get_data(as_text=True)
    assert "原班长“赵磊”不在本文件中，将改为学员" in html
    commit(staff_client, cohort, commit_fields(html))
    db.session.refresh(old_enrollment)
    assert old_enrollment.class_role == ClassRole.MEMBER
    monitors = db.session.scalars(
        select(Enrollment).where(
            Enrollment.cohort_id == cohort.id, Enrollment.class_role == ClassRole.MONITOR
        )
    ).all()
    assert [e.trainee.name for e in monitors] == ["王芳"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "trainees.imported"))
    assert event.after["demoted_ids"] == [old.id]


def test_preview_does_not_reveal_what_is_on_file_for_a_person_of_another_cohort(staff_client, cohort):
    other_cohort = make_cohort()
    someone = make_trainee(name="周敏", phone="13912345670", notes="家中有事，需照顾老人", education="硕士")
    enroll(other_cohort, someone)
    rows = [["姓名", "联系电话", "学历", "备注"], ["周敏", "13912345670", "本科", "新备注"]]
    html = upload(staff_client, cohort, rosters.xlsx_bytes(rows)).get_data(as_text=True)
    assert "新备注" in html and "本科" in html  # what the file will write is shown
    assert "家中有事" not in html and "硕士" not in html  # what is on file is not
