"""Supervision pages: who may open them, review actions (409 on a stale version), back-checks,
unit import and assignment, settings, the data-quality page and the monitoring rates."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from sqlalchemy import select

from survey_engine.analysis.fieldwork import TOTAL, rates_by
from survey_engine.store.accounts import create_user
from survey_engine.store.models import AuditEntry, FieldUnit, Response, Role, UnitStatus, User
from survey_engine.web.security import ROUTE_ROLES
from tests.store.test_supervision import add_response
from tests.web.helpers import PASSWORD, login, make_user, window_campaign
from tests.web.test_security import MATRIX as SECURITY_MATRIX, A, I, N, S

#: The supervise part of the one authorisation matrix (tests/web/test_security.py).
MATRIX = {endpoint: row for endpoint, row in SECURITY_MATRIX.items() if endpoint.startswith("supervise.")}


def paradata(seconds: float) -> dict:
    return {"started_at": "2026-11-23T09:00:00+08:00", "finished_at": "2026-11-23T09:30:00+08:00",
            "pages": [{"page": "rating", "seconds": seconds * 0.8}, {"page": "end", "seconds": seconds * 0.2}]}


@pytest.fixture
def field(db):
    """Campaign 'win' with two interviewers' interviews: ann's #1 (a speeder) and #2, bob's #3."""
    campaign = window_campaign(db)
    ann = create_user(db, "ann", PASSWORD, Role.INTERVIEWER)
    bob = create_user(db, "bob", PASSWORD, Role.INTERVIEWER)
    site = campaign.sites[0]
    add_response(db, campaign, ann, paradata=paradata(20), site=site)
    add_response(db, campaign, ann, paradata=paradata(300), site=site)
    add_response(db, campaign, bob, paradata=paradata(280), site=site, status="needs_review")
    add_response(db, campaign, bob, paradata=paradata(320), site=site)
    db.commit()
    return campaign, ann, bob


def signed_in(client, db, role: Role) -> int:
    username = make_user(db, role)
    assert login(client, username).status_code == 302
    user_id = db.scalar(select(User.id).where(User.username == username))
    db.rollback()  # end this read's snapshot: later reads must see what the app commits
    return user_id


def test_matrix_covers_every_supervise_route_and_the_role_table(app):
    """Every supervise endpoint is in this matrix and in ROUTE_ROLES, with the same roles."""
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("supervise.")}
    assert endpoints == set(MATRIX) == {e for e in ROUTE_ROLES if e.startswith("supervise.")}
    for endpoint, (_, _, roles) in MATRIX.items():
        assert {r.value for r in ROUTE_ROLES[endpoint]} == roles, endpoint


@pytest.mark.parametrize("role", [A, S, I, N])
def test_each_role_reaches_exactly_its_supervise_routes(client, db, field, role):
    """Interviewers get 403 on every supervision route (never another interviewer's work); others per table."""
    make_user(db, Role(role))
    assert login(client, f"user-{role}").status_code == 302
    for endpoint, (method, url, roles) in MATRIX.items():
        reply = client.open(url, method=method, data={})
        if role in roles:
            assert reply.status_code < 500 and reply.status_code not in (401, 403), (endpoint, reply.status_code)
        else:
            assert reply.status_code == 403, (endpoint, reply.status_code)
    assert db.get(Response, 1).status == "complete"  # empty forms changed nothing


def test_anonymous_visitors_are_sent_to_sign_in(client, field):
    """Without signing in, every supervision route redirects to the login page."""
    for endpoint, (method, url, _) in MATRIX.items():
        reply = client.open(url, method=method, data={})
        assert reply.status_code == 302 and "/login" in reply.headers["Location"], endpoint


def test_approve_from_the_queue_is_audited(client, db, field):
    """The queue lists waiting interviews; approving one redirects back and records who did it."""
    user_id = signed_in(client, db, Role.SUPERVISOR)
    page = client.get("/supervise/win/queue").get_data(as_text=True)
    assert all(f'href="/supervise/responses/{n}"' in page for n in (1, 2, 3, 4))
    reply = client.post("/supervise/responses/2/approve", data={"row_version": 1, "next": "/supervise/win/queue?x=1"})
    assert reply.status_code == 302 and reply.headers["Location"].endswith("/supervise/win/queue?x=1")
    db.rollback()  # a fresh snapshot: the app committed in its own session
    assert db.get(Response, 2).status == "approved"
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "approve"))
    assert (entry.user_id, entry.entity_id) == (user_id, "2")
    assert 'href="/supervise/responses/2"' not in client.get("/supervise/win/queue").get_data(as_text=True)


def test_a_stale_version_answers_409_reload(client, db, field):
    """Deciding on a version someone else changed gives 409 with a 'reload' page and changes nothing."""
    signed_in(client, db, Role.SUPERVISOR)
    assert client.post("/supervise/responses/1/backcheck", data={"row_version": 1, "flagged": "1"}).status_code == 302
    reply = client.post("/supervise/responses/1/reject", data={"row_version": 1, "reason": "too fast"})
    assert reply.status_code == 409
    assert "reload" in reply.get_data(as_text=True) and "刷新" in reply.get_data(as_text=True)
    db.rollback()  # a fresh snapshot: the app committed in its own session
    stored = db.get(Response, 1)
    assert (stored.status, stored.backcheck, stored.row_version) == ("complete", True, 2)


