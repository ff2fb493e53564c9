"""Connections: pinged before use on a database server, not on a SQLite file (nothing to drop them)."""

from __future__ import annotations

from cadre.extensions import db


def test_the_pool_pings_only_when_a_server_can_drop_the_connection(app):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        pings = db.engine.pool._pre_ping
    assert pings is (not url.startswith("sqlite"))
    assert ("pool_pre_ping" in app.config["SQLALCHEMY_ENGINE_OPTIONS"]) is (not url.startswith("sqlite"))
