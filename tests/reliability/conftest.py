"""Fixtures of the fault tests: the web tests' databases (SQLite always, PostgreSQL when
``SURVEY_ENGINE_TEST_DATABASE_URL`` is set), a seeded campaign with a device token, and a
scratch database whose schema a test may break on purpose.

The quick tier runs in the default ``pytest`` run; the long tier is ``-m soak``.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from survey_engine.store import make_engine
from survey_engine.store.engine import make_sessionmaker
from survey_engine.store.models import Role
from tests.web.conftest import (  # noqa: F401  (fixtures shared with the web tests)
    PG_ENV, _with_schema, app, app_config, client, database_url, db, live_url, postgres_url, sqlite_template,
)
from tests.web.helpers import device_token, window_campaign


@pytest.fixture
def seeded(database_url: str) -> str:
    """Campaign ``win`` (sites w1, w2) and an interviewer's device; returns the device token."""
    engine = make_engine(database_url)
    try:
        with make_sessionmaker(engine)() as session:
            window_campaign(session)
            return device_token(session, Role.INTERVIEWER)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite"] + (["postgresql"] if os.environ.get(PG_ENV) else []))
def scratch_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated database of its own (a SQLite copy, or a new PostgreSQL schema dropped after the
    test), for tests that alter the schema."""
    if request.param == "sqlite":
        target = tmp_path / "scratch.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    from survey_engine.store import upgrade

    base = os.environ[PG_ENV]
    schema = f"se_scratch_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = _with_schema(base, schema)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
