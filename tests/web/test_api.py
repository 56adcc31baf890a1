"""JSON API: listing, idempotent submission by client UUID, fetching, errors as JSON."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from survey_engine.store.models import AuditEntry, Response, ResponsePersonal
from tests.web.helpers import device_token, window_campaign

GOOD = {"service_handled": "patent_application", "overall": 4, "efficiency": 5, "service_level": 4,
        "staff_attitude": "4"}


@pytest.fixture
def token(db):
    window_campaign(db)
    return device_token(db)


def _post(client, token, body):
    return client.post("/api/v1/responses", json=body, headers={"Authorization": f"Bearer {token}"})


def _body(**changes):
    body = {"uuid": str(uuid.uuid4()), "campaign": "win", "site": "w1", "mode": "online", "language": "en",
            "answers": dict(GOOD), "paradata": {"start_time": "2026-11-23T10:00:00+08:00"}}
    body.update(changes)
    return body


def test_openapi_document_lists_every_api_route(app, client):
    """The OpenAPI document is public and describes each /api/v1 route of the app."""
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    routes = {r.rule.removeprefix("/api/v1").replace("<content_hash>", "{content_hash}")
              .replace("<client_uuid>", "{uuid}") for r in app.url_map.iter_rules()
              if r.rule.startswith("/api/v1") and not r.rule.endswith("openapi.json")}
    assert routes == set(doc["paths"])


def test_requests_without_a_valid_token_get_401_json(client, token):
    """Missing and wrong bearer tokens are refused with the JSON error shape."""
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": token}):
        reply = client.get("/api/v1/campaigns", headers=headers)
        assert reply.status_code == 401
        assert set(reply.get_json()) >= {"error", "fields"}


def test_campaigns_and_versions_are_listed(client, token):
    """A device sees the campaign with its sites and the stored questionnaire version."""
    auth = {"Authorization": f"Bearer {token}"}
    campaigns = client.get("/api/v1/campaigns", headers=auth).get_json()["campaigns"]
    assert [c["slug"] for c in campaigns] == ["win"]
    assert [s["code"] for s in campaigns[0]["sites"]] == ["w1", "w2"]
    versions = client.get("/api/v1/questionnaires", headers=auth).get_json()["versions"]
    assert versions[0]["content_hash"] == campaigns[0]["questionnaire_version"]
    one = client.get(f"/api/v1/questionnaires/{versions[0]['content_hash']}", headers=auth).get_json()
    assert one["document"]["id"] == "window_rating"


def test_submit_creates_then_repeats_without_a_second_row(client, token, db):
    """A new UUID gives 201; the same UUID and content again gives 200 and the same stored response."""
    body = _body()
    first = _post(client, token, body)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["answers"]["staff_attitude"] == 4  # coerced by the answer engine
    again = _post(client, token, body)
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    assert db.scalar(select(func.count()).select_from(Response)) == 1
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "submit")) == 1


def test_same_uuid_with_other_content_is_a_conflict(client, token):
    """Reusing a UUID for different answers gives 409 and keeps the first answers."""
    body = _body()
    assert _post(client, token, body).status_code == 201
    changed = _post(client, token, {**body, "answers": {**GOOD, "overall": 5}})
    assert changed.status_code == 409
    assert changed.get_json()["error"] == "uuid_conflict"
    stored = client.get(f"/api/v1/responses/{body['uuid']}", headers={"Authorization": f"Bearer {token}"})
    assert stored.get_json()["answers"]["overall"] == 4


@pytest.mark.parametrize("bad", [None, "", "not-a-uuid", 12])
def test_missing_or_invalid_uuid_is_400(client, token, bad):
    """A submission without a valid UUID is refused with a message on the uuid field."""
    reply = _post(client, token, _body(uuid=bad))
    assert reply.status_code == 400
    assert "uuid" in reply.get_json()["fields"]


def test_invalid_answers_come_back_per_field_in_the_respondent_language(client, token):
    """Answer problems are 400 with one message per answer id, in the submission's language."""
    reply = _post(client, token, _body(language="zh", answers={"overall": 9, "efficiency": "x"}))
    assert reply.status_code == 400
    fields = reply.get_json()["fields"]
    assert {"overall", "efficiency", "service_handled"} <= set(fields)
    assert fields["service_handled"] == "此题为必答题。"


def test_bad_rating_branch_is_checked(client, token):
    """A bad overall rating makes the follow-up questions required."""
    reply = _post(client, token, _body(answers={**GOOD, "overall": 1}))
    assert reply.status_code == 400
    assert "bad_reasons" in reply.get_json()["fields"]
    ok = _post(client, token, _body(answers={**GOOD, "overall": 1, "bad_reasons": ["slow"]}))
    assert ok.status_code == 201, ok.get_json()


def test_identifying_answers_are_stored_apart_from_the_answers(client, token, db):
    """A phone number (a personal_data question) goes to its own table, never into the answers."""
    answers = {**GOOD, "overall": 1, "bad_reasons": ["slow"], "followup_consent": "yes", "phone": "13912345678"}
    reply = _post(client, token, _body(answers=answers))
    assert reply.status_code == 201, reply.get_json()
    assert "phone" not in reply.get_json()["answers"]
    stored = db.scalar(select(Response))
    assert "phone" not in stored.answers and stored.answers["followup_consent"] == "yes"
    assert db.scalar(select(ResponsePersonal.answers).where(ResponsePersonal.response_id == stored.id)) == {
        "phone": "13912345678"}


