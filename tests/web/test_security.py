"""Security: the authorisation matrix (each role × each admin route), CSRF, escaping, headers, cookies."""

from __future__ import annotations

import uuid

import pytest

from survey_engine.store.models import Role
from survey_engine.web.security import PUBLIC_ROUTES, ROUTE_ROLES
from tests.web.helpers import PASSWORD, device_token, login, make_user, window_campaign

A, S, I, N = "admin", "supervisor", "interviewer", "analyst"

#: endpoint → (method, URL, roles allowed); written out here, independently of ROUTE_ROLES.
MATRIX = {
    "admin.home": ("GET", "/admin/", {A, S, I, N}),
    "admin.questionnaires": ("GET", "/admin/questionnaires", {A, S, N}),
    "admin.upload_questionnaire": ("POST", "/admin/questionnaires", {A}),
    "admin.campaigns": ("GET", "/admin/campaigns", {A, S, I, N}),
    "admin.new_campaign": ("GET", "/admin/campaigns/new", {A}),
    "admin.campaign": ("GET", "/admin/campaigns/win", {A, S, I, N}),
    "admin.new_site": ("POST", "/admin/campaigns/win/sites", {A}),
    "admin.campaign_status": ("POST", "/admin/campaigns/win/status", {A, S}),
    "admin.invitations": ("GET", "/admin/campaigns/win/invitations", {A, S}),
    "admin.users": ("GET", "/admin/users", {A}),
    "admin.new_user": ("POST", "/admin/users", {A}),
    "admin.devices": ("GET", "/admin/devices", {A}),
    "admin.responses": ("GET", "/admin/responses", {A, S, N}),
    "admin.response": ("GET", "/admin/responses/1", {A, S, N}),
    "admin.review_response": ("POST", "/admin/responses/1/review", {A, S}),
    "admin.export_csv": ("GET", "/admin/responses/export.csv?campaign=win", {A, S, N}),
    "admin.export_xlsx": ("GET", "/admin/responses/export.xlsx?campaign=win", {A, S, N}),
    "admin.export_stat_file": ("GET", "/admin/responses/export.sav?campaign=win", {A, S, N}),
    "admin.qr_code": ("GET", "/admin/campaigns/win/qr.png?site=w1", {A, S}),
    "admin.poster": ("GET", "/admin/campaigns/win/poster?site=w1", {A, S}),
    "supervise.home": ("GET", "/supervise/", {A, S, N}),
    "supervise.queue": ("GET", "/supervise/win/queue", {A, S}),
    "supervise.response": ("GET", "/supervise/responses/1", {A, S}),
    "supervise.approve_response": ("POST", "/supervise/responses/1/approve", {A, S}),
    "supervise.reject_response": ("POST", "/supervise/responses/1/reject", {A, S}),
    "supervise.backcheck_response": ("POST", "/supervise/responses/1/backcheck", {A, S}),
    "supervise.backchecks": ("GET", "/supervise/win/backchecks", {A, S}),
    "supervise.units": ("GET", "/supervise/win/units", {A, S}),
    "supervise.import_unit_file": ("POST", "/supervise/win/units/import", {A, S}),
    "supervise.assign": ("POST", "/supervise/win/units/assign", {A, S}),
    "supervise.settings": ("GET", "/supervise/win/settings", {A, S}),
    "supervise.quality": ("GET", "/supervise/win/quality", {A, S, N}),
    "supervise.monitoring": ("GET", "/supervise/win/monitoring", {A, S, N}),
    "cases.board": ("GET", "/cases/", {A, S, N}),
    "cases.case": ("GET", "/cases/1", {A, S, N}),
    "field.app_page": ("GET", "/field/", {A, S, I}),
    "field.bootstrap": ("GET", "/field/api/bootstrap", {A, S, I}),
    "field.interviews": ("POST", "/field/api/interviews", {A, S, I}),
    "field.correction": ("POST", f"/field/api/interviews/{uuid.UUID(int=1)}/correction", {A, S, I}),
    "field.attempts": ("POST", "/field/api/attempts", {A, S, I}),
    "field.tallies": ("POST", "/field/api/tallies", {A, S, I}),
    "dashboards.index": ("GET", "/dashboards/", {A, S, N}),
    "dashboards.fieldwork": ("GET", "/dashboards/win/fieldwork", {A, S, N}),
    "dashboards.results": ("GET", "/dashboards/win/results", {A, S, N}),
    "dashboards.report": ("GET", "/dashboards/win/report.html", {A, S, N}),
    "dashboards.ratings": ("GET", "/dashboards/win/ratings", {A, S, N}),
}
#: Blueprints whose every route must be in MATRIX and in the app's ROUTE_ROLES or PUBLIC_ROUTES.
PROTECTED = ("admin.", "field.", "supervise.", "cases.", "dashboards.")


@pytest.fixture
def seeded(client, db):
    """A campaign with one stored response (id 1), submitted through the API."""
    window_campaign(db)
    token = device_token(db)
    reply = client.post("/api/v1/responses", headers={"Authorization": f"Bearer {token}"}, json={
        "uuid": str(uuid.uuid4()), "campaign": "win", "site": "w1", "mode": "online",
        "answers": {"service_handled": "complaint", "overall": 4}})
    assert reply.status_code == 201


