"""Passwords handed out on paper."""

from __future__ import annotations

import secrets

# No 0/O, 1/l/I: read off a printed slip by someone typing on a phone.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def random_password(length: int = 10) -> str:
    """A random password that is easy to read off paper."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