def test_reject_needs_a_reason_and_the_reason_is_kept(client, db, field):
    """A rejection without a reason is a 400; with a reason the interview is rejected with it, audited."""
    signed_in(client, db, Role.ADMIN)
    assert client.post("/supervise/responses/3/reject", data={"row_version": 1, "reason": ""}).status_code == 400
    assert client.post("/supervise/responses/3/reject",
                       data={"row_version": 1, "reason": "重新核实窗口号"}).status_code == 302
    db.rollback()  # a fresh snapshot: the app committed in its own session
    assert (db.get(Response, 3).status, db.get(Response, 3).review_reason) == ("rejected", "重新核实窗口号")
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "reject")).details["reason"] == "重新核实窗口号"
    page = client.get("/supervise/responses/3").get_data(as_text=True)
    assert "重新核实窗口号" in page and "version 版本 2" in page


def test_response_page_shows_paradata_flags_and_history(client, db, field):
    """One interview: its quality flags, page times and the audit history; opening it is logged."""
    signed_in(client, db, Role.SUPERVISOR)
    page = client.get("/supervise/responses/1").get_data(as_text=True)
    assert "speeder 过快" in page and "rating" in page and "Paradata" in page
    db.rollback()
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "view", AuditEntry.entity_id == "1"))


def test_backcheck_selection_form(client, db, field):
    """Selecting 50% with a seed flags one of each interviewer's two interviews and shows the seed."""
    signed_in(client, db, Role.SUPERVISOR)
    page = client.post("/supervise/win/backchecks", data={"percent": "50", "seed": "42"}).get_data(as_text=True)
    assert "<code>42</code>" in page
    db.rollback()  # a fresh snapshot: the app committed in its own session
    flagged = db.scalars(select(Response).where(Response.backcheck.is_(True))).all()
    assert sorted(r.interviewer.username for r in flagged) == ["ann", "bob"]
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "backcheck_select"))
    assert entry.details["seed"] == 42 and sorted(entry.details["selected"]) == sorted(r.id for r in flagged)
    assert client.post("/supervise/win/backchecks", data={"percent": "0"}).status_code == 400


def _upload(client, text: str):
    return client.post("/supervise/win/units/import", content_type="multipart/form-data",
                       data={"units": (io.BytesIO(text.encode("utf-8")), "sample.csv"), "seed": "3"})


def test_unit_import_errors_are_shown_with_line_numbers(client, db, field):
    """A bad file answers 400 listing 'line N, column X'; nothing is stored; a good file is imported."""
    signed_in(client, db, Role.SUPERVISOR)
    reply = _upload(client, "unit_key,label,stratum,psu,inclusion_probability\nH1,a,s,p,0.1\nH2,b,s,p,2\n")
    assert reply.status_code == 400
    assert "line 3, column inclusion_probability" in reply.get_data(as_text=True)
    assert db.scalar(select(FieldUnit.id)) is None
    db.rollback()
    reply = _upload(client, "unit_key,label,stratum,psu,inclusion_probability,phone\nH1,a,s,p,0.1,139\n"
                            "H2,b,s,p,0.2,\n")
    assert reply.status_code == 200 and "H2" in reply.get_data(as_text=True)
    assert len(db.scalars(select(FieldUnit)).all()) == 2


def test_assign_units_from_the_units_page(client, db, field):
    """Checked units are assigned to the chosen interviewer; a stale checkbox gives 409."""
    campaign, ann, bob = field
    signed_in(client, db, Role.SUPERVISOR)
    _upload(client, "unit_key,label,stratum,psu,inclusion_probability\nH1,a,s,p,0.1\nH2,b,s,p,0.1\n")
    units = db.scalars(select(FieldUnit).order_by(FieldUnit.unit_key)).all()
    db.rollback()
    page = client.get("/supervise/win/units").get_data(as_text=True)
    assert f'value="{units[0].id}:1"' in page
    reply = client.post("/supervise/win/units/assign", data={"interviewer": ann.id,
                                                             "unit": [f"{u.id}:1" for u in units]})
    assert reply.status_code == 302
    reply = client.post("/supervise/win/units/assign", data={"interviewer": bob.id, "unit": [f"{units[0].id}:1"]})
    assert reply.status_code == 409
    db.rollback()  # a fresh snapshot: the app committed in its own session
    assert [u.interviewer_id for u in units] == [ann.id, ann.id]
    assert "ann" in client.get(f"/supervise/win/units?interviewer={ann.id}").get_data(as_text=True)


