"""Cadre: training programmes for reserve cadres of city sub-districts.

This file imports no Flask: `cadre.rules` and `cadre.enums` are pure and must stay
importable without the web stack. The application factory lives in `cadre.factory`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: object | str | None = None) -> Flask:
    """Build the application. `config` is a config class, its name, or None for the env."""
    from cadre.factory import create_app as _create_app

    return _create_app(config)


__all__ = ["create_app"]
