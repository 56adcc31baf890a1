"""The interviewer app's sync endpoints: every item stored once per UUID, nothing dropped, own data only."""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from survey_engine.store.models import (AuditEntry, FieldUnit, InterceptTally, Response, ResponseStatus, Role,
                                        UnitStatus, User, VisitAttempt)
from survey_engine.instruments import load
from survey_engine.store.catalog import store_version
from tests.web.helpers import REPO, login, make_user, window_campaign

WINDOW_RATING = load(REPO / "questionnaires" / "window_rating.json").content_hash
GOOD = {"service_handled": "patent_application", "overall": 5, "efficiency": 4, "service_level": 5,
        "staff_attitude": 5, "site": "centre_main"}


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def interview(**changes) -> dict:
    body = {"uuid": str(uuid.uuid4()), "campaign": "win", "questionnaire_version": WINDOW_RATING, "site": "w1", "mode": "intercept", "language": "zh",
            "answers": dict(GOOD), "paradata": {"started_at": _now(), "finished_at": _now(), "pages": []},
            "device_time": _now()}
    return {**body, **changes}


@pytest.fixture
def field(client, db):
    campaign = window_campaign(db)
    make_user(db, Role.INTERVIEWER, "li")
    make_user(db, Role.INTERVIEWER, "wang")
    login(client, "li")
    client.campaign = campaign
    client.version = campaign.version.content_hash
    return client


def _unit(db, campaign, owner: str, key: str = "H-1", table: str | None = "B1") -> FieldUnit:
    user = db.scalar(select(User).where(User.username == owner))
    unit = FieldUnit(campaign_id=campaign.id, unit_key=key, label=f"{key} 朝阳路", stratum="urban",
                     kish_table=table, interviewer_id=user.id)
    db.add(unit)
    db.commit()
    return unit


def post(client, path: str, body: dict):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_signed_out_devices_get_401_json_and_keep_their_queue(client, db):
    window_campaign(db)
    reply = post(client, "/field/api/interviews", interview())
    assert reply.status_code == 401 and reply.json["error"] == "unauthorized"
    assert client.get("/field/").status_code == 302


def test_analysts_may_not_collect(client, db):
    make_user(db, Role.ANALYST, "ana")
    login(client, "ana")
    assert client.get("/field/api/bootstrap").status_code == 403


def test_bootstrap_holds_what_the_app_needs_offline(field, db):
    _unit(db, field.campaign, "li", "H-1")
    _unit(db, field.campaign, "wang", "H-2")
    boot = field.get("/field/api/bootstrap").json
    assert [c["slug"] for c in boot["campaigns"]] == ["win"]
    assert boot["campaigns"][0]["version"] in boot["questionnaires"]
    assert boot["questionnaires"][field.version]["id"] == "window_rating"
    assert [u["unit_key"] for u in boot["assignments"]] == ["H-1"]  # not another interviewer's
    assert boot["kish"]["tables"]["A"] == [1, 1, 1, 1, 1, 1]
    assert {"1.1", "2.111"} <= {d["code"] for d in boot["dispositions"]}
    assert boot["csrf_token"] and boot["user"]["username"] == "li"


def test_an_interview_is_stored_once_however_often_it_is_sent(field, db):
    body = interview()
    first = post(field, "/field/api/interviews", body)
    assert first.status_code == 201 and first.json["status"] == "complete"
    again = post(field, "/field/api/interviews", body)
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    other = post(field, "/field/api/interviews", {**body, "answers": {**GOOD, "overall": 4}})
    assert other.status_code == 409 and other.json["error"] == "uuid_conflict"
    stored = db.scalar(select(Response).where(Response.client_uuid == body["uuid"]))
    assert stored.answers["overall"] == 5 and stored.interviewer_id is not None and stored.mode == "intercept"
    assert db.scalar(select(func.count()).select_from(Response)) == 1


def test_missing_uuid_and_unknown_version_are_refused_with_reasons(field):
    missing = post(field, "/field/api/interviews", {k: v for k, v in interview().items() if k != "uuid"})
    assert missing.status_code == 400 and "uuid" in missing.json["fields"]
    unknown = post(field, "/field/api/interviews", interview(questionnaire_version="f" * 64))
    assert unknown.status_code == 422 and unknown.json["error"] == "unknown_version"


