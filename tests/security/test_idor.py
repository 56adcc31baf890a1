"""IDOR: object ids in URLs and bodies never reach another interviewer's or another campaign's objects.

Campaign scoping: staff roles are not scoped to campaigns (an admin, supervisor or analyst sees every
campaign by design), so "another campaign" here means a route that names one campaign and an
object id of another: that must be refused, never applied across campaigns.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from survey_engine.store.models import FieldUnit, Invitation, Response, Site, VisitAttempt
from tests.security.world import answers_with, build_world, sign_in


def _interviewer(app):
    client = app.test_client()
    sign_in(client, "interviewer")
    return client


def test_bootstrap_lists_only_the_interviewers_own_units_and_returned_interviews(app, db):
    """Bob's units and Bob's returned interview are not in the interviewer's offline data."""
    world = build_world(app, db)
    body = _interviewer(app).get("/field/api/bootstrap").get_json()
    assert [u["id"] for u in body["assignments"]] == [world.units["ann"]]
    assert body["returned"] == []  # both returned interviews are Bob's


def test_another_interviewers_interview_cannot_be_corrected(app, db):
    """Correcting Bob's returned interview (this or another campaign) is 404 and leaves it as it was."""
    world = build_world(app, db)
    client = _interviewer(app)
    for name in ("bob", "other"):
        before = db.get(Response, world.responses[name])
        snapshot = (before.status, dict(before.answers), before.row_version)
        reply = client.post(f"/field/api/interviews/{world.uuids[name]}/correction",
                            json={"base_version": before.row_version, "answers": answers_with("mine", overall=5)})
        assert reply.status_code == 404 and reply.get_json()["error"] == "not_found"
        db.rollback()
        after = db.get(Response, world.responses[name])
        assert (after.status, after.answers, after.row_version) == snapshot


def test_another_interviewers_unit_takes_no_attempts_or_interviews(app, db):
    """Visit attempts and interviews naming Bob's unit (or one of another campaign) are refused; nothing stored."""
    world = build_world(app, db)
    client = _interviewer(app)
    for unit in (world.units["bob"], world.units["other"]):
        attempt = client.post("/field/api/attempts", json={
            "uuid": str(uuid.uuid4()), "assignment": unit, "at": "2026-11-23T09:30:00+08:00", "disposition": "2.11"})
        assert attempt.status_code == 422 and attempt.get_json()["error"] == "unknown_assignment"
        interview = client.post("/field/api/interviews", json={
            "uuid": str(uuid.uuid4()), "campaign": "win", "questionnaire_version": world.version_hash,
            "mode": "household", "language": "en", "answers": answers_with("x"), "assignment": unit})
        assert interview.status_code == 422 and interview.get_json()["error"] == "unknown_assignment"
    db.rollback()
    assert db.scalar(select(func.count()).select_from(VisitAttempt)) == 0
    assert db.get(FieldUnit, world.units["bob"]).status == db.get(FieldUnit, world.units["ann"]).status


def test_a_device_reads_back_only_its_own_responses(app, db):
    """Regression: GET /api/v1/responses/<uuid> gave any device any response; another's is now 404."""
    world = build_world(app, db)
    client = app.test_client()
    auth = {"Authorization": f"Bearer {world.device_token}"}  # the interviewer's tablet
    assert client.get(f"/api/v1/responses/{world.uuids['ann']}", headers=auth).status_code == 200
    for name in ("bob", "other"):
        reply = client.get(f"/api/v1/responses/{world.uuids[name]}", headers=auth)
        assert reply.status_code == 404 and "answers" not in reply.get_json()
    sent = client.post("/api/v1/responses", headers=auth, json={
        "uuid": str(uuid.uuid4()), "campaign": "win", "mode": "online", "answers": answers_with("sent")})
    assert client.get(f"/api/v1/responses/{sent.get_json()['uuid']}", headers=auth).status_code == 200


def test_units_of_another_campaign_are_not_assigned_through_this_one(app, db):
    """Assigning campaign 'other''s unit on campaign 'win''s page is refused and changes nothing."""
    world = build_world(app, db)
    client = app.test_client()
    sign_in(client, "supervisor")
    unit = db.get(FieldUnit, world.units["other"])
    reply = client.post("/supervise/win/units/assign", data={"unit": f"{unit.id}:{unit.row_version}",
                                                              "interviewer": str(world.users["interviewer"])})
    assert reply.status_code in (400, 404)
    db.rollback()
    assert db.get(FieldUnit, world.units["other"]).interviewer_id == world.users["bob"]


def test_invitations_cannot_point_at_another_campaigns_site(app, db):
    """A site id of campaign 'other' in campaign 'win''s invitation form is refused; no invitation is made."""
    build_world(app, db)
    client = app.test_client()
    sign_in(client, "admin")
    other_site = db.scalar(select(Site.id).where(Site.code == "o1"))
    count = db.scalar(select(func.count()).select_from(Invitation))
    reply = client.post("/admin/campaigns/win/invitations", data={"site": str(other_site), "count": "1"})
    assert reply.status_code == 400
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Invitation)) == count


def test_a_respondent_cannot_open_a_staff_collected_interview_by_uuid(app, db):
    """The answering pages refuse any response the browser did not start (403), interviews included."""
    world = build_world(app, db)
    client = app.test_client()
    client.post("/s/win/w1", data={})  # a browser with a session of its own
    for name in ("ann", "bob", "other"):
        for page in ("review", "done", "page/rating"):
            assert client.get(f"/r/{world.uuids[name]}/{page}").status_code == 403
