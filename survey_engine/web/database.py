"""The app's database: engine and session factory built from config, one session per request."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app, g, request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from survey_engine.store import is_sqlite, make_engine, make_sessionmaker

__all__ = ["Database", "init_app", "database", "db_session", "database_url"]


@dataclass(frozen=True, slots=True)
class Database:
    engine: Engine
    sessions: sessionmaker[Session]


def database_url(app: Flask) -> str:
    url = app.config.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{Path(app.instance_path) / 'survey_engine.db'}"


def init_app(app: Flask) -> None:
    engine = make_engine(database_url(app), busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"])
    app.extensions["survey_engine.db"] = Database(engine, make_sessionmaker(engine))
    app.teardown_appcontext(_close)


def database() -> Database:
    return current_app.extensions["survey_engine.db"]


def db_session() -> Session:
    """The request's session (opened on first use, closed at teardown)."""
    if "db_session" not in g:
        g.db_session = database().sessions()
    return g.db_session


def end_read() -> None:
    """End the request session's read transaction before writing.

    On SQLite a transaction that has read cannot start writing once another connection has
    committed since ("database is locked" at once, whatever the busy timeout); a write that
    starts a fresh transaction simply waits its turn.  Loaded objects stay usable.
    """
    session = g.get("db_session")
    if session is not None:
        session.commit()  # nothing is pending before a write; unlike rollback, keeps loaded objects


def write_on_post() -> None:
    """``before_request`` of blueprints whose POSTs read and then change rows: the request's
    transaction starts as a write (``BEGIN IMMEDIATE`` on SQLite: it waits for its turn, then
    reads and writes one consistent state) instead of failing with "database is locked" when
    another writer committed between its read and its write."""
    if request.method != "POST":
        return
    session = db_session()
    session.commit()  # end the read done by the sign-in check
    if is_sqlite(session.get_bind()):
        session.connection(execution_options={"sqlite_immediate": True})


def _close(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