def test_settings_form_stores_targets_and_quotas(client, db, field):
    """The settings form writes completes, quotas, max attempts and back-check share into Campaign.targets."""
    campaign, _, _ = field
    signed_in(client, db, Role.SUPERVISOR)
    reply = client.post("/supervise/win/settings", data={"completes": "8", "max_attempts": "4",
                                                         "backcheck_percent": "20",
                                                         "quotas": "service_handled,complaint,3"})
    assert reply.status_code == 302
    db.rollback()  # a fresh snapshot: the app committed in its own session
    assert db.get(type(campaign), campaign.id).targets == {
        "completes": 8, "max_attempts": 4, "backcheck_percent": 20.0,
        "quotas": [{"variable": "service_handled", "code": "complaint", "target": 3}]}
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "fieldwork_settings"))
    assert entry.details["after"]["completes"] == 8 and entry.details["before"]["completes"] is None
    bad = client.post("/supervise/win/settings", data={"max_attempts": "4", "backcheck_percent": "20",
                                                       "quotas": "nosuch,1,3"})
    assert bad.status_code == 400 and "quotas line 1" in bad.get_data(as_text=True)
    page = client.get("/supervise/win/monitoring").get_data(as_text=True)
    assert "<td>8</td><td>4</td>" in page and "<td>3</td><td>4</td><td>133.3%</td>" in page


def _row(page: str, response_id: int) -> str:
    match = re.search(rf'<tr class="[^"]*">\s*<td><a href="/supervise/responses/{response_id}">.*?</tr>', page, re.S)
    assert match, response_id
    return match.group(0)


def test_quality_page_shows_the_seeded_speeder(client, db, field):
    """#1 took 20 s where the others took about 300 s: it alone is flagged; ann's table row counts it."""
    signed_in(client, db, Role.SUPERVISOR)
    page = client.get("/supervise/win/quality").get_data(as_text=True)
    assert "speeder 过快" in _row(page, 1)
    assert all("speeder" not in _row(page, n) for n in (2, 3, 4))
    ann = re.search(r"<tr><td>ann</td>.*?</tr>", page, re.S).group(0)
    assert "<td>2</td><td>2</td>" in ann  # responses, completes


def test_analysts_read_quality_without_links_to_interviews(client, db, field):
    """Analysts see the quality table but get no link into single interviews (supervisors only)."""
    signed_in(client, db, Role.ANALYST)
    page = client.get("/supervise/win/quality").get_data(as_text=True)
    assert "speeder 过快" in page and "/supervise/responses/" not in page


def test_monitoring_rates_match_rates_by(client, db, field):
    """The page shows RR1 and REF1 for the units' dispositions as rates_by computes them."""
    campaign, ann, bob = field
    signed_in(client, db, Role.SUPERVISOR)
    _upload(client, "unit_key,label,stratum,psu,inclusion_probability\n"
                    + "".join(f"H{i},u,{'north' if i < 4 else 'south'},p,0.1\n" for i in range(7)))
    codes = ["1.1", "1.1", "2.111", "2.24", "1.1", "4.60", None]
    for unit, code in zip(db.scalars(select(FieldUnit).order_by(FieldUnit.unit_key)), codes):
        unit.interviewer_id = ann.id
        if code:
            unit.status, unit.final_disposition = UnitStatus.FINAL.value, code
    db.commit()
    expected = rates_by(pd.DataFrame({"stratum": ["north"] * 4 + ["south"] * 3,
                                      "disposition": [*codes[:-1], "3.11"]}), "stratum")
    page = client.get("/supervise/win/monitoring").get_data(as_text=True)
    for _, row in expected[expected["stratum"] != TOTAL].iterrows():
        assert f"{100 * row['RR1']:.1f}%" in page and f"{100 * row['REF1']:.1f}%" in page
    assert "1 still open" in page
    finals = client.get("/supervise/win/monitoring?open=exclude").get_data(as_text=True)
    assert "0 still open" in finals


def test_supervise_forms_need_a_csrf_token(app_config, db, field):
    """With CSRF on, an approval without the form token is refused and changes nothing."""
    from survey_engine.web import create_app

    username = make_user(db, Role.SUPERVISOR)
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    try:
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
        queue = client.get("/supervise/win/queue").get_data(as_text=True)
        assert 'name="csrf_token"' in queue
        assert client.post("/supervise/responses/1/approve", data={"row_version": 1}).status_code == 400
        db.rollback()  # a fresh snapshot: the app committed in its own session
        assert db.get(Response, 1).status == "complete"
    finally:
        app.extensions["survey_engine.db"].engine.dispose()


XSS = "<script>alert(1)</script><img src=x onerror=alert(1)>"


def test_reasons_and_unit_labels_are_shown_as_text(client, db, field):
    """A rejection reason and a unit label carrying markup are escaped on every supervision page."""
    signed_in(client, db, Role.SUPERVISOR)
    client.post("/supervise/responses/2/reject", data={"row_version": 1, "reason": XSS})
    assert _upload(client, f"unit_key,label,stratum,psu,inclusion_probability\nH1,{XSS},s,p,0.1\n").status_code == 200
    for url in ("/supervise/responses/2", "/supervise/win/units"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html and "&lt;script&gt;" in html, url
