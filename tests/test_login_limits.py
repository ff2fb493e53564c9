"""Login limits: a stranger cannot lock the owner out, guessing stays bounded, a class is never throttled.

The limits (config.py, README "Login limits"): attempts per account and client address
(10 a minute), attempts per account from anywhere (50 an hour), failed attempts per
client address (300 a minute; successful logins are not counted).
"""

from __future__ import annotations

from limits import parse as parse_limit
from sqlalchemy import insert

from cadre.auth.passwords import hash_password
from cadre.extensions import db
from cadre.models import Role, User
from tests import auth_support
from tests.factories import PASSWORD, make_user

WRONG = "wrong-password"


fast_password_hashing = auth_support.fast_password_hashing  # autouse here


def attempt(app, username: str, password: str = WRONG, address: str = "203.0.113.9"):
    """One login attempt from a fresh browser at `address`."""
    client = app.test_client()
    return client.post(
        "/auth/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def amount(app, setting: str) -> int:
    return parse_limit(app.config[setting]).amount


def test_a_strangers_failures_from_elsewhere_do_not_lock_the_owner_out(app):
    make_user(Role.TRAINEE, username="13900000001")
    for _ in range(amount(app, "LOGIN_RATE_LIMIT")):
        assert attempt(app, "13900000001", address="198.51.100.66").status_code == 200
    # The stranger's own address is now refused, even with the right password ...
    assert attempt(app, "13900000001", PASSWORD, address="198.51.100.66").status_code == 429
    # ... while the owner, on the class Wi-Fi or on mobile data, still logs in.
    response = attempt(app, "13900000001", PASSWORD, address="203.0.113.9")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_guessing_one_account_from_many_addresses_meets_a_ceiling(app):
    make_user(Role.TRAINEE, username="13900000001")
    per_address = amount(app, "LOGIN_RATE_LIMIT")
    ceiling = amount(app, "LOGIN_RATE_LIMIT_PER_ACCOUNT")
    assert ceiling >= 5 * per_address  # much higher than one address may try
    for n in range(ceiling):
        address = f"198.51.100.{n // per_address + 1}"
        assert attempt(app, "13900000001", address=address).status_code == 200
    assert attempt(app, "13900000001", PASSWORD, address="192.0.2.200").status_code == 429


def test_two_hundred_trainees_behind_one_address_all_log_in_within_a_minute(app):
    """A session morning: the whole class on one Wi-Fi, a third of them mistyping their slip once."""
    password_hash = hash_password(PASSWORD)
    phones = [f"1390000{n:04d}" for n in range(200)]
    db.session.execute(
        insert(User),
        [
            {"username": p, "display_name": p, "password_hash": password_hash, "role": Role.TRAINEE}
            for p in phones
        ],
    )
    db.session.commit()
    refused = []
    for n, phone in enumerate(phones):
        if n % 3 == 0:
            assert attempt(app, phone, "typo-" + PASSWORD).status_code == 200
        response = attempt(app, phone, PASSWORD)
        if response.status_code != 302:
            refused.append((phone, response.status_code))
    assert refused == []


def test_only_failed_attempts_count_against_an_address(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT_PER_IP", "5 per minute")
    for n in range(20):  # successes: never counted
        make_user(Role.TRAINEE, username=f"1380000{n:04d}")
        assert attempt(app, f"1380000{n:04d}", PASSWORD).status_code == 302
    for n in range(5):  # five failures, each on a different account
        assert attempt(app, f"1380000{n:04d}").status_code == 200
    # Spraying many accounts from one address is bounded: that address waits ...
    assert attempt(app, "13800000019", PASSWORD).status_code == 429
    # ... and other addresses do not.
    assert attempt(app, "13800000019", PASSWORD, address="192.0.2.7").status_code == 302
