"""The route policy table shared by the authorisation matrix and the CSRF tests.

``POLICY`` maps every URL rule of the app to the URL the tests request and, per method, who may
use it.  It is written out here, independently of ``survey_engine.web.security``, so that a change
of either is a visible decision.
"""

from __future__ import annotations

from tests.security.world import World

__all__ = ["POLICY", "fill", "PUBLIC", "OWNER", "DEVICE", "STAFF", "MANAGERS", "ANALYSIS", "FIELD", "ONLY_ADMIN"]

ADMIN, SUPERVISOR, ANALYST, INTERVIEWER = "admin", "supervisor", "analyst", "interviewer"
STAFF = frozenset({ADMIN, SUPERVISOR, ANALYST, INTERVIEWER})
MANAGERS = frozenset({ADMIN, SUPERVISOR})
ANALYSIS = MANAGERS | {ANALYST}
FIELD = MANAGERS | {INTERVIEWER}
ONLY_ADMIN = frozenset({ADMIN})
PUBLIC = "public"  # anyone, signed in or not
OWNER = "owner"  # only the browser that started this answer (the public respondent's draft here)
DEVICE = "device"  # bearer device tokens only; cookies count for nothing

#: URL rule → (URL to request, {method: policy}).  Written out here, independently of security.py.
POLICY: dict[str, tuple[str, dict[str, object]]] = {
    # sign-in
    "/login": ("/login", {"GET": PUBLIC, "POST": PUBLIC}),
    "/logout": ("/logout", {"POST": PUBLIC}),
    "/static/<path:filename>": ("/static/css/app.css", {"GET": PUBLIC}),
    # answering
    "/s/<slug>": ("/s/win", {"GET": PUBLIC, "POST": PUBLIC}),
    "/s/<slug>/<site_code>": ("/s/win/w1", {"GET": PUBLIC, "POST": PUBLIC}),
    "/i/<token>": ("/i/{invitation}", {"GET": PUBLIC, "POST": PUBLIC}),
    "/r/<uuid>/page/<page_id>": ("/r/{draft}/page/rating", {"GET": OWNER, "POST": OWNER}),
    "/r/<uuid>/review": ("/r/{draft}/review", {"GET": OWNER, "POST": OWNER}),
    "/r/<uuid>/done": ("/r/{draft}/done", {"GET": OWNER}),
    "/rate-again/<token>": ("/rate-again/{rerate}", {"GET": PUBLIC, "POST": PUBLIC}),
    # the JSON API for devices
    "/api/v1/openapi.json": ("/api/v1/openapi.json", {"GET": PUBLIC}),
    "/api/v1/campaigns": ("/api/v1/campaigns", {"GET": DEVICE}),
    "/api/v1/questionnaires": ("/api/v1/questionnaires", {"GET": DEVICE}),
    "/api/v1/questionnaires/<content_hash>": ("/api/v1/questionnaires/{version}", {"GET": DEVICE}),
    "/api/v1/responses": ("/api/v1/responses", {"POST": DEVICE}),
    "/api/v1/responses/<client_uuid>": ("/api/v1/responses/{ann_uuid}", {"GET": DEVICE}),
    # admin
    "/admin/": ("/admin/", {"GET": STAFF}),
    "/admin/questionnaires": ("/admin/questionnaires", {"GET": ANALYSIS, "POST": ONLY_ADMIN}),
    "/admin/campaigns": ("/admin/campaigns", {"GET": STAFF}),
    "/admin/campaigns/new": ("/admin/campaigns/new", {"GET": ONLY_ADMIN, "POST": ONLY_ADMIN}),
    "/admin/campaigns/<slug>": ("/admin/campaigns/win", {"GET": STAFF}),
    "/admin/campaigns/<slug>/status": ("/admin/campaigns/win/status", {"POST": MANAGERS}),
    "/admin/campaigns/<slug>/sites": ("/admin/campaigns/win/sites", {"POST": ONLY_ADMIN}),
    "/admin/campaigns/<slug>/invitations": ("/admin/campaigns/win/invitations", {"GET": MANAGERS, "POST": MANAGERS}),
    "/admin/campaigns/<slug>/qr.<fmt>": ("/admin/campaigns/win/qr.svg?site=w1", {"GET": MANAGERS}),
    "/admin/campaigns/<slug>/poster": ("/admin/campaigns/win/poster?site=w1", {"GET": MANAGERS}),
    "/admin/users": ("/admin/users", {"GET": ONLY_ADMIN, "POST": ONLY_ADMIN}),
    "/admin/devices": ("/admin/devices", {"GET": ONLY_ADMIN, "POST": ONLY_ADMIN}),
    "/admin/responses": ("/admin/responses", {"GET": ANALYSIS}),
    "/admin/responses/<int:response_id>": ("/admin/responses/{ann}", {"GET": ANALYSIS}),
    "/admin/responses/<int:response_id>/review": ("/admin/responses/{ann}/review", {"POST": MANAGERS}),
    "/admin/responses/export.csv": ("/admin/responses/export.csv?campaign=win", {"GET": ANALYSIS}),
    "/admin/responses/export.xlsx": ("/admin/responses/export.xlsx?campaign=win", {"GET": ANALYSIS}),
    "/admin/responses/export.<fmt>": ("/admin/responses/export.sav?campaign=win", {"GET": ANALYSIS}),
    # the interviewer app
    "/field/": ("/field/", {"GET": FIELD}),
    "/field/sw.js": ("/field/sw.js", {"GET": PUBLIC}),
    "/field/manifest.webmanifest": ("/field/manifest.webmanifest", {"GET": PUBLIC}),
    "/field/api/bootstrap": ("/field/api/bootstrap", {"GET": FIELD}),
    "/field/api/interviews": ("/field/api/interviews", {"POST": FIELD}),
    "/field/api/interviews/<client_uuid>/correction": ("/field/api/interviews/{bob_uuid}/correction",
                                                       {"POST": FIELD}),
    "/field/api/attempts": ("/field/api/attempts", {"POST": FIELD}),
    "/field/api/tallies": ("/field/api/tallies", {"POST": FIELD}),
    # supervision
    "/supervise/": ("/supervise/", {"GET": ANALYSIS}),
    "/supervise/<slug>/queue": ("/supervise/win/queue", {"GET": MANAGERS}),
    "/supervise/responses/<int:response_id>": ("/supervise/responses/{ann}", {"GET": MANAGERS}),
    "/supervise/responses/<int:response_id>/approve": ("/supervise/responses/{ann}/approve", {"POST": MANAGERS}),
    "/supervise/responses/<int:response_id>/reject": ("/supervise/responses/{ann}/reject", {"POST": MANAGERS}),
    "/supervise/responses/<int:response_id>/backcheck": ("/supervise/responses/{ann}/backcheck",
                                                         {"POST": MANAGERS}),
    "/supervise/<slug>/backchecks": ("/supervise/win/backchecks", {"GET": MANAGERS, "POST": MANAGERS}),
    "/supervise/<slug>/units": ("/supervise/win/units", {"GET": MANAGERS}),
    "/supervise/<slug>/units/import": ("/supervise/win/units/import", {"POST": MANAGERS}),
    "/supervise/<slug>/units/assign": ("/supervise/win/units/assign", {"POST": MANAGERS}),
    "/supervise/<slug>/settings": ("/supervise/win/settings", {"GET": MANAGERS, "POST": MANAGERS}),
    "/supervise/<slug>/quality": ("/supervise/win/quality", {"GET": ANALYSIS}),
    "/supervise/<slug>/monitoring": ("/supervise/win/monitoring", {"GET": ANALYSIS}),
    # 好差评 cases: analysts look, managers act
    "/cases/": ("/cases/?campaign=win", {"GET": ANALYSIS}),
    "/cases/<int:case_id>": ("/cases/{open_case}", {"GET": ANALYSIS, "POST": MANAGERS}),
    # dashboards
    "/dashboards/": ("/dashboards/", {"GET": ANALYSIS}),
    "/dashboards/<slug>/fieldwork": ("/dashboards/win/fieldwork", {"GET": ANALYSIS}),
    "/dashboards/<slug>/results": ("/dashboards/win/results", {"GET": ANALYSIS}),
    "/dashboards/<slug>/report.<fmt>": ("/dashboards/win/report.html", {"GET": ANALYSIS}),
    "/dashboards/<slug>/ratings": ("/dashboards/win/ratings", {"GET": ANALYSIS}),
}


def fill(url: str, world: World, draft: str) -> str:
    return url.format(invitation=world.invitation_token, draft=draft, rerate=world.rerate_token,
                      version=world.version_hash, ann_uuid=world.uuids["ann"], bob_uuid=world.uuids["bob"],
                      ann=world.responses["ann"], open_case=world.cases["bob"])
