"""The login limits count an account however its name is spelt.

Found by attacking main: the form cleans the username (invisible characters go) before
it finds the account, but the limits keyed on the raw text, so inserting a zero-width
space or a control character gave every guess a fresh counter: unlimited guessing of one
account from one address, and the per-account ceiling never reached.
"""

from __future__ import annotations

from limits import parse as parse_limit

from cadre.models import Role
from tests import auth_support
from tests.factories import PASSWORD, make_user

PHONE = "13900000001"
WRONG = "wrong-password"


fast_password_hashing = auth_support.fast_password_hashing  # autouse here


def attempt(app, username: str, password: str = WRONG, address: str = "198.51.100.66"):
    return app.test_client().post(
        "/auth/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def spellings(n: int) -> list[str]:
    """n spellings of PHONE that the login form reads as PHONE."""
    marks = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\x01", "\x7f", "\u202e"]
    out = []
    for i in range(n):
        mark = marks[i % len(marks)]
        cut = 1 + (i // len(marks)) % (len(PHONE) - 1)
        out.append(PHONE[:cut] + mark + PHONE[cut:] + (" " if i % 2 else ""))
    return out


def test_invisible_characters_do_not_reset_the_per_account_and_address_limit(app):
    make_user(Role.TRAINEE, username=PHONE)
    # The form reads a spelling as the account itself: the right password logs in with it.
    assert attempt(app, spellings(1)[0], PASSWORD, address="192.0.2.1").status_code == 302
    allowed = parse_limit(app.config["LOGIN_RATE_LIMIT"]).amount
    statuses = [attempt(app, name).status_code for name in spellings(allowed)]
    assert statuses == [200] * allowed
    assert attempt(app, spellings(allowed + 1)[-1]).status_code == 429
    assert attempt(app, PHONE, PASSWORD).status_code == 429


def test_invisible_characters_do_not_escape_the_per_account_ceiling(app):
    make_user(Role.TRAINEE, username=PHONE)
    per_address = parse_limit(app.config["LOGIN_RATE_LIMIT"]).amount
    ceiling = parse_limit(app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT"]).amount
    names = spellings(ceiling)
    for n, name in enumerate(names):
        assert attempt(app, name, address=f"198.51.100.{n // per_address + 1}").status_code == 200
    assert attempt(app, PHONE.upper() + "\u200b", PASSWORD, address="192.0.2.200").status_code == 429
