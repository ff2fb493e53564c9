"""Shared by the tests that log in many times: cheap password hashing.

In a test module, ``fast_password_hashing = auth_support.fast_password_hashing`` makes
every test of that module use it (it is autouse there, and nowhere else).
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """One iteration instead of scrypt: these tests are about the flow, not hash strength."""
    monkeypatch.setattr("cadre.auth.passwords.PASSWORD_METHOD", "pbkdf2:sha256:1")