def test_failing_answers_and_a_skewed_clock_are_stored_for_review_not_dropped(field, db):
    bad = post(field, "/field/api/interviews", interview(answers={"overall": 9}))
    assert bad.status_code == 201 and bad.json["status"] == "needs_review" and "answers failed" in bad.json["reason"]
    late = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=3)).isoformat()
    skew = post(field, "/field/api/interviews", interview(device_time=late))
    assert skew.status_code == 201 and skew.json["status"] == "needs_review" and "clock" in skew.json["reason"]
    rows = db.scalars(select(Response.status)).all()
    assert rows == [ResponseStatus.NEEDS_REVIEW.value] * 2


def test_an_interview_keeps_the_version_it_was_done_with(field, db):
    """The questionnaire changed on the server while the device was offline."""
    old = field.version
    document = json.loads((REPO / "questionnaires" / "window_rating.json").read_text(encoding="utf-8"))
    document["version"] = "2026.2"
    document["title"]["en"] = "Window rating (revised)"
    new_version, _ = store_version(db, document)
    field.campaign.version_id = new_version.id
    db.commit()
    reply = post(field, "/field/api/interviews", interview(questionnaire_version=old))
    assert reply.status_code == 201 and reply.json["status"] == "complete"
    stored = db.scalar(select(Response))
    assert stored.version.content_hash == old != new_version.content_hash


def test_fifty_concurrent_sends_and_a_server_restart_store_one_row(app, app_config, field, db, live_url):
    from survey_engine.web import create_app

    body = json.dumps(interview()).encode()
    cookie = field.get_cookie("session").value

    def send(base: str) -> int:
        request = urllib.request.Request(f"{base}/field/api/interviews", data=body, method="POST",
                                         headers={"Content-Type": "application/json", "Cookie": f"session={cookie}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as reply:
                return reply.status
        except urllib.error.HTTPError as error:
            return error.code

    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(send, [live_url] * 50))
    assert sorted(set(codes)) == [200, 201] and codes.count(201) == 1
    restarted = create_app(app_config)  # a new process on the same database
    with restarted.test_client() as again:
        login(again, "li")
        reply = again.post("/field/api/interviews", data=body, content_type="application/json")
    restarted.extensions["survey_engine.db"].engine.dispose()
    assert reply.status_code == 200
    db.rollback()
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Response)) == 1


def test_visit_attempts_update_the_unit_and_only_for_its_interviewer(field, db):
    unit = _unit(db, field.campaign, "li", "H-1")
    theirs = _unit(db, field.campaign, "wang", "H-2")
    callback = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    first = {"uuid": str(uuid.uuid4()), "assignment": unit.id, "at": _now(), "disposition": "T2.25",
             "note": "不在家", "callback_at": callback}
    assert post(field, "/field/api/attempts", first).status_code == 201
    assert post(field, "/field/api/attempts", first).status_code == 200
    assert post(field, "/field/api/attempts", {**first, "note": "changed"}).status_code == 409
    db.rollback()
    db.expire_all()
    row = db.get(FieldUnit, unit.id)
    assert (row.status, row.attempts, row.next_call_at is not None) == (UnitStatus.IN_PROGRESS.value, 1, True)
    final = {"uuid": str(uuid.uuid4()), "assignment": unit.id, "at": _now(), "disposition": "2.111"}
    assert post(field, "/field/api/attempts", final).status_code == 201
    db.rollback()
    db.expire_all()
    row = db.get(FieldUnit, unit.id)
    assert (row.status, row.final_disposition, row.attempts) == (UnitStatus.FINAL.value, "2.111", 2)
    foreign = post(field, "/field/api/attempts", {**final, "uuid": str(uuid.uuid4()), "assignment": theirs.id})
    assert foreign.status_code == 422
    unknown = post(field, "/field/api/attempts", {**final, "uuid": str(uuid.uuid4()), "disposition": "9.9"})
    assert unknown.status_code == 400 and "disposition" in unknown.json["fields"]
    assert db.scalar(select(func.count()).select_from(VisitAttempt)) == 2
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "attempt")) == 2


