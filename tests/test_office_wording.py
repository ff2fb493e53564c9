"""The words an office uses (issue 12 point 4): 班主任, 退训, 班内职务, 小组, class names, rows vs errors."""

from __future__ import annotations

import io

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from cadre.labels import label_for
from cadre.models import Role
from tests.data import rosters
from tests.factories import enroll, make_cohort, make_trainee


def upload(client, cohort, data: bytes):
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), "名单.xlsx")})
    return client.post(
        f"/cohorts/{cohort.id}/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def test_the_person_who_runs_a_class_is_its_class_teacher(app, client, organizer):
    assert label_for(Role.ORGANIZER) == "班主任"
    assert "您将自动成为本班的班主任" in client.get("/cohorts/new").get_data(as_text=True)


def test_the_roster_says_class_role_and_withdrawing_says_退训(client, organizer):
    cohort = make_cohort(organizers=[organizer])
    e = enroll(cohort, make_trainee(name="王芳"))
    roster = client.get(f"/cohorts/{cohort.id}/enrollments").get_data(as_text=True)
    assert "班内职务" in roster and ">职务<" not in roster
    page = client.get(f"/cohorts/{cohort.id}/enrollments/{e.id}").get_data(as_text=True)
    assert "标记为退出" not in page and 'value="退训"' in page
    response = client.post(
        f"/cohorts/{cohort.id}/enrollments/{e.id}/withdraw",
        data={"withdrawn_on": "2025-05-20", "reason": "工作调动"},
        follow_redirects=True,
    )
    assert "王芳 已退训" in response.get_data(as_text=True)


def test_the_import_counts_rows_with_errors_as_rows_and_says_小组(client, organizer):
    cohort = make_cohort(organizers=[organizer])
    # two errors in one row
    person = {"姓名": "王芳", "联系电话": "1380013800", "性别": "未知", "组别": "第一组"}
    html = upload(client, cohort, rosters.xlsx_bytes(rosters.simple_rows([person]))).get_data(as_text=True)
    assert "1 行有错误" in html and "有 2 处错误" in html
    assert "有错误 1" not in html
    good = {"姓名": "王芳", "联系电话": "13800138000", "组别": "第一组"}
    html = upload(client, cohort, rosters.xlsx_bytes(rosters.simple_rows([good]))).get_data(as_text=True)
    assert "组别 → 小组" in html  # the file's word, shown as the screens' word
    assert "小组" in client.get(f"/cohorts/{cohort.id}/import").get_data(as_text=True)


def test_english_import_badge_counts_rows(client, organizer):
    cohort = make_cohort(organizers=[organizer])
    client.post("/language", data={"lang": "en", "next": "/"})
    people = [{"姓名": f"学员{i}", "联系电话": "123"} for i in range(2)]
    html = upload(client, cohort, rosters.xlsx_bytes(rosters.simple_rows(people))).get_data(as_text=True)
    assert "2 rows with errors" in html


def test_opening_the_site_shows_the_login_page_without_a_warning(client):
    response = client.get("/", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.request.path == "/auth/login"
    assert "请先登录" not in page
    # A page that needs a login still says why the login page appears.
    assert "请先登录" in client.get("/cohorts/", follow_redirects=True).get_data(as_text=True)
