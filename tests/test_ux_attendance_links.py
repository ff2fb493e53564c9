"""What an organizer and a trainee rely on to find their way: links between the schedule,
roll call, sign-in sheet, statistics and leave pages, and dates as an office writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cadre.extensions import db
from cadre.models import Role
from tests.factories import enroll, login, make_cohort, make_session, make_trainee_user, make_user


@pytest.fixture
def org(app):
    return make_user(Role.ORGANIZER)


@pytest.fixture
def cohort(org):
    cohort = make_cohort(organizers=[org])
    db.session.commit()
    return cohort


def _links(page: str, *urls: str) -> list[str]:
    return [u for u in urls if f'href="{u}' not in page]


def test_schedule_leads_to_roll_call_sheet_stats_and_requests(client, org, cohort):
    # 2025-05-09 09:00 in Shanghai is a Friday.
    s = make_session(cohort, title="开班第一课", starts_at=datetime(2025, 5, 9, 1, 0, tzinfo=UTC))
    db.session.commit()
    login(client, org.username)
    page = client.get(f"/cohorts/{cohort.id}/schedule").get_data(as_text=True)
    assert not _links(
        page,
        f"/sessions/{s.id}/rollcall",
        f"/sessions/{s.id}/sheet.pdf",
        f"/cohorts/{cohort.id}/attendance",
        f"/cohorts/{cohort.id}/requests",
        f"/cohorts/{cohort.id}/copy",
    )


def test_roll_call_leads_back_to_schedule_stats_and_the_paper_sheet(client, org, cohort):
    s = make_session(cohort, title="开班第一课", starts_at=datetime(2025, 5, 9, 1, 0, tzinfo=UTC))
    db.session.commit()
    login(client, org.username)
    page = client.get(f"/sessions/{s.id}/rollcall").get_data(as_text=True)
    assert "5月9日（周五）" in page and "09:00–11:00" in page
    assert not _links(
        page,
        f"/cohorts/{cohort.id}/schedule",
        f"/cohorts/{cohort.id}/attendance",
        f"/cohorts/{cohort.id}/requests",
        f"/sessions/{s.id}/sheet.pdf",
        f"/sessions/{s.id}/paper",
    )


def test_stats_and_requests_lead_to_each_other_and_to_the_schedule(client, org, cohort):
    s = make_session(cohort, title="开班第一课", starts_at=datetime(2025, 5, 9, 1, 0, tzinfo=UTC))
    db.session.commit()
    login(client, org.username)
    stats = client.get(f"/cohorts/{cohort.id}/attendance").get_data(as_text=True)
    assert "5月9日（周五）" in stats and "05-09" not in stats
    assert not _links(
        stats,
        f"/cohorts/{cohort.id}/requests",
        f"/cohorts/{cohort.id}/schedule",
        f"/sessions/{s.id}/sheet.pdf",
    )
    requests = client.get(f"/cohorts/{cohort.id}/requests").get_data(as_text=True)
    assert not _links(requests, f"/cohorts/{cohort.id}/attendance", f"/cohorts/{cohort.id}/schedule")


def test_cohort_detail_names_the_schedule_and_links_attendance(client, org, cohort):
    make_session(cohort, title="开班第一课", starts_at=datetime(2025, 5, 9, 1, 0, tzinfo=UTC))
    db.session.commit()
    login(client, org.username)
    page = client.get(f"/cohorts/{cohort.id}").get_data(as_text=True)
    assert "课程安排（1）" in page and "日程（" not in page
    assert "5月9日（周五）" in page
    assert not _links(page, f"/cohorts/{cohort.id}/attendance", f"/cohorts/{cohort.id}/requests")


def test_trainee_home_and_timetable_lead_to_leave_and_corrections(client, cohort):
    user = make_trainee_user(cohort)
    make_session(cohort, title="将来的课", starts_at=datetime.now(UTC) + timedelta(days=2))
    db.session.commit()
    login(client, user.username)
    home = client.get("/").get_data(as_text=True)
    assert not _links(home, "/my/requests")
    mine = client.get("/my/timetable").get_data(as_text=True)
    assert not _links(mine, "/leave/new", "/my/requests")
    requests = client.get("/my/requests").get_data(as_text=True)
    assert not _links(requests, "/my/timetable", "/leave/new")


def test_leave_form_shows_dates_with_weekday(client, cohort):
    user = make_trainee_user(cohort)
    starts = datetime.now(UTC).replace(hour=1, minute=0, second=0, microsecond=0) + timedelta(days=3)
    make_session(cohort, title="将来的课", starts_at=starts)
    db.session.commit()
    login(client, user.username)
    page = client.get("/leave/new").get_data(as_text=True)
    weekday = "一二三四五六日"[starts.weekday()]
    assert f"{starts.month}月{starts.day}日（周{weekday}）" in page
    assert "09:00–11:00" in page


def test_sign_in_sheet_dates_roles_and_english_plurals(client, org, cohort, monkeypatch):
    s = make_session(cohort, title="开班第一课", starts_at=datetime(2025, 5, 9, 1, 0, tzinfo=UTC))
    for group, n in (("A", 1), ("B", 2)):
        for _ in range(n):
            enroll(cohort, make_trainee_user().trainee, group=group)
    db.session.commit()
    pages: list[str] = []

    def html_only(template, **context):
        from flask import render_template

        pages.append(render_template(template, **context))
        return b"%PDF-"

    monkeypatch.setattr("cadre.pdf.render_pdf", html_only)
    login(client, org.username)
    assert client.get(f"/sessions/{s.id}/sheet.pdf").status_code == 200
    assert "2025年5月9日（周五） 09:00–11:00" in pages[-1] and "班内职务" in pages[-1]
    client.post("/language", data={"lang": "en", "next": "/"})
    assert client.get(f"/sessions/{s.id}/sheet.pdf").status_code == 200
    english = pages[-1]
    assert "A · 1 trainee<" in english and "B · 2 trainees<" in english
    assert "（" not in english.split("<body>")[1]
