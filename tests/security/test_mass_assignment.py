"""Mass assignment and role self-escalation: fields a client adds to a submission or form are ignored;
the stored row carries the server's values, and nobody below admin becomes admin by any route."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from survey_engine.store.models import Campaign, InterceptTally, Response, User, VisitAttempt
from tests.security.policy import DEVICE, POLICY, fill
from tests.security.world import answers_with, build_world, sign_in

#: What a hostile client adds, in the names of the rows' columns.
EXTRA = {"id": 999, "status": "approved", "interviewer_id": 5, "row_version": 77, "campaign_id": 2, "device_id": 9,
         "backcheck": True, "review_reason": None, "repeat_suspected": False, "submitted_at": "2020-01-01T00:00:00Z",
         "fingerprint": "0" * 64, "version_id": 1, "site_id": 99, "user_id": 1, "role": "admin"}


def _stored(db, key: str) -> Response:
    db.rollback()
    return db.scalar(select(Response).where(Response.client_uuid == key))


def test_api_submissions_ignore_extra_fields(app, db):
    """Extra fields beside the contract's are ignored; a status other than complete/draft is a 400."""
    world = build_world(app, db)
    client = app.test_client()
    auth = {"Authorization": f"Bearer {world.device_token}"}
    body = {"campaign": "win", "site": "w1", "mode": "intercept", "answers": answers_with("x", overall=4)}
    approved = client.post("/api/v1/responses", headers=auth, json={**body, **EXTRA, "uuid": str(uuid.uuid4())})
    assert approved.status_code == 400 and "status" in approved.get_json()["fields"]
    key = str(uuid.uuid4())
    extra = {k: v for k, v in EXTRA.items() if k != "status"}
    assert client.post("/api/v1/responses", headers=auth, json={**body, **extra, "uuid": key}).status_code == 201
    row = _stored(db, key)
    win = db.scalar(select(Campaign).where(Campaign.slug == "win"))
    assert (row.id != 999, row.status, row.interviewer_id, row.row_version, row.campaign_id, row.backcheck,
            row.version_id) == (True, "complete", world.users["interviewer"], 1, win.id, False, win.version_id)
    assert row.fingerprint != "0" * 64 and row.submitted_at.year != 2020


def test_field_interviews_attempts_and_tallies_ignore_extra_fields(app, db):
    """The interviewer app's outbox items are stored with the signed-in interviewer and server-set status."""
    world = build_world(app, db)
    client = app.test_client()
    sign_in(client, "interviewer")
    key = str(uuid.uuid4())
    reply = client.post("/field/api/interviews", json={
        **EXTRA, "uuid": key, "campaign": "win", "questionnaire_version": world.version_hash, "mode": "intercept",
        "language": "en", "site": "w1", "answers": answers_with("x", overall=4),
        "paradata": {"received_at": "1999-01-01", "corrections": [{"base_version": 1}]}})
    assert reply.status_code == 201, reply.get_json()
    row = _stored(db, key)
    assert (row.status, row.interviewer_id, row.row_version, row.campaign_id, row.backcheck) == (
        "complete", world.users["interviewer"], 1, db.scalar(select(Campaign.id).where(Campaign.slug == "win")),
        False)
    assert row.paradata["received_at"] != "1999-01-01"  # the server's receipt time wins
    attempt = client.post("/field/api/attempts", json={**EXTRA, "uuid": str(uuid.uuid4()),
                                                       "assignment": world.units["ann"],
                                                       "at": "2026-11-23T09:30:00+08:00", "disposition": "2.20"})
    assert attempt.status_code == 201, attempt.get_json()
    tally = client.post("/field/api/tallies", json={**EXTRA, "uuid": str(uuid.uuid4()), "campaign": "win",
                                                    "site": "w1", "day": "2026-11-23", "slot_start": "09:00",
                                                    "passed": 3, "refusals": 1, "ineligible": 0})
    assert tally.status_code == 201, tally.get_json()
    db.rollback()
    assert {a.interviewer_id for a in db.scalars(select(VisitAttempt))} == {world.users["interviewer"]}
    assert {t.interviewer_id for t in db.scalars(select(InterceptTally))} == {world.users["interviewer"]}


def test_a_correction_cannot_approve_itself(app, db):
    """A corrected interview goes back to 'complete' for review, whatever status the body claims."""
    world = build_world(app, db)
    client = app.test_client()
    sign_in(client, "bob")
    row = _stored(db, world.uuids["bob"])
    reply = client.post(f"/field/api/interviews/{world.uuids['bob']}/correction",
                        json={**EXTRA, "base_version": row.row_version, "answers": answers_with("fixed", overall=4)})
    assert reply.status_code == 200, reply.get_json()
    row = _stored(db, world.uuids["bob"])
    assert (row.status, row.interviewer_id, row.backcheck) == ("complete", world.users["bob"], False)


def test_review_decisions_take_only_their_listed_values(app, db):
    """The admin review form cannot set a status outside approve/reject (e.g. back to draft)."""
    world = build_world(app, db)
    client = app.test_client()
    sign_in(client, "supervisor")
    for decision in ("draft", "needs_review", "complete'--"):
        client.post(f"/admin/responses/{world.responses['ann']}/review", data={"decision": decision, **{
            k: str(v) for k, v in EXTRA.items() if k != "status"}})
        assert _stored(db, world.uuids["ann"]).status == "complete", decision


def _roles(db) -> dict[str, str]:
    db.rollback()
    return {u.username: u.role for u in db.scalars(select(User))}


@pytest.mark.filterwarnings("ignore:Tight layout not applied:UserWarning")
@pytest.mark.parametrize("who", ["interviewer", "supervisor", "analyst"])
def test_nobody_makes_themselves_admin_by_any_route(app, db, who):
    """Every POST route, sent role=admin (and user ids, usernames) by a lower role: no role changes, no new
    user, and the same account still cannot open the user administration."""
    world = build_world(app, db)
    client = app.test_client()
    sign_in(client, who)
    before = _roles(db)
    me = str(world.users[who])
    escalation = {"role": "admin", "username": who, "user": me, "user_id": me, "id": me, "password": "p" * 16,
                  "interviewer": me, "active": "1", "is_admin": "1"}
    for rule, (url, methods) in POLICY.items():
        if "POST" not in methods or methods["POST"] == DEVICE or rule == "/logout":
            continue
        target = fill(url, world, "none")
        if "/field/api/" in target:
            client.post(target, json=escalation)
        else:
            client.post(target, data=escalation)
    assert _roles(db) == before
    assert client.get("/admin/users").status_code == 403
    sign_in(client, who)  # a fresh session reads the role again
    assert client.get("/admin/users").status_code == 403
