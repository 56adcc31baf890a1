"""Sign-in, roles and response headers.

Every view of a protected blueprint is checked against one table, ``ROUTE_ROLES`` (endpoint →
roles allowed).  A view missing from the table is refused to everyone: the check fails closed,
and the authorisation-matrix test walks the table for each role.
"""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, redirect, request, url_for
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from survey_engine.store.models import Role, User
from survey_engine.web.database import db_session
from survey_engine.web.extensions import login_manager

__all__ = ["ROUTE_ROLES", "PUBLIC_ROUTES", "check_route", "init_app", "STAFF", "MANAGERS"]

STAFF = frozenset(Role)
MANAGERS = frozenset({Role.ADMIN, Role.SUPERVISOR})
ANALYSIS = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.ANALYST})
ADMIN = frozenset({Role.ADMIN})
FIELD = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.INTERVIEWER})

ROUTE_ROLES: dict[str, frozenset[Role]] = {
    "admin.home": STAFF,
    "admin.questionnaires": MANAGERS | {Role.ANALYST},
    "admin.upload_questionnaire": ADMIN,
    "admin.campaigns": STAFF,
    "admin.new_campaign": ADMIN,
    "admin.campaign": STAFF,
    "admin.new_site": ADMIN,
    "admin.campaign_status": MANAGERS,
    "admin.invitations": MANAGERS,
    "admin.users": ADMIN,
    "admin.new_user": ADMIN,
    "admin.devices": ADMIN,
    "admin.responses": ANALYSIS,
    "admin.response": ANALYSIS,
    "admin.review_response": MANAGERS,
    "admin.export_csv": ANALYSIS,
    "admin.export_xlsx": ANALYSIS,
    "admin.export_stat_file": ANALYSIS,  # ?personal=1 is for admins only (checked in the view, audited)
    "admin.qr_code": MANAGERS,
    "admin.poster": MANAGERS,
    # 好差评 cases: analysts look; managers act (checked again on POST in cases.py)
    "cases.board": ANALYSIS,
    "cases.case": ANALYSIS,
    # the interviewer app and its sync endpoints (checked by field.py's own before_request)
    "field.app_page": FIELD,
    "field.bootstrap": FIELD,
    "field.interviews": FIELD,
    "field.correction": FIELD,
    "field.attempts": FIELD,
    "field.tallies": FIELD,
    # supervision (督导): supervisors and admins; analysts read the quality and monitoring pages
    "supervise.home": ANALYSIS,
    "supervise.queue": MANAGERS,
    "supervise.response": MANAGERS,
    "supervise.approve_response": MANAGERS,
    "supervise.reject_response": MANAGERS,
    "supervise.backcheck_response": MANAGERS,
    "supervise.backchecks": MANAGERS,
    "supervise.units": MANAGERS,
    "supervise.import_unit_file": MANAGERS,
    "supervise.assign": MANAGERS,
    "supervise.settings": MANAGERS,
    "supervise.quality": ANALYSIS,
    "supervise.monitoring": ANALYSIS,
    # dashboards: analysts, supervisors and admins look (nothing on them changes data)
    "dashboards.index": ANALYSIS,
    "dashboards.fieldwork": ANALYSIS,
    "dashboards.results": ANALYSIS,
    "dashboards.report": ANALYSIS,
    "dashboards.ratings": ANALYSIS,
}


#: Endpoints of protected blueprints that anyone may fetch: static files a browser loads without
#: credentials (Chrome fetches a web-app manifest without cookies) and that hold nothing private.
PUBLIC_ROUTES = frozenset({"field.service_worker", "field.manifest"})


def check_route():
    """``before_request`` of protected blueprints: sign-in first, then the role table."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path))
    allowed = ROUTE_ROLES.get(request.endpoint or "")
    if allowed is None or Role(current_user.role) not in allowed:
        abort(403)
    return None


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = db_session().get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", current_app.config["CONTENT_SECURITY_POLICY"])
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _refuse_nul() -> None:
    """Form and query text with NUL characters cannot be stored (PostgreSQL); refuse it as 400."""
    sources = [request.args] if request.mimetype == "application/json" else [request.args, request.form]
    for values in sources:
        if any("\x00" in value for _, value in values.items(multi=True)):
            abort(400, "text must not contain NUL characters")


class _RowId(IntegerConverter):
    """``<int:...>`` in URLs: ids beyond the id columns (INTEGER: 32 bits on PostgreSQL) are no row
    (404), not a database overflow (500)."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def init_app(app: Flask) -> None:
    """Before the blueprints are registered: their ``<int:...>`` rules pick up the bounded converter."""
    app.url_map.converters["int"] = _RowId
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    app.before_request(_refuse_nul)
    app.after_request(_headers)
