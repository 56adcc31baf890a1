"""Storage: SQLAlchemy 2.0 models, engines, migrations and the queries the web app uses.

Nothing here connects at import time; the web app builds its engine from its config.
"""

from __future__ import annotations

from survey_engine.store.engine import is_sqlite, make_engine, make_sessionmaker, normalise_url, write_session
from survey_engine.store.migrate import upgrade

__all__ = ["is_sqlite", "make_engine", "make_sessionmaker", "normalise_url", "upgrade", "write_session"]
