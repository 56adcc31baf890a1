"""The app's database: engine and session factory built from config, one session per request."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from survey_engine.store import make_engine, make_sessionmaker

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


def _close(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
