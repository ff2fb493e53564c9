"""Attack that held, kept as a regression test: a cross-site POST that signs a trainee in.

With CSRF protection as in production, a POST without the page's CSRF token (a form on
another site, even one that somehow carries a genuine ticket or code) writes nothing.
"""

from __future__ import annotations

import re
from datetime import timedelta

from cadre.extensions import db
from cadre.models import AttendanceRecord, Role
from cadre.models.types import utcnow
from cadre.rules.signin_tokens import make_code, make_token
from tests.factories import login, make_cohort, make_session, make_trainee_user, make_user

KEY = "test-secret"


def test_sign_in_posts_without_the_csrf_token_write_nothing(app, client, monkeypatch):
    cohort = make_cohort(organizers=[make_user(Role.ORGANIZER, username="teacher")])
    session = make_session(cohort, starts_at=utcnow() - timedelta(minutes=5))
    login(client, make_trainee_user(cohort).username)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    token = make_token(KEY, session.id, utcnow())
    page = client.get(f"/s/{token}").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    ticket = re.search(r'name="ticket" type="hidden" value="([^"]+)"', page).group(1)
    cross_site = client.post(f"/s/{token}", data={"ticket": ticket})
    assert cross_site.status_code == 400
    typed = client.post("/signin/code", data={"code": make_code(KEY, session.id, utcnow())})
    assert "签到成功" not in typed.get_data(as_text=True)
    assert db.session.query(AttendanceRecord).filter_by(session_id=session.id).count() == 0
    # The page's own form, with its token, still signs in.
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    own = client.post(f"/s/{token}", data={"ticket": ticket, "csrf_token": csrf})
    assert "签到成功" in own.get_data(as_text=True)
