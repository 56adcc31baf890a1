"""The OpenAPI 3.1 description of ``/api/v1/`` (served at ``/api/v1/openapi.json``)."""

from __future__ import annotations

from typing import Any

from survey_engine import __version__

__all__ = ["openapi_document"]

_ERROR = {"$ref": "#/components/schemas/Error"}


_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before sending the same request again",
                                 "schema": {"type": "integer", "minimum": 1}}}


def _error_responses(*codes: int) -> dict[str, Any]:
    """Error replies of an operation; every operation may also answer 503 while the database is away."""
    text = {400: "Malformed request or answers not accepted (per-field messages in `fields`)",
            401: "Missing or invalid device token", 404: "Not found",
            409: "UUID already used for other content, or campaign closed", 413: "Request body too large",
            503: "Database briefly unavailable; send the same request again after `Retry-After` seconds"}
    replies = {str(c): {"description": text[c], "content": {"application/json": {"schema": _ERROR}}}
               for c in (*codes, 503)}
    replies["503"]["headers"] = _RETRY_AFTER
    return replies


def _ok(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def openapi_document() -> dict[str, Any]:
    response_ref = {"$ref": "#/components/schemas/Response"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "survey_engine collection API", "version": __version__,
                 "description": "Submit and fetch survey responses idempotently by client UUID."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"deviceToken": []}],
        "paths": {
            "/campaigns": {"get": {"summary": "List campaigns with their sites and questionnaire version",
                                   "responses": {"200": _ok("Campaigns", {"type": "object", "properties": {
                                       "campaigns": {"type": "array",
                                                     "items": {"$ref": "#/components/schemas/Campaign"}}}}),
                                       **_error_responses(401)}}},
            "/questionnaires": {"get": {"summary": "List stored questionnaire versions",
                                        "responses": {"200": _ok("Versions", {"type": "object", "properties": {
                                            "versions": {"type": "array",
                                                         "items": {"$ref": "#/components/schemas/Version"}}}}),
                                            **_error_responses(401)}}},
            "/questionnaires/{content_hash}": {"get": {
                "summary": "One questionnaire version with its JSON document",
                "parameters": [{"name": "content_hash", "in": "path", "required": True,
                                "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}],
                "responses": {"200": _ok("The version and its document", {"$ref": "#/components/schemas/Version"}),
                              **_error_responses(401, 404)}}},
            "/responses": {"post": {
                "summary": "Submit a response; the same UUID again returns the stored response",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Submission"}}}},
                "responses": {"201": _ok("Stored", response_ref),
                              "200": _ok("Already stored with identical content", response_ref),
                              **_error_responses(400, 401, 409, 413)}}},
            "/responses/{uuid}": {"get": {
                "summary": "Fetch a response by its client UUID",
                "parameters": [{"name": "uuid", "in": "path", "required": True,
                                "schema": {"type": "string", "format": "uuid"}}],
                "responses": {"200": _ok("The response", response_ref), **_error_responses(400, 401, 404)}}},
        },
        "components": {
            "securitySchemes": {"deviceToken": {"type": "http", "scheme": "bearer",
                                                "description": "Token of a registered device"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error", "fields"], "properties": {
                    "error": {"type": "string", "description": "stable error code"},
                    "message": {"type": "string"},
                    "fields": {"type": "object", "additionalProperties": {"type": "string"},
                               "description": "field or answer id → message in the respondent's language"}}},
                "Campaign": {"type": "object", "required": [
                    "slug", "name", "status", "modes", "questionnaire_version", "sites"], "properties": {
                    "slug": {"type": "string"}, "name": {"type": "string"},
                    "status": {"enum": ["open", "closed"]}, "modes": {"type": "array", "items": {"type": "string"}},
                    "questionnaire_version": {"type": "string"},
                    "sites": {"type": "array", "items": {"type": "object", "properties": {
                        "code": {"type": "string"}, "name": {"type": "string"}}}}}},
                "Version": {"type": "object", "required": [
                    "questionnaire", "version", "title", "content_hash", "created_at"], "properties": {
                    "questionnaire": {"type": "string"}, "version": {"type": "string"},
                    "title": {"type": "object"}, "content_hash": {"type": "string"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "document": {"type": "object", "description": "the questionnaire JSON (single version only)"}}},
                "Submission": {"type": "object", "required": ["uuid", "campaign", "mode", "answers"], "properties": {
                    "uuid": {"type": "string", "format": "uuid", "description": "generated once per interview"},
                    "campaign": {"type": "string"}, "site": {"type": ["string", "null"]},
                    "mode": {"enum": ["intercept", "household", "online"]},
                    "language": {"type": "string", "default": "the questionnaire's default language"},
                    "status": {"enum": ["complete", "draft"], "default": "complete"},
                    "answers": {"type": "object", "description": "answer id → value (matrix items and cascade "
                                                                "levels by their own ids)"},
                    "paradata": {"type": "object"}}},
                "Response": {"type": "object", "required": [
                    "uuid", "campaign", "site", "mode", "language", "status", "answers", "paradata",
                    "questionnaire_version", "created_at", "submitted_at"], "properties": {
                    "uuid": {"type": "string", "format": "uuid"}, "campaign": {"type": "string"},
                    "site": {"type": ["string", "null"]}, "mode": {"type": "string"},
                    "language": {"type": "string"},
                    "status": {"enum": ["draft", "complete", "approved", "rejected", "needs_review"]},
                    "answers": {"type": "object"}, "paradata": {"type": "object"},
                    "questionnaire_version": {"type": "string"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "submitted_at": {"type": ["string", "null"], "format": "date-time"}}},
            },
        },
    }
