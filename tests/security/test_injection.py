"""SQL injection through filters, sorting, pagination, path segments and tokens: no 5xx, no extra rows,
nothing changed (every query is built by SQLAlchemy with bound parameters; these tests keep it so)."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from survey_engine.store.models import Base
from tests.security.world import build_world, sign_in

INJECTIONS = [
    "' OR 1=1--", "' OR '1'='1", "\" OR \"\"=\"", "1 OR 1=1", "1; DROP TABLE responses;--",
    "'; DELETE FROM users;--", "' UNION SELECT username, password_hash FROM users--", "%", "%' OR '%'='",
    "*", "1)) OR ((1=1", "complete' OR status<>'", "0x27", "\\'", "' AND SLEEP(5)--", "'||(SELECT 1)||'",
    "-1", "99999999999999999999999", "1e400", "[]", "{}", "ñ' ＯＲ 1=1", "²", "١٢",
]

#: URL templates with ``{x}`` where the injection goes, and the signed-in role to request them as.
TARGETS = [
    ("admin", "/admin/responses?status={x}"),
    ("admin", "/admin/responses?campaign={x}"),
    ("admin", "/admin/responses?campaign=win&status={x}&page={x}&sort={x}&order={x}&limit={x}"),
    ("admin", "/admin/responses/export.csv?campaign=win&status={x}"),
    ("admin", "/admin/responses/export.csv?campaign={x}"),
    ("admin", "/admin/campaigns/{x}"),
    ("admin", "/admin/campaigns/win/qr.svg?site={x}"),
    ("admin", "/admin/campaigns/win/poster?site={x}"),
    ("supervisor", "/supervise/win/queue?interviewer={x}&site={x}&status={x}&mode={x}&flag={x}"),
    ("supervisor", "/supervise/win/queue?status={x}"),
    ("supervisor", "/supervise/win/units?interviewer={x}&status={x}"),
    ("supervisor", "/supervise/win/units?status={x}"),
    ("supervisor", "/supervise/win/monitoring?open={x}"),
    ("supervisor", "/supervise/{x}/queue"),
    ("analyst", "/cases/?campaign={x}"),
    ("analyst", "/dashboards/{x}/results"),
    (None, "/i/{x}"),
    (None, "/rate-again/{x}"),
    (None, "/s/{x}/w1"),
    (None, "/s/win/{x}"),
    (None, "/r/{x}/review"),
    ("device", "/api/v1/responses/{x}"),
    ("device", "/api/v1/questionnaires/{x}"),
]


def _snapshot(db) -> dict[str, int]:
    db.rollback()
    return {t.name: len(db.execute(select(t)).all()) for t in Base.metadata.sorted_tables if t.name != "audit_log"}


def _response_links(html: str) -> set[str]:
    return set(re.findall(r"/(?:admin|supervise)/responses/(\d+)", html))


@pytest.mark.filterwarnings("ignore:Tight layout not applied:UserWarning")
def test_injections_in_parameters_are_only_text(app, db):
    """Every injection in every parameter: an answer below 500, the database unchanged (audit entries aside)."""
    world = build_world(app, db)
    clients = {None: app.test_client()}
    for role in ("admin", "supervisor", "analyst"):
        clients[role] = app.test_client()
        sign_in(clients[role], role)
    before = _snapshot(db)
    failures = {}
    for role, template in TARGETS:
        for payload in INJECTIONS:
            url = template.replace("{x}", _quote(payload))
            client = clients[None if role == "device" else role]
            headers = {"Authorization": f"Bearer {world.device_token}"} if role == "device" else {}
            reply = client.get(url, headers=headers)
            if reply.status_code >= 500:
                failures[url] = reply.status_code
    assert failures == {}
    assert _snapshot(db) == before


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def test_filters_with_injections_select_no_extra_rows(app, db):
    """An injected status or campaign matches nothing (it is compared as a value), never every row."""
    build_world(app, db)
    client = app.test_client()
    sign_in(client, "admin")
    everything = _response_links(client.get("/admin/responses").get_data(as_text=True))
    assert len(everything) == 3
    waiting = _response_links(client.get("/supervise/win/queue").get_data(as_text=True))
    for payload in INJECTIONS:
        for name in ("status", "campaign"):
            html = client.get("/admin/responses", query_string={name: payload}).get_data(as_text=True)
            assert _response_links(html) == set(), (name, payload)
        queue = client.get("/supervise/win/queue", query_string={"status": payload}).get_data(as_text=True)
        assert _response_links(queue) <= waiting, payload  # an unknown status is ignored: the usual queue
        export = client.get("/admin/responses/export.csv", query_string={"campaign": "win", "status": payload})
        assert export.get_data(as_text=True).count("\n") <= 1, payload  # the header only


def test_oversized_and_non_ascii_ids_in_filters_are_ignored(app, db):
    """Regression: ?interviewer=99999999999999999999999 (beyond a 64-bit column) or '²' was a 500."""
    build_world(app, db)
    client = app.test_client()
    sign_in(client, "supervisor")
    for value in ("99999999999999999999999", "²", "١٢"):
        assert client.get("/supervise/win/queue", query_string={"interviewer": value, "site": value}).status_code == 200
        assert client.get("/supervise/win/units", query_string={"interviewer": value}).status_code == 200


def test_tokens_that_look_like_sql_open_nothing(app, db):
    """Invitation and re-rating links with SQL in the token are unknown (404), never someone's answer."""
    build_world(app, db)
    client = app.test_client()
    for payload in INJECTIONS + [str(uuid.uuid4())]:
        assert client.get(f"/i/{_quote(payload)}").status_code == 404, payload
        assert client.get(f"/rate-again/{_quote(payload)}").status_code == 404, payload


def test_ids_beyond_a_database_integer_are_not_found(app, db):
    """Regression: /admin/responses/99999999999999999999999 (and the other object routes) was a 500 (overflow)."""
    build_world(app, db)
    client = app.test_client()
    sign_in(client, "admin")
    huge = "99999999999999999999999"
    for url in (f"/admin/responses/{huge}", f"/supervise/responses/{huge}", f"/cases/{huge}",
                f"/admin/responses/{2**63}"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/supervise/responses/{huge}/approve", data={"row_version": "1"}).status_code == 404
    assert client.post("/supervise/win/units/assign", data={"unit": f"{huge}:{huge}", "interviewer": "4"}
                       ).status_code == 400
    assert client.get(f"/admin/responses/{2**63 - 1}").status_code == 404  # the largest id still reaches the view
