"""Passwords: one way to hash them, and passwords handed out on paper."""

from __future__ import annotations

import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from functools import cache

from werkzeug.security import check_password_hash, generate_password_hash

# Every password -- chosen, initial, reset, demo -- is hashed with these parameters, so that
# checking a wrong password costs the same for every account and tells nothing about which
# accounts are still on a cheaper initial password. Pinned, not werkzeug's default, so that
# an upgrade of werkzeug does not quietly split the accounts into two costs.
# N=2^14, r=8, p=1 is scrypt's published parameter set for interactive logins: about
# 50-100 ms of CPU and 16 MB per hash or check, so a class of 200 logging in, or 200 login
# slips issued at once, costs 10-20 s of CPU on a 2-core server rather than twice that.
PASSWORD_METHOD = "scrypt:16384:8:1"  # noqa: S105 - a hash method, not a password
SALT_LENGTH = 16

# No 0/O, 1/l/I: read off a printed slip by someone typing on a phone.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def random_password(length: int = 10) -> str:
    """A random password that is easy to read off paper."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def hash_password(password: str) -> str:
    """The stored form of a password. Slow on purpose: call it before opening a write."""
    return generate_password_hash(password, method=PASSWORD_METHOD, salt_length=SALT_LENGTH)


def new_credentials(count: int) -> list[tuple[str, str]]:
    """`count` random passwords with their hashes, for logins handed out on paper.

    Hashing is the slow part (the one cost above, ~70 ms each), so callers make these
    before they open a write, and several hashes run at once: hashlib's scrypt works
    outside the GIL, so threads use every core.
    """
    passwords = [random_password() for _ in range(count)]
    if count <= 1:
        return [(p, hash_password(p)) for p in passwords]
    with ThreadPoolExecutor(max_workers=min(count, os.cpu_count() or 1)) as pool:
        return list(zip(passwords, pool.map(hash_password, passwords), strict=True))


def verify_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


def hash_parameters(password_hash: str) -> tuple[str, int]:
    """The method with its cost parameters and the salt length of a stored hash."""
    method, _sep, rest = password_hash.partition("$")
    salt, _sep, _digest = rest.partition("$")
    return method, len(salt)


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method=method, salt_length=SALT_LENGTH)


def spend_a_password_check(password: str) -> None:
    """As slow as checking a real password, so that timing does not tell which usernames exist."""
    check_password_hash(_dummy_hash(PASSWORD_METHOD), password)
