"""The floor for bench/signin.py: the same two requests with nothing else.

A GET that returns a tiny page and a POST that inserts one row, on the same
database and connection settings as Cadre (SQLite: WAL, busy timeout, BEGIN
IMMEDIATE for the write), served by the same gunicorn command. No login,
templates, CSRF, sessions or audit.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask, request  # noqa: E402
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, create_engine  # noqa: E402
from sqlalchemy.exc import IntegrityError  # noqa: E402

from cadre.db_util import configure_sqlite  # noqa: E402
from config import normalize_database_url  # noqa: E402

metadata = MetaData()
rows = Table(
    "floor_signins",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("who", String(64), nullable=False, unique=True),
    Column("at", DateTime, nullable=False),
)

url = normalize_database_url(os.environ["DATABASE_URL"])
# Cadre's connection settings (cadre/factory.py): a ping before each checkout, except on SQLite.
engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
configure_sqlite(engine)
metadata.create_all(engine, checkfirst=True)

app = Flask(__name__)


@app.get("/s/<token>")
def page(token: str):
    return f'<form method="post"><input name="ticket" type="hidden" value="{token[:32]}"></form>'


@app.post("/s/<token>")
def insert(token: str):
    who = request.form.get("who", "")
    try:
        with engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin():
            conn.execute(rows.insert().values(who=who, at=datetime.now(UTC).replace(tzinfo=None)))
    except IntegrityError:
        return "again", 200
    return "ok", 200
