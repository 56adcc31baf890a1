"""JSON API ``/api/v1/`` for tablets and machine clients (described in ``openapi.py``).

Devices authenticate with ``Authorization: Bearer <token>``.  A response is submitted with a
client-generated UUID; the same UUID again returns the stored response (200) or, with other
content, a 409 — never a second row (see ``survey_engine.store.responses``).
"""

from __future__ import annotations

import json
import math
import uuid as uuidlib
from collections.abc import Sequence
from typing import Any

from flask import Blueprint, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from survey_engine.instruments.answers import check_answers
from survey_engine.instruments.dataset import separate_personal
from survey_engine.instruments.model import Questionnaire
from survey_engine.store.models import Campaign, CampaignStatus, QuestionnaireVersion, Response, ResponseStatus
from survey_engine.store.responses import NewResponse, Submission, SubmitOutcome, fingerprint, submit_response
from survey_engine.web.api_cache import campaign_view, device_view
from survey_engine.web.database import database, db_session
from survey_engine.web.errors import ApiError
from survey_engine.web.openapi import openapi_document

__all__ = ["blueprint", "response_json", "json_body", "client_uuid_of", "submission_fields"]

blueprint = Blueprint("api", __name__, url_prefix="/api/v1")

_LARGEST = 2**63 - 1
_SUBMITTABLE = {ResponseStatus.DRAFT.value, ResponseStatus.COMPLETE.value}


@blueprint.before_request
def _authenticate():
    if request.endpoint == "api.openapi":
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    device = device_view(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if device is None:
        raise ApiError(401, "unauthorized", "send 'Authorization: Bearer <device token>'; ask an administrator "
                                            "for a device token")
    g.device = device
    return None


@blueprint.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


def _campaign_json(campaign: Campaign) -> dict[str, Any]:
    return {"slug": campaign.slug, "name": campaign.name, "status": campaign.status, "modes": campaign.modes,
            "questionnaire_version": campaign.version.content_hash,
            "sites": [{"code": s.code, "name": s.name} for s in campaign.sites]}


@blueprint.get("/campaigns")
def campaigns():
    rows = db_session().scalars(select(Campaign).order_by(Campaign.id).options(
        selectinload(Campaign.sites), joinedload(Campaign.version))).all()
    return jsonify({"campaigns": [_campaign_json(c) for c in rows]})


def _version_json(version: QuestionnaireVersion) -> dict[str, Any]:
    return {"questionnaire": version.questionnaire.key, "version": version.label, "title": version.title,
            "content_hash": version.content_hash, "created_at": version.created_at.isoformat()}


@blueprint.get("/questionnaires")
def questionnaire_versions():
    rows = db_session().scalars(select(QuestionnaireVersion).order_by(QuestionnaireVersion.id)
                                .options(joinedload(QuestionnaireVersion.questionnaire))).all()
    return jsonify({"versions": [_version_json(v) for v in rows]})


@blueprint.get("/questionnaires/<content_hash>")
def questionnaire_document(content_hash: str):
    version = db_session().scalar(select(QuestionnaireVersion).where(QuestionnaireVersion.content_hash == content_hash))
    if version is None:
        raise ApiError(404, "not_found", f"no questionnaire version with hash {content_hash!r}")
    body = _version_json(version)
    body["document"] = json.loads(version.document)
    return jsonify(body)


def _json(response: Response | NewResponse, campaign: str, site: str | None, version_hash: str) -> dict[str, Any]:
    return {"uuid": response.client_uuid, "campaign": campaign, "site": site, "mode": response.mode,
            "language": response.language, "status": response.status, "answers": response.answers,
            "paradata": response.paradata, "questionnaire_version": version_hash,
            "created_at": response.created_at.isoformat(),
            "submitted_at": response.submitted_at.isoformat() if response.submitted_at else None}


def response_json(response: Response) -> dict[str, Any]:
    """The API form of a stored response (load it with ``_WITH_CONTEXT`` to avoid lazy loads)."""
    return _json(response, response.campaign.slug, response.site.code if response.site else None,
                 response.version.content_hash)


_WITH_CONTEXT = (joinedload(Response.campaign), joinedload(Response.site), joinedload(Response.version))


def _stored_by_uuid(client_uuid: str) -> Response | None:
    return db_session().scalar(select(Response).where(Response.client_uuid == client_uuid).options(*_WITH_CONTEXT))


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _unstorable(value: Any) -> bool:
    """NUL characters (PostgreSQL text refuses them), non-finite numbers (1e400 reads as inf) or
    integers no database column or float can hold."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, float):
            if not math.isfinite(item):
                return True
        elif isinstance(item, int) and abs(item) > _LARGEST:
            return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class _NumberWatch:
    """``json.loads`` number hooks that note a number no column or float can hold (1e400 reads as
    inf; integers beyond 2**63 - 1), so the parsed body need not be walked again for numbers."""

    __slots__ = ("unstorable",)

    def __init__(self) -> None:
        self.unstorable = False

    def integer(self, text: str) -> int:
        value = int(text)
        if abs(value) > _LARGEST:
            self.unstorable = True
        return value

    def real(self, text: str) -> float:
        value = float(text)
        if not math.isfinite(value):
            self.unstorable = True
        return value


def json_body() -> dict[str, Any]:
    """The request's JSON object, strictly parsed; 400 with a reason otherwise."""
    watch = _NumberWatch()
    try:
        raw = request.get_data(cache=True)
        text = raw.decode(json.detect_encoding(raw), "surrogatepass")  # what json.loads does with bytes
        body = json.loads(text, parse_constant=_no_constants, parse_int=watch.integer, parse_float=watch.real)
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "the request body must be a JSON object (Content-Type: application/json)")
    # strict JSON has no raw control characters in strings: a NUL can only come from the escape
    if watch.unstorable or ("\\u0000" in text and _unstorable(body)):
        raise ApiError(400, "invalid_json", "text must not contain NUL characters (\\u0000); numbers must be "
                                            "finite and below 2**63")
    return body