def test_matrix_covers_every_protected_route_and_the_role_table(app):
    """Every endpoint of a protected blueprint is in this test's matrix and in ROUTE_ROLES with the same
    roles, or one of the few PUBLIC_ROUTES (static files browsers fetch without cookies)."""
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith(PROTECTED)}
    assert endpoints - PUBLIC_ROUTES == set(MATRIX) == set(ROUTE_ROLES)
    for endpoint, (_, _, roles) in MATRIX.items():
        assert {r.value for r in ROUTE_ROLES[endpoint]} == roles, endpoint


@pytest.mark.parametrize("role", [A, S, I, N])
def test_each_role_reaches_exactly_its_routes(client, db, seeded, role):
    """A signed-in role gets a page (never 401/403/5xx) on its routes and 403 on all others."""
    username = make_user(db, Role(role))
    assert login(client, username).status_code == 302
    for endpoint, (method, url, roles) in MATRIX.items():
        reply = client.open(url, method=method, data={})
        if role in roles:
            assert reply.status_code < 500 and reply.status_code not in (401, 403), (endpoint, reply.status_code)
        else:
            assert reply.status_code == 403, (endpoint, reply.status_code)


def test_anonymous_visitors_are_sent_to_sign_in(client, seeded):
    """Without signing in, every page redirects to the login page and every JSON endpoint answers 401."""
    for endpoint, (method, url, _) in MATRIX.items():
        reply = client.open(url, method=method, data={})
        if "/api/" in url:
            assert reply.status_code == 401 and reply.json["error"] == "unauthorized", endpoint
        else:
            assert reply.status_code == 302 and "/login" in reply.headers["Location"], endpoint


def test_wrong_password_and_inactive_users_cannot_sign_in(client, db):
    """A wrong password is refused with 401 and no session."""
    username = make_user(db, Role.ADMIN)
    assert login(client, username, "wrong password").status_code == 401
    assert client.get("/admin/").status_code == 302


def test_login_redirect_stays_on_this_site(client, db):
    """``next`` pointing at another host is ignored after signing in."""
    username = make_user(db, Role.ADMIN)
    reply = client.post("/login?next=//evil.example/x", data={"username": username, "password": PASSWORD})
    assert reply.headers["Location"] == "/admin/"


def test_forms_without_a_csrf_token_are_refused(app_config, db):
    """With CSRF on (the default), posting the login, start and admin forms without a token gives 400."""
    from survey_engine.web import create_app

    window_campaign(db)
    username = make_user(db, Role.ADMIN)
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    try:
        client = app.test_client()
        assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 400
        assert client.post("/s/win/w1", data={}).status_code == 400
        page = client.get("/login").get_data(as_text=True)
        assert 'name="csrf_token"' in page
    finally:
        app.extensions["survey_engine.db"].engine.dispose()


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_user_text_is_escaped_everywhere(client, db, seeded):
    """An XSS payload in a site name and in answers is shown as text, never as markup."""
    from sqlalchemy import select

    from survey_engine.store.models import Response, Site

    db.scalar(select(Site).where(Site.code == "w1")).name = XSS
    response = db.get(Response, 1)
    response.answers = {**response.answers, "bad_comment": XSS}
    db.commit()
    login(client, make_user(db, Role.ADMIN))
    for url in ("/admin/campaigns/win", "/admin/responses/1", "/admin/campaigns/win/poster?site=w1"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, url
    assert "&lt;script&gt;" in client.get("/admin/campaigns/win").get_data(as_text=True)


def test_security_headers_and_cookie_flags(client, db, seeded):
    """Every page carries a CSP without inline scripts; the session cookie is HttpOnly and SameSite."""
    reply = client.get("/s/win/w1")
    csp = reply.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in reply.get_data(as_text=True)  # no inline scripts: the CSP forbids them
    cookie = login(client, make_user(db, Role.ANALYST)).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_unexpected_errors_are_friendly_pages_not_tracebacks(app, client):
    """An unknown page is a friendly 404; an API 404 is JSON."""
    page = client.get("/no/such/page")
    assert page.status_code == 404 and "Traceback" not in page.get_data(as_text=True)
    assert client.get("/api/v1/nothing").get_json()["error"] == "not_found"


def test_questionnaire_text_with_markup_is_shown_as_text(client, db):
    """XSS payloads in a questionnaire's title, notice and question labels are escaped on respondent pages."""
    import json

    from survey_engine.store.catalog import add_site, create_campaign, store_version
    from tests.web.helpers import REPO

    document = json.loads((REPO / "questionnaires" / "window_rating.json").read_text(encoding="utf-8"))
    document["title"] = {"zh": XSS, "en": XSS}
    document["notice"]["text"]["en"] = XSS
    document["sections"][0]["questions"][2]["label"]["en"] = XSS
    version, _ = store_version(db, document)
    campaign = create_campaign(db, slug="x", name=XSS, version=version, modes=["online"])
    add_site(db, campaign, code="s", name=XSS)
    db.commit()
    landing = client.get("/s/x/s?lang=en")
    page = client.get(client.post("/s/x/s?lang=en", data={}).headers["Location"])
    for html in (landing.get_data(as_text=True), page.get_data(as_text=True)):
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert" in html
