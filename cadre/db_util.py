"""Database plumbing: SQLite pragmas, BEGIN IMMEDIATE when `cadre.services.begin_write` asks,
statements run straight on the driver (Prepared), optionally on a connection of their own."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import event
from sqlalchemy.engine import Engine

# The pooled DBAPI connection Prepared statements use instead of the ORM session's (direct_connection).
_direct: ContextVar = ContextVar("cadre_direct_connection", default=None)


class NeedsOrmSession(Exception):  # noqa: N818 - a signal, not an error to show
    """Raised where code that needs the ORM session is reached inside direct_connection()."""


@contextmanager
def direct_connection(engine: Engine) -> Iterator[object]:
    """Prepared statements of the block run on one pooled DBAPI connection, without an ORM session.

    For the sign-in page and its tap (cadre/signin/views_lean.py): an ORM session, its checkout
    and its BEGIN cost more CPU than the two or six statements they carry. The connection
    is in autocommit mode (each read its own transaction; a write begins and commits its
    own, see begin()): on PostgreSQL a pool of its own, without the ping before each
    checkout (a connection found dead raises here, is discarded, and the caller's fallback
    answers). The pool rolls back whatever is left when the block ends.
    """
    raw = _autocommit_engine(engine).raw_connection()
    token = _direct.set((raw, engine))
    try:
        yield raw
    except Exception as err:
        orig = getattr(err, "orig", err)
        dbapi = engine.dialect.loaded_dbapi
        if isinstance(orig, dbapi.Error) and engine.dialect.is_disconnect(orig, raw.dbapi_connection, None):
            raw.invalidate()  # not back into the pool
        raise
    finally:
        _direct.reset(token)
        raw.close()


@contextmanager
def write_transaction(connection) -> Iterator[None]:
    """BEGIN (IMMEDIATE on SQLite) ... COMMIT on a direct_connection(); ROLLBACK if the block raises.

    (Threads of one process taking turns on a lock before BEGIN IMMEDIATE was tried: it
    lined a process's writers up behind one sleeping in SQLite's busy handler for another
    process's lock, and a class signed in more slowly.)
    """
    begin(connection)
    try:
        yield
        connection.commit()
    except BaseException:
        connection.rollback()
        raise


def begin(connection) -> None:
    """Start a write on a direct_connection(): on SQLite BEGIN IMMEDIATE (the write lock first)."""
    cursor = connection.cursor()
    try:
        cursor.execute("BEGIN IMMEDIATE" if _is_sqlite(connection) else "BEGIN")
    finally:
        cursor.close()


def _is_sqlite(connection) -> bool:
    return type(connection.dbapi_connection).__module__.startswith("sqlite3")


_autocommit_engines: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _autocommit_engine(engine: Engine) -> Engine:
    """The engine itself on SQLite (its connections run in autocommit already, configure_sqlite);
    elsewhere a companion engine on the same database whose connections are in autocommit."""
    if engine.dialect.name == "sqlite":
        return engine
    known = _autocommit_engines.get(engine)
    if known is None:
        from sqlalchemy import create_engine

        known = _autocommit_engines[engine] = create_engine(
            engine.url, isolation_level="AUTOCOMMIT", pool_pre_ping=False
        )
        # Its connections close with the engine's: disposed with it, or when it is collected.
        event.listen(engine, "engine_disposed", lambda _engine, companion=known: companion.dispose())
        weakref.finalize(engine, known.dispose)
    return known


def require_orm_session() -> None:
    """Code that writes through the ORM calls this first: inside direct_connection() it cannot."""
    if _direct.get() is not None:
        raise NeedsOrmSession


def configure_sqlite(engine: Engine) -> None:
    """WAL, busy timeout, foreign keys; BEGIN IMMEDIATE when a service asks for a write.

    pysqlite's own transaction handling is switched off so that SQLAlchemy's
    begin event decides how each transaction starts.
    """
    if engine.dialect.name != "sqlite":
        return
    in_memory = engine.url.database in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


class Prepared:
    """A Core statement compiled once per dialect and run straight on the DBAPI cursor.

    For the few statements a whole class sends within a minute (the sign-in page and its
    tap): SQLAlchemy's execution of even a cached statement costs about 0.09 ms of CPU
    each, the driver's own call a tenth of that. The statement runs on the session's
    connection (or direct_connection()'s), inside its transaction, with the types' own
    bind and result processing (so values read and written are the ones the ORM reads and
    writes), with the engine's before_cursor_execute listeners called, and driver errors
    raised as SQLAlchemy's.
    Rows are named tuples of the selected columns.
    """

    def __init__(self, statement, column_keys: tuple[str, ...] | None = None):
        self.statement = statement
        self.column_keys = list(column_keys) if column_keys else None
        self._by_dialect: dict[tuple[str, str], _Compiled] = {}

    def _compiled(self, dialect) -> _Compiled:
        key = (dialect.name, dialect.driver)
        known = self._by_dialect.get(key)
        if known is None:
            known = self._by_dialect[key] = _Compiled(self.statement, self.column_keys, dialect)
        return known

    def _run(self, params: dict):
        from sqlalchemy import exc

        direct = _direct.get()
        if direct is None:
            from cadre.extensions import db

            connection = db.session.connection()
            dbapi_connection, engine = connection.connection.dbapi_connection, connection.engine
            listen = connection._has_events or engine._has_events  # noqa: SLF001 - tests' listeners
        else:
            (dbapi_connection, engine), connection = direct, None
            listen = engine._has_events  # noqa: SLF001
        dialect = engine.dialect
        compiled = self._compiled(dialect)
        values = {**compiled.defaults, **params}
        for name, process in compiled.processors.items():
            if name in values:
                values[name] = process(values[name])
        names = compiled.names
        parameters = tuple(values[name] for name in names) if names is not None else values
        cursor = dbapi_connection.cursor()
        if listen:
            (connection or engine).dispatch.before_cursor_execute(
                connection, cursor, compiled.sql, parameters, None, False
            )
        try:
            cursor.execute(compiled.sql, parameters)
        except dialect.loaded_dbapi.Error as err:
            cursor.close()
            raise exc.DBAPIError.instance(
                compiled.sql, parameters, err, dialect.loaded_dbapi.Error, dialect=dialect
            ) from err
        return cursor, compiled, dialect

    def first(self, params: dict):
        """The first row (a named tuple), or None."""
        cursor, compiled, dialect = self._run(params)
        try:
            # Every statement run with first() returns rows (SELECT, or INSERT ... RETURNING);
            # cursor.description is read once, for the result processors (psycopg builds it anew).
            found = cursor.fetchone()
            if found is None:
                return None
            if compiled.row is None:  # a text statement: no typed columns to process
                return tuple(found)
            results = compiled.results
            if results is None:  # the types' processors for the driver's column types, found once
                results = compiled.results = [
                    type_._cached_result_processor(dialect, description[1])  # noqa: SLF001
                    for type_, description in zip(compiled.types, cursor.description, strict=True)
                ]
        finally:
            cursor.close()
        return compiled.row._make(
            [process(v) if process else v for process, v in zip(results, found, strict=True)]
        )

    def scalar(self, params: dict):
        """The first column of the first row, or None (an INSERT ... RETURNING that inserted nothing)."""
        found = self.first(params)
        return None if found is None else found[0]

    def execute(self, params: dict) -> None:
        cursor, _compiled, _dialect = self._run(params)
        cursor.close()


class _Compiled:
    """What Prepared needs of a statement compiled for one dialect."""

    def __init__(self, statement, column_keys, dialect):
        from collections import namedtuple

        compiled = statement.compile(dialect=dialect, column_keys=column_keys)
        if column_keys is not None and set(compiled.binds) - set(column_keys):
            # The executor that fills columns' defaults is bypassed: an INSERT names every value.
            missing = ", ".join(sorted(set(compiled.binds) - set(column_keys)))
            raise ValueError(f"Prepared INSERT needs a value for every column with a default: {missing}")
        self.sql = compiled.string
        self.processors = compiled._bind_processors  # noqa: SLF001 - the compiler's own, per bind name
        self.names = list(compiled.positiontup) if compiled.positional else None
        # Literal values of the statement; None for the binds given at each run.
        self.defaults = compiled.construct_params(_check=False)
        columns = compiled._result_columns  # noqa: SLF001
        self.types = [column[3] for column in columns]
        self.row = namedtuple("Row", [column[0] for column in columns], rename=True) if columns else None
        self.results = None