@pytest.mark.parametrize("changes, field", [
    ({"campaign": "nope"}, "campaign"), ({"mode": "household"}, "mode"), ({"site": "w9"}, "site"),
    ({"language": "fr"}, "language"), ({"answers": [1, 2]}, "answers"), ({"status": "approved"}, "status"),
])
def test_malformed_fields_are_400_with_the_field_named(client, token, changes, field):
    """Each malformed request field is named in ``fields``."""
    reply = _post(client, token, _body(**changes))
    assert reply.status_code == 400
    assert field in reply.get_json()["fields"]


def test_non_json_and_oversize_bodies_are_4xx_json(app, client, token):
    """A body that is not a JSON object is 400; one over MAX_CONTENT_LENGTH is 413; both as JSON."""
    auth = {"Authorization": f"Bearer {token}"}
    reply = client.post("/api/v1/responses", data="{oops", content_type="application/json", headers=auth)
    assert reply.status_code == 400 and reply.get_json()["error"] == "invalid_json"
    app.config["MAX_CONTENT_LENGTH"] = 1000
    big = _body(paradata={"x": "y" * 5000})
    reply = _post(client, token, big)
    assert reply.status_code == 413 and "error" in reply.get_json()


def test_fetch_unknown_and_malformed_uuid(client, token):
    """Fetching an unknown UUID is 404, a malformed one 400, both JSON."""
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/responses/{uuid.uuid4()}", headers=auth).status_code == 404
    assert client.get("/api/v1/responses/zzz", headers=auth).get_json()["error"] == "invalid_uuid"


def test_closed_campaign_refuses_new_responses(client, token, db):
    """A closed campaign answers 409 campaign_closed."""
    from survey_engine.store.models import Campaign

    db.scalar(select(Campaign)).status = "closed"
    db.commit()
    reply = _post(client, token, _body())
    assert reply.status_code == 409 and reply.get_json()["error"] == "campaign_closed"


def test_draft_is_stored_without_required_answers(client, token):
    """A draft may be incomplete; it is stored with status draft."""
    reply = _post(client, token, _body(status="draft", answers={"overall": 3}))
    assert reply.status_code == 201
    assert reply.get_json()["status"] == "draft"


@pytest.mark.parametrize("raw", [
    '{"uuid": "%s", "campaign": "win", "mode": "online", "answers": {"overall": NaN}}',
    '{"uuid": "%s", "campaign": "win", "mode": "online", "answers": {}, "paradata": {"x": Infinity}}',
    '{"uuid": "%s", "campaign": "win", "mode": "online", "answers": {"bad_comment": "a\\u0000b"}}',
    '{"uuid": "%s", "campaign": "win", "mode": "online", "answers": {}, "paradata": {"big": 1e400}}',
    '{"uuid": "%s", "campaign": "win", "mode": "online", "answers": {"overall": 1' + "0" * 400 + '}}',
    '{"uuid": "%s", "campaign": "win", "mode": "online", "answers": {}, "paradata": {"k\\u0000": 1}}',
    '{"uuid": "%s", "campaign": "win", "mode": "online", "answers": {}, "paradata": {"small": -9223372036854775809}}',
    '{"uuid": "%s", "campaign": "win", "mode": "online", "answers": {}, "paradata": {"tiny": -1e400}}',
    '{"uuid": "%s", "paradata": ' + "[" * 5000 + "]" * 5000 + "}",
])
def test_hostile_json_is_refused_with_400_never_500(client, token, raw):
    """NaN/Infinity/1e400, NUL characters and absurd nesting are 400 invalid_json on every database."""
    reply = client.post("/api/v1/responses", data=raw % uuid.uuid4(), content_type="application/json",
                        headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 400
    assert reply.get_json()["error"] == "invalid_json"


def test_nul_in_a_utf16_body_is_refused_and_an_escaped_backslash_is_not_a_nul(client, token):
    """A UTF-16 body (json reads it) with a NUL escape is refused; text "\\u0000" (backslash, u0000) is kept."""
    headers = {"Authorization": f"Bearer {token}"}
    nul = '{"uuid": "%s", "campaign": "win", "mode": "online", "answers": {}, "paradata": {"k": "a\\u0000"}}'
    reply = client.post("/api/v1/responses", data=(nul % uuid.uuid4()).encode("utf-16"),
                        content_type="application/json", headers=headers)
    assert reply.status_code == 400 and reply.get_json()["error"] == "invalid_json"
    body = _body(status="draft", answers={"overall": 3}, paradata={"note": "C:\\u0000dir"})
    reply = _post(client, token, body)
    assert reply.status_code == 201
    assert reply.get_json()["paradata"] == {"note": "C:\\u0000dir"}


def test_closing_a_campaign_reaches_the_api_of_the_same_worker_at_once(app, client, token, db):
    """After an admin closes a campaign, the API refuses new responses even with a warm cache."""
    from survey_engine.store.models import Role
    from tests.web.helpers import login, make_user

    assert _post(client, token, _body()).status_code == 201  # warms the campaign cache
    admin = app.test_client()
    login(admin, make_user(db, Role.ADMIN))
    admin.post("/admin/campaigns/win/status", data={"status": "closed"})
    reply = _post(client, token, _body())
    assert reply.status_code == 409 and reply.get_json()["error"] == "campaign_closed"


def test_twenty_concurrent_http_submissions_of_one_uuid_store_one_row(live_url, token, db):
    """20 clients posting the same response at once over HTTP: one 201, nineteen 200, one stored row."""
    import http.client
    import json
    import threading

    body = json.dumps(_body()).encode()
    port = int(live_url.rsplit(":", 1)[1])
    barrier = threading.Barrier(20)
    codes: list[int] = []

    def send() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        barrier.wait()
        connection.request("POST", "/api/v1/responses", body=body,
                           headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        codes.append(connection.getresponse().status)
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(codes) == [200] * 19 + [201]
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Response)) == 1
