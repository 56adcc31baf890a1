"""Fixtures of the web and store tests: ``app``, ``client``, ``runner``, ``db``.

Every test using ``app`` runs on SQLite, and also on PostgreSQL when
``SURVEY_ENGINE_TEST_DATABASE_URL`` is set.  The schema is built once per session by the real
Alembic migrations: SQLite tests copy a migrated template file; PostgreSQL tests share one
fresh schema (dropped at the end) whose tables are emptied before each test.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from survey_engine.store import make_engine, normalise_url, upgrade
from survey_engine.store.models import Base

REPO = Path(__file__).resolve().parents[2]
PG_ENV = "SURVEY_ENGINE_TEST_DATABASE_URL"
DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get(PG_ENV) else [])


def _with_schema(url: str, schema: str) -> str:
    return str(make_url(normalise_url(url)).update_query_dict({"options": f"-csearch_path={schema}"})
               .render_as_string(hide_password=False))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per session."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for this test session, migrated to head, dropped at the end."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set")
    schema = f"se_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = _with_schema(base, schema)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _empty_postgres(url: str) -> None:
    engine = make_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty, migrated database of each available kind."""
    if request.param == "sqlite":
        target = tmp_path / "survey_engine.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


@pytest.fixture
def app_config(database_url: str, tmp_path: Path) -> dict:
    """Settings of the test app (CSRF and rate limits off unless a test turns them on)."""
    return {"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"), "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
            "PUBLIC_BASE_URL": "http://survey.test"}


@pytest.fixture
def app(app_config: dict):
    from survey_engine.web import create_app

    application = create_app(app_config)
    yield application
    application.extensions["survey_engine.db"].engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def live_url(app):
    """The app served over HTTP (threaded) on a free loopback port for the duration of one test."""
    from tests.web.helpers import served

    with served(app) as url:
        yield url


@pytest.fixture
def db(app):
    """A session on the app's database (committed changes are visible to requests)."""
    with app.extensions["survey_engine.db"].sessions() as session:
        yield session


@pytest.fixture
def bundled() -> Path:
    return REPO / "questionnaires"
