"""One JSON error shape for the API, friendly pages for people; never a traceback.

API errors are ``{"error": <code>, "message": <text>, "fields": {answer id: message}}`` with a 4xx
status.  A 500 is always a bug: it is logged and shown as a short apology.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from survey_engine.errors import SurveyEngineError

__all__ = ["ApiError", "init_app"]


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


def _unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    from flask import current_app

    current_app.logger.exception("unexpected error on %s", request.path)
    return _http_error(InternalServerError())


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(SurveyEngineError, _project_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
