"""The security tests use the web tests' database fixtures (SQLite always, PostgreSQL when set)."""

from tests.web.conftest import (  # noqa: F401 - fixtures are found by name
    app, app_config, client, database_url, db, postgres_url, sqlite_template,
)
