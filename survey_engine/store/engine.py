"""Engines and sessions made from a URL: SQLite tuned for many small writes, or PostgreSQL.

SQLite runs in WAL mode with a busy timeout so readers never block the writer; transactions
are begun by us (``BEGIN`` or, when asked through the ``sqlite_immediate`` execution option,
``BEGIN IMMEDIATE`` so a read-then-write cannot fail half way with "database is locked").

Concurrent SQLite writers wait in a queue (:mod:`survey_engine.store.writer_queue`) rather
than in SQLite's sleeping busy handler.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from survey_engine.store.writer_queue import WriterQueue

__all__ = ["normalise_url", "make_engine", "make_sessionmaker", "write_session", "write_connection", "is_sqlite",
           "sqlite_write_cursor"]


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` (and ``postgres://``) URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


#: SQLite engine → the queue its writers wait in.
_WRITE_QUEUES: weakref.WeakKeyDictionary[Engine, WriterQueue] = weakref.WeakKeyDictionary()


@contextmanager
def _writer_turn(engine: Engine) -> Iterator[None]:
    """Hold the write turn of a SQLite engine's database (nothing to do for PostgreSQL)."""
    queue = _WRITE_QUEUES.get(engine)
    if queue is None:
        yield
        return
    with queue.turn():
        yield


def make_engine(url: str, *, busy_timeout_ms: int = 10_000, echo: bool = False) -> Engine:
    """An engine for ``url``; SQLite files get WAL, a busy timeout and foreign keys."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_pre_ping=True)
    engine = create_engine(url, echo=echo, connect_args={"timeout": busy_timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        if make_url(url).database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    path = make_url(url).database
    _WRITE_QUEUES[engine] = WriterQueue(path if path not in (None, "", ":memory:") else None, busy_timeout_ms / 1000)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def write_session(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose transaction takes the write lock at once on SQLite; commits on success."""
    with factory() as session, _writer_turn(session.get_bind()):
        engine = session.get_bind()
        if is_sqlite(engine):
            session.connection(execution_options={"sqlite_immediate": True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def write_connection(engine: Engine) -> Iterator[Connection]:
    """A Core connection in a write transaction (``BEGIN IMMEDIATE`` on SQLite); commits on success.

    For hot paths that need no ORM unit of work (a single INSERT per request).
    """
    with engine.connect() as connection, _writer_turn(engine):  # the pool checkout is not part of the turn
        if is_sqlite(engine):
            connection = connection.execution_options(sqlite_immediate=True)
        with connection.begin():
            yield connection


@contextmanager
def sqlite_write_cursor(engine: Engine) -> Iterator[Any]:
    """A raw ``sqlite3`` cursor inside ``BEGIN IMMEDIATE`` ... ``COMMIT`` (rolled back on error).

    SQLite has one writer at a time, so everything done while holding the write turn delays
    every other writer: hot paths bind their values *before* (see ``responses.py``) and run
    only prepared DB-API statements here, without SQLAlchemy's per-statement work.
    """
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        with _writer_turn(engine):
            cursor = raw.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                raw.rollback()
                raise
            else:
                raw.commit()
            finally:
                cursor.close()
