""" "1 学时" stays on one line on phones: a number and its unit are never split across lines."""

from __future__ import annotations

from decimal import Decimal

from markupsafe import Markup

from cadre.models import Role
from tests.factories import login, make_cohort, make_session, make_user


def test_schedule_page_keeps_each_number_with_its_unit(client, app):
    organizer = make_user(Role.ORGANIZER)
    cohort = make_cohort(organizers=[organizer])
    make_session(cohort, credit_hours=Decimal("1"))
    login(client, organizer.username)
    page = client.get(f"/cohorts/{cohort.id}/schedule").get_data(as_text=True)
    assert '共 1 次课程，<span class="text-nowrap">1 学时</span>' in page
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/cohorts/{cohort.id}/schedule").get_data(as_text=True)
    assert '<span class="text-nowrap">1 credit hour' in page


def test_nowrap_hours_escapes_what_it_wraps(app):
    nowrap = app.jinja_env.filters["nowrap_hours"]
    assert nowrap("<b>x</b> 2.5 学时") == Markup(
        '&lt;b&gt;x&lt;/b&gt; <span class="text-nowrap">2.5 学时</span>'
    )
    assert nowrap(Markup("&lt;i&gt; 3 学时")) == Markup('&lt;i&gt; <span class="text-nowrap">3 学时</span>')
    assert nowrap("没有学时") == Markup("没有学时")
