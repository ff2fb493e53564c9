"""Attack: a trainee at home brute-forces the projector's 6-digit code instead of coming.

At any moment three windows' codes are accepted per session and purpose (this window, the
previous one, the next within grace), so one guess hits with p = 3 / 10^6, or 6 / 10^6 when
the session also shows a sign-out code. With only "10 per minute" per trainee, a script
gets 14,400 guesses a day: about 4% a day to sign in without coming, and over a 20-session
course a fair chance to succeed at least once, with nothing on the suspects list.
A budget of FAILED codes per trainee per day bounds that; a trainee who types the right
code does not use it up.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from cadre.extensions import db
from cadre.models import AttendanceRecord
from cadre.models.types import utcnow
from cadre.rules.signin_tokens import make_code, verify_code
from tests.factories import login, make_session, make_trainee_user

KEY = "test-secret"
ACCEPTED_CODES_PER_GUESS = 6  # 3 windows × ("in", "out")
MAX_DAILY_HIT_CHANCE = 1e-3


@pytest.fixture
def live(cohort):
    return make_session(cohort, starts_at=utcnow() - timedelta(minutes=5), sign_out_required=True)


@pytest.fixture
def spread_over_the_day(app, monkeypatch):
    """The script keeps under the per-minute limit by spreading its guesses over the day."""
    monkeypatch.setitem(app.config, "SIGNIN_RATE_LIMIT", "100000 per minute")


def wrong_code(session, n: int) -> str:
    code = f"{n:06d}"
    if (
        verify_code(KEY, code, session.id, utcnow()).ok
        or verify_code(KEY, code, session.id, utcnow(), purpose="out").ok
    ):
        code = f"{n + 500000:06d}"
    return code


def test_three_windows_of_codes_are_accepted_at_any_moment(live):
    """The figure the budget below rests on (if rotation changes, so does the budget)."""
    now = utcnow()
    accepted = {make_code(KEY, live.id, now + timedelta(seconds=s), purpose="in") for s in range(-50, 30, 20)}
    assert sum(verify_code(KEY, c, live.id, now).ok for c in accepted) <= ACCEPTED_CODES_PER_GUESS // 2


def test_a_code_guesser_is_stopped_long_before_a_lucky_hit(client, cohort, live, spread_over_the_day):
    login(client, make_trainee_user(cohort).username)
    tries = 0
    while tries < 1000:
        response = client.post("/signin/code", data={"code": wrong_code(live, tries)})
        if response.status_code == 429:
            break
        assert "签到码无效" in response.get_data(as_text=True)
        tries += 1
    assert tries * ACCEPTED_CODES_PER_GUESS / 10**6 <= MAX_DAILY_HIT_CHANCE, f"{tries} guesses a day"
    assert "操作太频繁" in response.get_data(as_text=True)
    # Stopped means stopped: now even the right code does not sign in (ask the organizer).
    right = client.post("/signin/code", data={"code": make_code(KEY, live.id, utcnow())})
    assert right.status_code == 429
    assert db.session.query(AttendanceRecord).filter_by(session_id=live.id).count() == 0


def test_right_codes_do_not_use_up_the_budget(client, cohort, spread_over_the_day):
    """A trainee with many sessions a day who types each code right is never locked out."""
    login(client, make_trainee_user(cohort).username)
    for n in range(40):
        session = make_session(
            cohort, starts_at=utcnow() - timedelta(minutes=5) + timedelta(seconds=n), title=f"第{n}讲"
        )
        db.session.commit()
        response = client.post("/signin/code", data={"code": make_code(KEY, session.id, utcnow())})
        assert response.status_code == 200 and "签到成功" in response.get_data(as_text=True), n
