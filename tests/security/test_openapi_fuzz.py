"""schemathesis over the whole ``/api/v1`` OpenAPI document: zero server errors, and every reply
is one the document describes (status code, content type, body schema).

The app runs in-process (WSGI) on SQLite, and on PostgreSQL too when
``SURVEY_ENGINE_TEST_DATABASE_URL`` is set; a device token and a seeded campaign ("win",
with one stored response) let generated requests get past authentication and reach the
answer checks, the idempotent store and the 200/201/409 paths, not only the 400s.
"""

from __future__ import annotations

import uuid
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from survey_engine.web.openapi import openapi_document
from tests.web.helpers import device_token, window_campaign

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]
STORED_UUID = "5b0c7f1e-8f3a-4d7e-9c51-0a2b3c4d5e6f"
#: Answers the window-rating questionnaire accepts, so some generated submissions are stored (201/200/409).
GOOD_ANSWERS = {"service_handled": "patent_application", "overall": 4, "efficiency": 5, "service_level": 4,
                "staff_attitude": 4}
#: The response stored before the run; sending it again must give 200, changed content under its UUID 409.
SEEDED = {"uuid": STORED_UUID, "campaign": "win", "mode": "online", "answers": GOOD_ANSWERS}


def _takes_input(item: dict) -> bool:
    return bool(item.get("parameters") or item.get("requestBody"))


#: A tablet's valid requests, its deliberately invalid ones, and requests without a device token.
VARIANTS = {"valid": GenerationMode.POSITIVE, "invalid": GenerationMode.NEGATIVE, "anonymous": GenerationMode.POSITIVE}
#: (path, method, variant); an operation without parameters or body has no invalid form but its missing token.
CASES = [(path, method.upper(), variant) for path, item in openapi_document()["paths"].items()
         for method, spec in item.items() for variant in VARIANTS if variant != "invalid" or _takes_input(spec)]
EXAMPLES = {"valid": 50, "invalid": 50, "anonymous": 10}


@pytest.fixture
def api_headers(db) -> dict[str, str]:
    """The bearer token of a registered tablet."""
    return {"Authorization": f"Bearer {device_token(db)}"}


def _steer(schema, known: dict[str, str]) -> None:
    """Hooks that send some valid cases to real objects (the stored version and response, the
    seeded campaign with accepted answers, a resent UUID), so the 200/201/409 paths are reached."""

    @schema.hook
    def flatmap_path_parameters(context, path_parameters):
        if not path_parameters:
            return st.just(path_parameters)
        real = {key: known[key] for key in path_parameters if key in known}
        return st.sampled_from([path_parameters, {**path_parameters, **real}])

    @schema.hook
    def flatmap_body(context, body):
        if not isinstance(body, dict):
            return st.just(body)
        steered = {**body, "campaign": "win"}
        submittable = {**steered, "uuid": str(uuid.uuid4()), "mode": "online", "answers": GOOD_ANSWERS,
                       "status": "complete"}
        submittable.pop("language", None)
        submittable.pop("site", None)
        changed = {**submittable, "uuid": STORED_UUID}
        return st.sampled_from([body, steered, submittable, changed, SEEDED])


@pytest.fixture
def api_schemas(app, db, api_headers) -> dict[str, object]:
    """The app's own OpenAPI document, loaded through the app, once per variant: a tablet's valid
    requests steered towards real data, its deliberately invalid ones left alone (so they stay
    invalid), and requests without a token."""
    campaign = window_campaign(db)
    stored = app.test_client().post("/api/v1/responses", headers=api_headers, json=SEEDED)
    assert stored.status_code == 201, stored.get_data(as_text=True)
    schemas = {}
    for variant in VARIANTS:
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
        if variant != "anonymous":
            schema.config.update(headers=api_headers)
        if variant == "valid":
            _steer(schema, {"content_hash": campaign.version.content_hash, "uuid": STORED_UUID})
        schemas[variant] = schema
    return schemas


def run_operation(schema, path: str, method: str, mode: GenerationMode, examples: int) -> Counter[int]:
    """Send up to ``examples`` generated requests for one operation; returns how often each status came back."""
    operation = schema[path][method]
    statuses: Counter[int] = Counter()

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case) -> None:
        statuses[case.call_and_validate(checks=CHECKS).status_code] += 1

    check()
    return statuses


@pytest.mark.parametrize(("path", "method", "variant"), CASES, ids=[f"{m} {p} {v}" for p, m, v in CASES])
def test_api_never_answers_with_a_server_error(api_schemas, path: str, method: str, variant: str) -> None:
    """Every generated request gets a reply the document describes (status, type, body), never a 5xx."""
    statuses = run_operation(api_schemas[variant], path, method, VARIANTS[variant], EXAMPLES[variant])
    assert statuses and max(statuses) < 500
    if variant == "anonymous":
        assert set(statuses) == {401}
    elif (path, variant) == ("/responses", "valid"):
        assert statuses[200] + statuses[201] + statuses[409], statuses  # it reached the store, not only the checks


@pytest.mark.soak
@pytest.mark.parametrize(("path", "method", "variant"), CASES, ids=[f"{m} {p} {v}" for p, m, v in CASES])
def test_api_under_many_examples(api_schemas, path: str, method: str, variant: str) -> None:
    """As the quick test, with many more examples per operation."""
    assert max(run_operation(api_schemas[variant], path, method, VARIANTS[variant], 1000)) < 500


def test_body_over_the_limit_is_a_documented_413(app, client, api_headers) -> None:
    """A submission larger than MAX_CONTENT_LENGTH gets the 413 JSON error the document describes."""
    limit = app.config["MAX_CONTENT_LENGTH"]
    reply = client.post("/api/v1/responses", headers={**api_headers, "Content-Type": "application/json"},
                        data=b'{"uuid": "' + b"x" * limit + b'"}')
    assert reply.status_code == 413
    assert "413" in openapi_document()["paths"]["/responses"]["post"]["responses"]
    assert set(reply.get_json()) >= {"error", "fields"}