def test_a_household_interview_with_kish_selection_is_checked_and_closes_the_unit(field, db):
    unit = _unit(db, field.campaign, "li", "H-1", table="B1")
    field.campaign.modes = ["online", "intercept", "household"]
    db.commit()
    # Kish table B1, three adults: the table picks member 1 with probability 1/3 (Kish 1949)
    chosen = {"method": "kish:B1", "eligible": 3, "member": 1, "probability": 0.5}
    reply = post(field, "/field/api/interviews", interview(mode="household", site=None, assignment=unit.id,
                                                           selection=chosen, answers={**GOOD}))
    assert reply.status_code == 201, reply.json
    stored = db.scalar(select(Response))
    assert stored.selection["probability"] == pytest.approx(1 / 3) and stored.unit_id == unit.id
    db.rollback()
    db.expire_all()
    assert db.get(FieldUnit, unit.id).final_disposition == "1.1"


def test_tallies_are_stored_once(field, db):
    tally = {"uuid": str(uuid.uuid4()), "campaign": "win", "site": "w1", "day": "2026-11-23", "slot_start": "09:00",
             "passed": 12, "refusals": 2, "ineligible": 1, "device_time": _now()}
    assert post(field, "/field/api/tallies", tally).status_code == 201
    assert post(field, "/field/api/tallies", tally).status_code == 200
    assert post(field, "/field/api/tallies", {**tally, "passed": 13}).status_code == 409
    bad = post(field, "/field/api/tallies", {**tally, "uuid": str(uuid.uuid4()), "passed": -1})
    assert bad.status_code == 400 and "passed" in bad.json["fields"]
    assert db.scalar(select(func.count()).select_from(InterceptTally)) == 1


def test_a_returned_interview_is_corrected_once_and_a_stale_correction_is_409(field, db):
    body = interview()
    post(field, "/field/api/interviews", body)
    stored = db.scalar(select(Response))
    stored.status, stored.review_reason = ResponseStatus.REJECTED.value, "overall and efficiency disagree"
    db.commit()
    returned = field.get("/field/api/bootstrap").json["returned"]
    assert [r["uuid"] for r in returned] == [body["uuid"]] and returned[0]["reason"]
    base = returned[0]["version"]
    fix = {"base_version": base, "answers": {**GOOD, "efficiency": 5}}
    path = f"/field/api/interviews/{body['uuid']}/correction"
    assert post(field, path, fix).status_code == 200
    assert post(field, path, fix).status_code == 200  # the same correction resent
    assert post(field, path, {**fix, "answers": {**GOOD, "efficiency": 3}}).status_code == 409
    db.rollback()
    db.expire_all()
    row = db.scalar(select(Response))
    assert (row.status, row.answers["efficiency"], row.row_version) == ("complete", 5, base + 1)


def test_another_interviewers_interview_cannot_be_corrected(field, db, client):
    body = interview()
    post(field, "/field/api/interviews", body)
    field.post("/logout")
    login(field, "wang")
    reply = post(field, f"/field/api/interviews/{body['uuid']}/correction", {"base_version": 1, "answers": GOOD})
    assert reply.status_code == 404


def test_with_csrf_on_a_post_needs_the_token_from_bootstrap(app_config, db):
    from survey_engine.web import create_app

    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    window_campaign_db = app.extensions["survey_engine.db"].sessions()
    with window_campaign_db as session:
        window_campaign(session)
        make_user(session, Role.INTERVIEWER, "li")
    with app.test_client() as client:
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/login", data={"username": "li", "password": "correct horse battery", "csrf_token": token})
        refused = post(client, "/field/api/interviews", interview())
        assert refused.status_code == 400 and refused.json["error"] == "csrf"
        fresh = client.get("/field/api/bootstrap").json["csrf_token"]
        accepted = client.post("/field/api/interviews", data=json.dumps(interview()), content_type="application/json",
                               headers={"X-CSRFToken": fresh})
        assert accepted.status_code == 201
    app.extensions["survey_engine.db"].engine.dispose()
