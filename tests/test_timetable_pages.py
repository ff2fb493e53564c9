"""The organizer's week grid and list, the trainee's 我的课表 and the printed timetable."""

from __future__ import annotations

import subprocess

import pytest

from cadre.models import Role
from cadre.timetable import views
from tests.factories import enroll, login, make_cohort, make_session, make_user
from tests.timetable_support import local, programme


@pytest.fixture
def at(monkeypatch):
    """Move the timetable's clock: at(datetime)."""

    def move(moment):
        monkeypatch.setattr(views, "now", lambda: moment)

    return move


def test_week_grid_shows_the_week_with_kinds_speakers_and_venue(app, client):
    p = programme()
    login(client, p.organizer.username)
    page = client.get(f"/cohorts/{p.cohort.id}/timetable?week=2025-05-07").get_data(as_text=True)

    assert "5月5日（周一）" in page and "5月11日（周日）" in page
    assert "5月9日（周五）" in page
    assert "开班第一课" in page and "沉浸式研学" in page
    assert "kind-site_visit" in page and "研学参观" in page  # colour and label
    assert "张雪梅（上海交通大学马克思主义学院教授、博士生导师）" in page
    assert "党群服务中心" in page and "10:00–11:30" in page
    assert "议事协商的方法" not in page  # the next week's session
    assert "week=2025-04-28" in page and "week=2025-05-12" in page  # previous and next week


def test_next_week_shows_a_cancelled_session_struck_through_with_its_reason(app, client):
    p = programme()
    login(client, p.organizer.username)
    page = client.get(f"/cohorts/{p.cohort.id}/timetable?week=2025-05-12").get_data(as_text=True)

    assert "议事协商的方法" in page
    assert "tt-cancelled" in page and "已取消" in page
    assert "授课人临时出差" in page


def test_without_a_week_the_grid_opens_on_the_first_week_when_the_course_is_over(app, client, at):
    p = programme()
    at(local(2026, 12, 2, 9))
    login(client, p.organizer.username)
    page = client.get(f"/cohorts/{p.cohort.id}/timetable").get_data(as_text=True)
    assert "开班第一课" in page

    at(local(2025, 5, 14, 9))
    page = client.get(f"/cohorts/{p.cohort.id}/timetable").get_data(as_text=True)
    assert "议事协商的方法" in page and "开班第一课" not in page  # the week of today


def test_a_bad_week_parameter_falls_back_instead_of_failing(app, client):
    p = programme()
    login(client, p.organizer.username)
    for value in ("2025-13-45", "yesterday", "9999-01-01"):
        assert client.get(f"/cohorts/{p.cohort.id}/timetable?week={value}").status_code == 200


def test_list_view_has_every_session_by_day_with_site_visit_details(app, client):
    p = programme()
    login(client, p.organizer.username)
    page = client.get(f"/cohorts/{p.cohort.id}/timetable?view=list").get_data(as_text=True)

    assert page.index("2025年5月9日（周五）") < page.index("2025年5月16日（周五）")
    assert "开班第一课" in page and "沉浸式研学" in page and "议事协商的方法" in page
    assert "13:15 党群服务中心门口" in page and "统一乘车" in page
    assert "14:00 大场镇党群服务中心" in page and "021-56688123" in page


def test_conflict_check_lists_problems_of_the_cohort(app, client):
    p = programme()
    make_session(p.cohort, title="周六补课", starts_at=local(2025, 5, 10, 9))
    login(client, p.organizer.username)
    page = client.get(f"/cohorts/{p.cohort.id}/timetable?view=list&check=1").get_data(as_text=True)

    assert "检查结果" in page
    assert "5月10日（周六） 是周末" in page


def test_my_timetable_puts_the_next_session_first_with_countdown_and_meeting_point(app, client, at):
    p = programme()
    at(local(2025, 5, 9, 11))  # during the lecture
    login(client, p.trainee.username)
    page = client.get("/my/timetable").get_data(as_text=True)
    assert "进行中" in page
    assert page.index("开班第一课") < page.index("今天")

    at(local(2025, 5, 9, 12))
    page = client.get("/my/timetable").get_data(as_text=True)
    head = page[: page.index("今天 ·")]
    assert "沉浸式研学" in head
    assert "还有1小时15分钟" in head  # to the 13:15 meeting
    assert "党群服务中心门口" in head and "统一乘车" in head
    assert "大场镇党群服务中心" in head and "慧华苑居民区党群服务站" in head
    assert "tt-past" in page  # the lecture that is over

    at(local(2025, 5, 7, 7))  # the lecture at 10:00 on the 9th
    page = client.get("/my/timetable").get_data(as_text=True)
    assert "还有2天3小时" in page[: page.index("今天 ·")]


def test_my_timetable_labels_sessions_by_cohort_for_a_trainee_in_two(app, client, at):
    p = programme()
    other = make_cohort(name="第二个班")
    enroll(other, p.trainee.trainee)
    make_session(other, title="第二班讲座", starts_at=local(2025, 5, 12, 9))
    at(local(2025, 5, 8, 9))
    login(client, p.trainee.username)
    page = client.get("/my/timetable").get_data(as_text=True)

    assert "第二班讲座" in page and "开班第一课" in page
    assert "第二个班" in page and "青蓝接力测试班" in page


def test_my_timetable_after_the_course_says_so_and_keeps_past_sessions(app, client, at):
    p = programme()
    at(local(2026, 1, 1, 9))
    login(client, p.trainee.username)
    page = client.get("/my/timetable").get_data(as_text=True)

    assert "课程已全部结束" in page
    assert "已结束的课程" in page and "开班第一课" in page


def test_trainee_home_links_my_timetable(app, client):
    p = programme()
    login(client, p.trainee.username)
    assert 'href="/my/timetable"' in client.get("/").get_data(as_text=True)


def test_staff_have_no_my_timetable(app, client):
    admin = make_user(Role.ADMIN)
    login(client, admin.username)
    assert client.get("/my/timetable").status_code == 404


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "t.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_printed_timetable_has_days_times_speakers_venues_and_stops(app, client, tmp_path):
    p = programme()
    login(client, p.organizer.username)
    response = client.get(f"/cohorts/{p.cohort.id}/timetable.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response.data, tmp_path)
    for expected in (
        "青蓝接力测试班",
        "5月9日（周五）",
        "10:00–11:30",
        "专题讲座",
        "开班第一课",
        "张雪梅",
        "党群服务中心门口",
        "大场镇党群服务中心",
        "已取消",
        "授课人临时出差",
    ):
        assert expected in text, expected


def test_printed_timetable_is_a4_landscape(app, client, tmp_path):
    p = programme()
    login(client, p.organizer.username)
    path = tmp_path / "t.pdf"
    path.write_bytes(client.get(f"/cohorts/{p.cohort.id}/timetable.pdf").data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    size = next(line for line in info.splitlines() if line.startswith("Page size"))
    width, height = (float(v) for v in size.split(":")[1].split("pts")[0].split(" x "))
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points


def test_cli_prints_the_timetable(app, runner, tmp_path):
    p = programme()
    out = tmp_path / "t.pdf"
    result = runner.invoke(args=["cadre", "timetable", p.cohort.code, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "沉浸式研学" in _pdf_text(out.read_bytes(), tmp_path)
