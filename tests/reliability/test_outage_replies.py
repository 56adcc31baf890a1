"""What a client is told when the database is away or a row changed under it (``web/errors.py``):
503 with Retry-After for outages, 409 for a lost optimistic race, and still 500 for real bugs."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError


def _raising(exc: BaseException):
    def view():
        raise exc
    return view


LOCKED = OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked"))
GONE = OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))
NO_TABLE = OperationalError("SELECT ...", {}, sqlite3.OperationalError("no such table: responses"))


@pytest.mark.parametrize("exc", [LOCKED, GONE], ids=["sqlite-locked", "connection-lost"])
def test_an_outage_is_503_with_retry_after_json_on_api_paths_and_a_page_elsewhere(app, exc):
    """A locked or unreachable database answers 503 + Retry-After: JSON for API clients, a page for people."""
    app.add_url_rule("/api/v1/_outage", "outage_api", _raising(exc))
    app.add_url_rule("/_outage", "outage_page", _raising(exc))
    client = app.test_client()
    api = client.get("/api/v1/_outage")
    assert api.status_code == 503 and int(api.headers["Retry-After"]) > 0
    assert api.get_json()["error"] == "database_unavailable"
    page = client.get("/_outage")
    assert page.status_code == 503 and int(page.headers["Retry-After"]) > 0
    assert "稍后重试" in page.get_data(as_text=True) and "Traceback" not in page.get_data(as_text=True)


def test_a_bug_that_happens_to_be_an_operational_error_stays_a_500(app):
    """SQLite's 'no such table' is a bug, not an outage: 500, no Retry-After."""
    app.add_url_rule("/api/v1/_bug", "bug", _raising(NO_TABLE))
    reply = app.test_client().get("/api/v1/_bug")
    assert reply.status_code == 500 and "Retry-After" not in reply.headers


def test_a_lost_optimistic_race_is_409(app):
    """A StaleDataError (someone committed the same row first) is a 409 conflict, never a 500."""
    app.add_url_rule("/api/v1/_stale", "stale_api", _raising(StaleDataError("0 rows matched")))
    app.add_url_rule("/_stale", "stale_page", _raising(StaleDataError("0 rows matched")))
    client = app.test_client()
    assert client.get("/api/v1/_stale").get_json()["error"] == "stale_version"
    assert client.get("/_stale").status_code == 409