def client_uuid_of(body: dict[str, Any]) -> str:
    """The client-generated UUID of an idempotent submission, normalised; 400 when missing or malformed."""
    raw = body.get("uuid")
    try:
        return str(uuidlib.UUID(raw)) if isinstance(raw, str) else _raise_uuid()
    except ValueError:
        return _raise_uuid()


def _raise_uuid() -> str:
    raise ApiError(400, "invalid_uuid", "every response needs a client-generated UUID",
                   {"uuid": "give a UUID such as 3f2b8c1e-...-...; generate it once per interview"})


def _conflict() -> ApiError:
    return ApiError(409, "uuid_conflict", "a different response is already stored under this UUID",
                    {"uuid": "generate a new UUID for a new interview"})


def _repeat(client_uuid: str, print_: str):
    """The stored response for a resent UUID (200), or the conflict when the content differs."""
    stored = _stored_by_uuid(client_uuid)
    if stored.fingerprint != print_:
        raise _conflict()
    return jsonify(response_json(stored)), 200


@blueprint.post("/responses")
def submit():
    body = json_body()
    client_uuid = client_uuid_of(body)
    content = {key: body.get(key) for key in ("campaign", "site", "mode", "language", "status", "answers",
                                              "paradata")}
    print_ = fingerprint(content)
    try:
        submission, context = _checked(body, client_uuid, print_)
    except ApiError:
        # a resend may fail today's checks (campaign closed since): the stored answer still counts
        if db_session().scalar(select(Response.id).where(Response.client_uuid == client_uuid)) is not None:
            return _repeat(client_uuid, print_)
        raise
    session = g.get("db_session")
    if session is not None:
        session.rollback()  # end any read snapshot before the write transaction
    outcome, stored = submit_response(database().sessions, submission)
    if outcome is SubmitOutcome.CREATED:
        return jsonify(_json(stored, *context)), 201
    return _repeat(client_uuid, print_)  # another request stored this UUID meanwhile


def submission_fields(body: dict[str, Any], instrument: Questionnaire, modes: Sequence[str],
                      ) -> tuple[dict[str, str], Any, Any, Any, Any]:
    """Problems (by field) with a submission's mode, language, answers and paradata, and those values."""
    fields: dict[str, str] = {}
    mode, language = body.get("mode"), body.get("language", instrument.default_language)
    answers, paradata = body.get("answers"), body.get("paradata", {})
    if mode not in modes:
        fields["mode"] = f"one of {', '.join(modes)}"
    if language not in instrument.languages:
        fields["language"] = f"one of {', '.join(instrument.languages)}"
    if not isinstance(answers, dict):
        fields["answers"] = "an object: answer id → value"
    if not isinstance(paradata, dict):
        fields["paradata"] = "an object"
    return fields, mode, language, answers, paradata


def _checked(body: dict[str, Any], client_uuid: str, print_: str,
             ) -> tuple[Submission, tuple[str, str | None, str]]:
    """The checked submission, and (campaign slug, site code, version hash) for the reply."""
    slug = body.get("campaign")
    campaign = campaign_view(slug) if isinstance(slug, str) else None
    if campaign is None:
        raise ApiError(400, "unknown_campaign", "no such campaign", {"campaign": "give the slug of a campaign "
                                                                               "listed by GET /api/v1/campaigns"})
    if campaign.status != CampaignStatus.OPEN.value:
        raise ApiError(409, "campaign_closed", f"campaign {campaign.slug!r} is closed and accepts no responses")
    instrument = campaign.instrument
    fields, mode, language, answers, paradata = submission_fields(body, instrument, campaign.modes)
    status = body.get("status", ResponseStatus.COMPLETE.value)
    if status not in _SUBMITTABLE:
        fields["status"] = "'complete' or 'draft'"
    site_code = body.get("site")
    site_id = campaign.sites.get(site_code) if isinstance(site_code, str) else None
    if site_code is not None and site_id is None:
        fields["site"] = "not a site of this campaign"
    if fields:
        raise ApiError(400, "invalid_request", "some fields of the request are invalid", fields)
    check = check_answers(instrument, answers, mode=mode, language=language)
    if status == ResponseStatus.COMPLETE.value and not check.ok:
        raise ApiError(400, "invalid_answers", "some answers are not accepted", check.messages(language))
    device = g.device
    context = (campaign.slug, site_code if site_id is not None else None, campaign.version_hash)
    kept, personal = separate_personal(instrument, check.answers)
    return Submission(client_uuid=client_uuid, fingerprint=print_, campaign_id=campaign.id,
                      version_id=campaign.version_id, mode=mode, language=language, status=status,
                      answers=kept, paradata=paradata, site_id=site_id,
                      interviewer_id=device.user_id, device_id=device.id, personal=personal), context


@blueprint.get("/responses/<client_uuid>")
def fetch(client_uuid: str):
    try:
        key = str(uuidlib.UUID(client_uuid))
    except ValueError:
        raise ApiError(400, "invalid_uuid", "not a UUID", {"uuid": client_uuid[:60]}) from None
    response = _stored_by_uuid(key)
    if response is None or not _sent_by_this_device(response):
        raise ApiError(404, "not_found", f"no response with UUID {key}")
    return jsonify(response_json(response))


def _sent_by_this_device(response: Response) -> bool:
    """A device reads back only what it or its interviewer sent: another's answers are as unknown as a missing one."""
    device = g.device
    return response.device_id == device.id or (device.user_id is not None and response.interviewer_id == device.user_id)
