"""One JSON error shape for the API, friendly pages for people; never a traceback.

API errors are ``{"error": <code>, "message": <text>, "fields": {answer id: message}}`` with a 4xx
status.  A 500 is always a bug: it is logged and shown as a short apology.

A database that cannot be reached (restarting PostgreSQL, a dropped connection, SQLite still
locked after the busy timeout) is not a bug but an outage: 503 with ``Retry-After``, so a
client treats its submission as not sent and sends it again (same UUID) later.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from survey_engine.errors import SurveyEngineError

__all__ = ["ApiError", "init_app", "RETRY_AFTER_SECONDS"]

#: Seconds a client is asked to wait before resending after a 503 (database outage).
RETRY_AFTER_SECONDS = 5


class ApiError(Exception):
    """Raised by API views; becomes a JSON error response with ``status``."""

    def __init__(self, status: int, error: str, message: str = "", fields: dict[str, Any] | None = None):
        super().__init__(message or error)
        self.status = status
        self.error = error
        self.message = message or error
        self.fields = fields or {}


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/field/api/"))


def _json(status: int, error: str, message: str, fields: dict[str, Any] | None = None) -> tuple[Response, int]:
    return jsonify({"error": error, "message": message, "fields": fields or {}}), status


def _api_error(exc: ApiError):
    return _json(exc.status, exc.error, exc.message, exc.fields)


def _http_error(exc: HTTPException):
    code = exc.code or 500
    name = (exc.name or "error").lower().replace(" ", "_")
    if _wants_json():
        return _json(code, name, exc.description or exc.name)
    return render_template("error.html", code=code, title=exc.name, description=exc.description), code


def _csrf_error(exc: CSRFError):
    if _wants_json():
        return _json(400, "csrf", exc.description)
    return render_template("error.html", code=400, title="Form expired / 表单已过期",
                           description="Please go back, reload the page and try again. 请返回并刷新页面后重试。"), 400


def _project_error(exc: SurveyEngineError):
    fields = {p.path: p.message for p in exc.problems}
    if _wants_json():
        return _json(400, str(getattr(exc.code, "value", "invalid")), exc.message, fields)
    return render_template("error.html", code=400, title="Invalid input / 输入有误", description=exc.message,
                           problems=exc.problems), 400


def _is_outage(exc: BaseException) -> bool:
    """A lost or refused database connection, or SQLite's lock still held after the busy timeout."""
    if isinstance(exc, PoolTimeoutError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError):
        return False
    if isinstance(exc.orig, sqlite3.OperationalError):  # "no such table" and the like are bugs
        return any(word in str(exc.orig) for word in ("locked", "busy"))
    return True


def _outage(exc: Exception):
    from flask import current_app, g

    session = g.pop("db_session", None)
    if session is not None:
        session.invalidate()  # its connection is dead or suspect: a rollback at teardown would raise again
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    current_app.logger.warning("database unavailable on %s: %s: %s", request.path, type(cause).__name__,
                               str(cause).split("\n", 1)[0][:200])  # the driver's message, never the statement
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if _wants_json():
        reply, status = _json(503, "database_unavailable", "the database is briefly unavailable; send the "
                                                           f"same request again in {RETRY_AFTER_SECONDS} seconds")
        reply.headers.update(headers)
        return reply, status
    return render_template("error.html", code=503, title="Please try again / 请稍后重试",
                           description="The service is briefly unavailable. Please try again in a moment. "
                                       "服务暂时不可用，请稍后重试。"), 503, headers


def _end_session_of_a_lost_connection(_exc: BaseException | None) -> None:
    """Close the request's session before ``database``'s teardown does, invalidating it when the
    rollback fails because the connection died after the view answered: the database has rolled
    that transaction back already, and the reply (a 200 of a stored response, say) stands instead
    of becoming a 500.  Registered after ``database.init_app``, so it runs first."""
    from flask import g

    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        session.close()
    except DBAPIError:
        session.invalidate()


def _stale(_exc: StaleDataError):
    """Someone committed a change to the same row first (optimistic version column): a conflict, not a bug."""
    if _wants_json():
        return _json(409, "stale_version", "the record was changed by someone else meanwhile; fetch it again")
    return render_template("error.html", code=409, title="Changed meanwhile / 已被他人修改",
                           description="Someone else changed this record while you were working on it. Please "
                                       "reload the page. 此记录已被他人修改，请刷新页面。"), 409


def _unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    if isinstance(exc, StaleDataError):
        return _stale(exc)
    if _is_outage(exc):
        return _outage(exc)
    from flask import current_app

    current_app.logger.exception("unexpected error on %s", request.path)
    return _http_error(InternalServerError())


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(SurveyEngineError, _project_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    app.teardown_appcontext(_end_session_of_a_lost_connection)
