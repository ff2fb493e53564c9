"""Shared by the tests that log in many times: cheap password hashing.

Use it with ``pytest_plugins = ["tests.auth_support"]`` and
``pytestmark = pytest.mark.usefixtures("fast_password_hashing")``.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def fast_password_hashing(monkeypatch):
    """One iteration instead of scrypt: these tests are about the flow, not hash strength."""
    monkeypatch.setattr("cadre.auth.passwords.PASSWORD_METHOD", "pbkdf2:sha256:1")
