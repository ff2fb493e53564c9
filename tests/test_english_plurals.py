"""English mode reads as English: "1 credit hour", "6 people", "Group leader: …" (not "1 credit hours"),
and the page title in Chinese mode names the product in Chinese (WeChat shows it in its title bar)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from cadre.models import ClassRole, Role
from tests.factories import enroll, login, make_cohort, make_session, make_trainee, make_user


def _cohort(client):
    organizer = make_user(Role.ORGANIZER, username="org")
    cohort = make_cohort(organizers=[organizer])
    start = datetime(2025, 5, 9, 1, 0, tzinfo=UTC)
    make_session(cohort, starts_at=start, ends_at=start.replace(hour=2), credit_hours=Decimal("1"))
    make_session(
        cohort,
        starts_at=start.replace(day=10),
        ends_at=start.replace(day=10, hour=3),
        credit_hours=Decimal("2.5"),
    )
    enroll(cohort, make_trainee(name="王芳"), group="第一组", class_role=ClassRole.GROUP_LEADER)
    for n in range(5):
        enroll(cohort, make_trainee(name=f"学员{n}"), group="第一组")
    enroll(cohort, make_trainee(name="李四"), group="第二组")
    login(client, "org")
    return cohort


def test_english_plurals_and_colons_on_the_cohort_page(client, app):
    cohort = _cohort(client)
    client.post("/language", data={"lang": "en", "next": "/"})
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "1 credit hour<" in page and "2.5 credit hours" in page and "1 credit hours" not in page
    assert "6 people" in page and "1 person" in page and "in group" not in page
    assert "Group leader: 王芳" in page and "：" not in page.split("<main", 1)[1].replace("王芳", "")


def test_chinese_mode_keeps_chinese_words(client, app):
    cohort = _cohort(client)
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "1 学时" in page and "6 人" in page and "组长：王芳" in page


def test_page_title_uses_the_chinese_product_name(client, app):
    cohort = _cohort(client)
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "Cadre" not in title and "后备干部培训" in title
    client.post("/language", data={"lang": "en", "next": "/"})
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Cadre" in page.split("<title>", 1)[1].split("</title>", 1)[0]
