"""CSRF: with tokens on (the default), every state-changing route a browser's cookie authenticates refuses
a request without a valid token (400) and changes nothing in the database or the session."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from survey_engine.store.models import Base
from tests.security.policy import DEVICE, OWNER, POLICY, PUBLIC, fill
from tests.security.world import build_world
from tests.web.helpers import PASSWORD

#: Non-GET routes a cookie authenticates (the device API uses bearer tokens and is CSRF-exempt).
STATE_CHANGING = sorted((rule, method) for rule, (_, methods) in POLICY.items() for method, policy in methods.items()
                        if method != "GET" and policy != DEVICE)


@pytest.fixture
def csrf_app(app_config):
    from survey_engine.web import create_app

    application = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    yield application
    application.extensions["survey_engine.db"].engine.dispose()


def _snapshot(db) -> dict[str, list]:
    db.rollback()
    return {table.name: [tuple(row) for row in db.execute(select(table)).all()] for table in Base.metadata.sorted_tables}


def _token(client, url: str = "/login") -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def _signed_in(app, role: str):
    client = app.test_client()
    reply = client.post("/login", data={"username": role, "password": PASSWORD, "csrf_token": _token(client)})
    assert reply.status_code == 302
    return client


def _post(client, url: str, token: str | None):
    extra = {} if token is None else {"csrf_token": token}
    if "/field/api/" in url:
        headers = {} if token is None else {"X-CSRFToken": token}
        return client.post(url, json={"uuid": "00000000-0000-4000-8000-000000000009", "campaign": "win",
                                      "disposition": "1.1", "assignment": 1, "base_version": 1, "answers": {}},
                           headers=headers)
    data = {"status": "closed", "decision": "approved", "username": "mallory", "password": "p" * 16, "role": "admin",
            "code": "evil", "name": "evil", "count": "1", "row_version": "1", "reason": "x", "flagged": "1",
            "percent": "50", "seed": "1", "completes": "5", "max_attempts": "3", "backcheck_percent": "10",
            "version": "1", "founded": "yes", "note": "x", "rating": "5", "consent": "yes", "slug": "evil",
            "modes": "online", "interviewer": "4", "unit": "1:1", **extra}
    if url.endswith("/import"):
        data["units"] = (io.BytesIO(b"unit_key,label,stratum,psu,inclusion_probability\nz,z,,,0.5\n"), "u.csv")
    if url.endswith("/questionnaires"):
        data["document"] = (io.BytesIO(b'{"format": 1}'), "q.json")
    return client.post(url, data=data)


@pytest.mark.filterwarnings("ignore:Tight layout not applied:UserWarning")
@pytest.mark.parametrize("with_token", ["none", "another session's"])
def test_state_changing_routes_without_a_valid_token_are_refused(csrf_app, db, with_token):
    """Each POST route, by a visitor allowed to use it, without a token or with another session's: 400, nothing stored."""
    world = build_world(csrf_app, db)
    admin = _signed_in(csrf_app, "admin")
    foreign = _token(csrf_app.test_client()) if with_token != "none" else None
    respondent = csrf_app.test_client()
    page = respondent.get("/s/win/w1")
    start = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    draft = respondent.post("/s/win/w1", data={"csrf_token": start}).headers["Location"].split("/")[2]
    interviewer = _signed_in(csrf_app, "interviewer")
    refused = {}
    for rule, method in STATE_CHANGING:
        url, methods = POLICY[rule]
        policy = methods[method]
        target = fill(url, world, draft)
        client = respondent if policy in (OWNER, PUBLIC) else interviewer if "/field/" in target else admin
        before = _snapshot(db)
        reply = _post(client, target, foreign)
        after = _snapshot(db)
        if reply.status_code != 400 or before != after:
            refused[f"{method} {target}"] = (reply.status_code, [t for t in before if before[t] != after[t]])
    assert refused == {}
    # the sessions are untouched: the admin is still signed in, a login without a token signed nobody in
    assert admin.get("/admin/users").status_code == 200
    anonymous = csrf_app.test_client()
    anonymous.post("/login", data={"username": "admin", "password": PASSWORD})
    assert anonymous.get("/admin/").status_code == 302


def test_the_same_requests_with_the_token_are_accepted(csrf_app, db):
    """The refusal is about the token: with it, signing out and closing a campaign work."""
    build_world(csrf_app, db)
    admin = _signed_in(csrf_app, "admin")
    token = _token(admin, "/admin/campaigns/win")
    assert admin.post("/admin/campaigns/win/status", data={"status": "closed", "csrf_token": token}).status_code == 302
    assert admin.post("/logout", data={"csrf_token": token}).status_code == 302
    assert admin.get("/admin/").status_code == 302
