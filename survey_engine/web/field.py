"""The interviewer app (``/field``): an installable offline page plus the endpoints its outbox syncs to.

The page works without network once loaded (service worker + IndexedDB, see
``static/js/field/``); everything it records travels later as outbox items, each with a
client-generated UUID.  The endpoints here make resending harmless: 201 for a new item, 200
for the same item again, 409 for the same UUID with other content, 400/422 with a reason the
app shows.  Nothing a device sends is dropped: answers that fail the questionnaire's checks,
a clock far off, a campaign closed meanwhile are stored with status ``needs_review`` and the
reason, for a supervisor to decide.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, request, send_from_directory, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from survey_engine.analysis.fieldwork import DISPOSITION_CODES
from survey_engine.instruments.answers import check_answers
from survey_engine.instruments.dataset import separate_personal
from survey_engine.sampling.household import KISH_SHARES, KISH_TABLES, kish_select
from survey_engine.store.catalog import instrument_of
from survey_engine.store.fieldwork import (AttemptInput, TallyInput, mark_unit_interviewed, record_attempt,
                                           record_tally)
from survey_engine.store.models import (Campaign, CampaignStatus, FieldUnit, InterceptSlot, QuestionnaireVersion,
                                        Response, ResponsePersonal, ResponseStatus, Role, VisitAttempt, utcnow)
from survey_engine.store.audit import record
from survey_engine.store.engine import write_session
from survey_engine.store.responses import Submission, SubmitOutcome, fingerprint, submit_response
from survey_engine.web.api import client_uuid_of, json_body, submission_fields
from survey_engine.web.database import database, db_session, end_read
from survey_engine.web.errors import ApiError
from survey_engine.web.security import PUBLIC_ROUTES, ROUTE_ROLES

__all__ = ["blueprint", "FIELD_MODES", "CLOCK_SKEW_LIMIT"]

blueprint = Blueprint("field", __name__, url_prefix="/field")

#: Modes an interviewer collects in (online answering is the respondent's own).
FIELD_MODES = ("intercept", "household")
#: A device clock further off than this makes its timestamps (paradata, slots) doubtful.
CLOCK_SKEW_LIMIT = dt.timedelta(minutes=10)
_STATIC = Path(__file__).resolve().parent / "static"


@blueprint.before_request
def _signed_in():
    """Pages send people to sign in; the JSON endpoints answer 401 so the app keeps its queue."""
    if request.endpoint in PUBLIC_ROUTES:
        return None
    is_api = request.path.startswith("/field/api/")
    if not current_user.is_authenticated:
        if is_api:
            raise ApiError(401, "unauthorized", "sign in again; your unsent interviews stay on this device")
        return redirect(url_for("auth.login", next=request.full_path))
    allowed = ROUTE_ROLES.get(request.endpoint or "")
    if allowed is None or Role(current_user.role) not in allowed:
        raise ApiError(403, "forbidden", "this account may not collect interviews")
    return None


@blueprint.get("/")
def app_page():
    return render_template("field/app.html", user=current_user.username)


@blueprint.get("/sw.js")
def service_worker():
    """Served from /field/ so its scope covers the whole app (a worker controls only its folder)."""
    reply = send_from_directory(_STATIC / "js" / "field", "sw.js", mimetype="application/javascript", max_age=0)
    reply.headers["Service-Worker-Allowed"] = "/field/"
    reply.headers["Cache-Control"] = "no-cache"
    return reply


@blueprint.get("/manifest.webmanifest")
def manifest():
    return send_from_directory(_STATIC / "field", "manifest.webmanifest", mimetype="application/manifest+json")


# ---------------------------------------------------------------------------------------------- bootstrap

def _campaign_json(campaign: Campaign, slots: list[InterceptSlot], done: dict[tuple[str, str], int]) -> dict[str, Any]:
    targets = campaign.targets or {}
    quotas = [{**quota, "done": done.get((quota.get("variable"), str(quota.get("code"))), 0)}
              for quota in targets.get("quotas", []) if isinstance(quota, dict)]
    return {"slug": campaign.slug, "name": campaign.name, "modes": campaign.modes, "status": campaign.status,
            "version": campaign.version.content_hash,
            "default_language": instrument_of(campaign.version).default_language,
            "sites": [{"code": s.code, "name": s.name} for s in campaign.sites],
            "slots": [{"site": slot.site.code, "day": slot.day.isoformat(), "start": slot.start, "end": slot.end,
                       "interval": slot.interval, "random_start": slot.random_start, "interviews": slot.interviews,
                       "expected_visitors": slot.expected_visitors} for slot in slots],
            "quotas": quotas, "targets": {"completes": targets.get("completes")},
            "max_attempts": int(targets.get("max_attempts") or 5)}


def _quota_done(campaign: Campaign) -> dict[tuple[str, str], int]:
    variables = {q.get("variable") for q in (campaign.targets or {}).get("quotas", []) if isinstance(q, dict)}
    if not variables:
        return {}
    done: dict[tuple[str, str], int] = {}
    counted = (ResponseStatus.COMPLETE.value, ResponseStatus.APPROVED.value)
    for answers in db_session().scalars(select(Response.answers).where(
            Response.campaign_id == campaign.id, Response.status.in_(counted))):
        for variable in variables:
            if variable in answers:
                key = (variable, str(answers[variable]))
                done[key] = done.get(key, 0) + 1
    return done


def _unit_json(unit: FieldUnit) -> dict[str, Any]:
    return {"id": unit.id, "campaign": unit.campaign.slug, "unit_key": unit.unit_key, "label": unit.label,
            "stratum": unit.stratum, "kish_table": unit.kish_table, "status": unit.status,
            "final_disposition": unit.final_disposition, "attempts_count": unit.attempts,
            "next_call": unit.next_call_at.isoformat() if unit.next_call_at else None, "version": unit.row_version}


@blueprint.get("/api/bootstrap")
def bootstrap():
    """Everything the app needs to work offline for the day (cached by the app in IndexedDB)."""
    session = db_session()
    campaigns = session.scalars(select(Campaign).where(Campaign.status == CampaignStatus.OPEN.value)
                                .order_by(Campaign.id).options(selectinload(Campaign.sites),
                                                               joinedload(Campaign.version))).all()
    campaigns = [c for c in campaigns if set(c.modes) & set(FIELD_MODES)]
    slots = session.scalars(select(InterceptSlot).where(InterceptSlot.campaign_id.in_([c.id for c in campaigns]))
                            .order_by(InterceptSlot.day, InterceptSlot.start)
                            .options(joinedload(InterceptSlot.site))).all()
    units = session.scalars(select(FieldUnit).where(FieldUnit.interviewer_id == current_user.id)
                            .order_by(FieldUnit.id).options(joinedload(FieldUnit.campaign))).all()
    attempts = _attempts_of([u.id for u in units])
    returned = session.scalars(select(Response).where(Response.interviewer_id == current_user.id,
                                                      Response.status == ResponseStatus.REJECTED.value)
                               .options(joinedload(Response.campaign), joinedload(Response.version))).all()
    versions = {c.version.content_hash: c.version for c in campaigns}
    versions.update({r.version.content_hash: r.version for r in returned})
    return jsonify({
        "user": {"id": current_user.id, "username": current_user.username, "role": current_user.role},
        "csrf_token": generate_csrf(), "server_time": utcnow().isoformat(),
        "campaigns": [_campaign_json(c, [s for s in slots if s.campaign_id == c.id], _quota_done(c))
                      for c in campaigns],
        "questionnaires": {key: json.loads(version.document) for key, version in versions.items()},
        "kish": {"tables": {t.value: list(KISH_TABLES[t]) for t in KISH_TABLES},
                 "shares": {t.value: float(KISH_SHARES[t]) for t in KISH_SHARES}},
        "assignments": [{**_unit_json(u), "attempts": attempts.get(u.id, [])} for u in units],
        "dispositions": [{"code": d.code, "label": {"zh": d.zh, "en": d.en}, "final": d.final,
                          "modes": sorted(d.modes)} for d in DISPOSITION_CODES.values()],
        "returned": [{"uuid": r.client_uuid, "campaign": r.campaign.slug, "reason": r.review_reason,
                      "answers": r.answers, "version": r.row_version, "mode": r.mode,
                      "questionnaire_version": r.version.content_hash} for r in returned],
    })


def _attempts_of(unit_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = {}
    if not unit_ids:
        return out
    for attempt in db_session().scalars(select(VisitAttempt).where(VisitAttempt.unit_id.in_(unit_ids))
                                        .order_by(VisitAttempt.at)):
        out.setdefault(attempt.unit_id, []).append({"at": attempt.at.isoformat(), "disposition": attempt.disposition,
                                                    "note": attempt.note})
    return out


# ---------------------------------------------------------------------------------------------- helpers

def _when(body: dict[str, Any], name: str, *, required: bool = False) -> dt.datetime | None:
    raw = body.get(name)
    if raw is None and not required:
        return None
    try:
        value = dt.datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        raise ApiError(400, "invalid_request", "some fields of the request are invalid",
                       {name: "a date and time with its UTC offset, e.g. 2026-11-23T09:30:00+08:00"})
    return value.astimezone(dt.UTC)


def _skew_reason(device_time: dt.datetime | None, now: dt.datetime) -> str | None:
    if device_time is None or abs(now - device_time) <= CLOCK_SKEW_LIMIT:
        return None
    minutes = round((device_time - now).total_seconds() / 60)
    return f"设备时钟偏差 {minutes:+d} 分钟 / device clock off by {minutes:+d} min: check the interview times"


def _campaign(slug: Any) -> Campaign:
    campaign = db_session().scalar(select(Campaign).where(Campaign.slug == slug).options(
        selectinload(Campaign.sites), joinedload(Campaign.version))) if isinstance(slug, str) else None
    if campaign is None:
        raise ApiError(422, "unknown_campaign", f"no campaign {slug!r} on the server", {"campaign": "unknown"})
    return campaign


def _site_id(campaign: Campaign, code: Any, *, required: bool = False) -> int | None:
    if code is None and not required:
        return None
    for site in campaign.sites:
        if site.code == code:
            return site.id
    raise ApiError(422, "unknown_site", f"{code!r} is not a site of campaign {campaign.slug!r}",
                   {"site": "not a site of this campaign"})


def _own_unit(campaign_id: int | None, unit_id: Any) -> FieldUnit:
    """The interviewer's own assigned unit; another interviewer's unit is as unknown as a missing one."""
    unit = db_session().get(FieldUnit, unit_id) if isinstance(unit_id, int) and not isinstance(unit_id, bool) else None
    if unit is None or unit.interviewer_id != current_user.id or (campaign_id and unit.campaign_id != campaign_id):
        raise ApiError(422, "unknown_assignment", "this household or enterprise is not assigned to you (any more); "
                       "ask your supervisor", {"assignment": "not one of your assignments"})
    return unit


def _reply(stored: Response, status: int):
    return jsonify({"uuid": stored.client_uuid, "id": stored.id, "status": stored.status,
                    "reason": stored.review_reason}), status


def _uuid_conflict() -> ApiError:
    return ApiError(409, "uuid_conflict", "a different item is already stored under this UUID; it was not "
                    "overwritten", {"uuid": "keep this item and show it to a supervisor"})


# ---------------------------------------------------------------------------------------------- interviews

_INTERVIEW_KEYS = ("campaign", "questionnaire_version", "site", "mode", "language", "answers", "paradata",
                   "assignment", "selection")


@blueprint.post("/api/interviews")
def interviews():
    body = json_body()
    client_uuid = client_uuid_of(body)
    print_ = fingerprint({key: body.get(key) for key in _INTERVIEW_KEYS})
    stored = db_session().scalar(select(Response).where(Response.client_uuid == client_uuid))
    if stored is not None:
        if stored.fingerprint != print_:
            raise _uuid_conflict()
        return _reply(stored, 200)
    submission, unit_id = _interview(body, client_uuid, print_)
    end_read()
    outcome, stored = submit_response(database().sessions, submission)
    if outcome is SubmitOutcome.CONFLICT:
        raise _uuid_conflict()
    if outcome is SubmitOutcome.CREATED and unit_id is not None and stored.status == ResponseStatus.COMPLETE.value:
        mark_unit_interviewed(database().sessions, unit_id, current_user.id)
    return _reply(stored, 201 if outcome is SubmitOutcome.CREATED else 200)


def _interview(body: dict[str, Any], client_uuid: str, print_: str) -> tuple[Submission, int | None]:
    campaign = _campaign(body.get("campaign"))
    version_hash = body.get("questionnaire_version")
    version = db_session().scalar(select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == campaign.version.questionnaire_id,
        QuestionnaireVersion.content_hash == version_hash)) if isinstance(version_hash, str) else None
    if version is None:
        raise ApiError(422, "unknown_version", "this questionnaire version is not on the server; keep the interview "
                       "and ask your supervisor", {"questionnaire_version": "unknown for this campaign"})
    instrument = instrument_of(version)
    fields, mode, language, answers, paradata = submission_fields(
        body, instrument, [m for m in campaign.modes if m in FIELD_MODES])
    if fields:
        raise ApiError(400, "invalid_request", "some fields of the request are invalid", fields)
    site_id = _site_id(campaign, body.get("site"))
    unit = _own_unit(campaign.id, body["assignment"]) if body.get("assignment") is not None else None
    now = utcnow()
    reasons = [reason for reason in (_skew_reason(_when(body, "device_time"), now),) if reason]
    if campaign.status != CampaignStatus.OPEN.value:
        reasons.append("问卷活动已关闭 / campaign closed when this arrived")
    check = check_answers(instrument, answers, mode=mode, language=language)
    if not check.ok:
        problems = "; ".join(f"{key}: {text}" for key, text in check.messages(language).items())
        reasons.append(f"答案未通过检查 / answers failed checks: {problems}")
    selection, selection_reason = _selection(body.get("selection"), unit)
    if selection_reason:
        reasons.append(selection_reason)
    kept, personal = separate_personal(instrument, check.answers if check.ok else answers)
    status = ResponseStatus.NEEDS_REVIEW.value if reasons else ResponseStatus.COMPLETE.value
    return Submission(
        client_uuid=client_uuid, fingerprint=print_, campaign_id=campaign.id, version_id=version.id, mode=mode,
        language=language, status=status, answers=kept,
        paradata={**paradata, "device_time": body.get("device_time"), "received_at": now.isoformat()},
        site_id=site_id, interviewer_id=current_user.id, personal=personal,
        unit_id=unit.id if unit else None, selection=selection, review_reason="; ".join(reasons) or None,
    ), (unit.id if unit else None)


def _selection(raw: Any, unit: FieldUnit | None) -> tuple[dict[str, Any] | None, str | None]:
    """The within-household selection as sent; a Kish selection is recomputed from the unit's table
    (the stored probability is the server's, and a mismatch is a reason to review)."""
    if raw is None:
        return None, None
    if not isinstance(raw, dict):
        return None, "selection: not an object"
    method, eligible = str(raw.get("method", "")), raw.get("eligible")
    if method.startswith("kish") and unit is not None and unit.kish_table and isinstance(eligible, int) and eligible >= 1:
        chosen = kish_select(eligible, unit.kish_table)
        fixed = {**raw, "method": chosen.method, "member": chosen.member, "probability": chosen.probability}
        if raw.get("member") != chosen.member:
            return fixed, (f"户内抽样不符 / Kish table {unit.kish_table} picks member {chosen.member} of {eligible}, "
                           f"device chose {raw.get('member')}")
        return fixed, None
    return raw, None


@blueprint.post("/api/interviews/<client_uuid>/correction")
def correction(client_uuid: str):
    """An interview a supervisor returned, corrected by its interviewer; ``base_version`` must be
    the version that was returned (a stale one is a 409, never a lost update)."""
    body = json_body()
    session = db_session()
    response = session.scalar(select(Response).where(Response.client_uuid == client_uuid))
    if response is None or response.interviewer_id != current_user.id:
        raise ApiError(404, "not_found", "no such interview of yours")
    base, answers = body.get("base_version"), body.get("answers")
    if not isinstance(base, int) or not isinstance(answers, dict):
        raise ApiError(400, "invalid_request", "send base_version (the version returned to you) and answers",
                       {"base_version": "an integer", "answers": "an object"})
    print_ = fingerprint({"base_version": base, "answers": answers})
    done = (response.paradata or {}).get("corrections", [])
    if any(c.get("base_version") == base and c.get("fingerprint") == print_ for c in done):
        return _reply(response, 200)  # the same correction resent
    if response.status != ResponseStatus.REJECTED.value or response.row_version != base:
        raise ApiError(409, "stale_version", "this interview changed since it was returned to you; reload",
                       {"base_version": f"current version is {response.row_version}"})
    instrument = instrument_of(response.version)
    check = check_answers(instrument, answers, mode=response.mode, language=response.language)
    if not check.ok:
        raise ApiError(400, "invalid_answers", "some answers are not accepted", check.messages(response.language))
    kept, personal = separate_personal(instrument, check.answers)
    end_read()
    with write_session(database().sessions) as writing:
        row = writing.get(Response, response.id)
        if row.status != ResponseStatus.REJECTED.value or row.row_version != base:
            raise ApiError(409, "stale_version", "this interview changed since it was returned to you; reload")
        row.answers, row.status, row.review_reason = kept, ResponseStatus.COMPLETE.value, None
        row.paradata = {**row.paradata, "corrections": [*done, {"base_version": base, "fingerprint": print_,
                                                               "at": utcnow().isoformat()}]}
        stored_personal = writing.get(ResponsePersonal, row.id)
        if personal and stored_personal is None:
            writing.add(ResponsePersonal(response_id=row.id, answers=personal))
        elif stored_personal is not None:
            stored_personal.answers = personal
        writing.flush()
        record(writing, "correct", "response", row.id, user_id=current_user.id, details={"base_version": base})
    return _reply(row, 200)


# ---------------------------------------------------------------------------------------------- attempts, tallies

@blueprint.post("/api/attempts")
def attempts():
    body = json_body()
    client_uuid = client_uuid_of(body)
    unit = _own_unit(None, body.get("assignment"))
    code = body.get("disposition")
    entry = DISPOSITION_CODES.get(code) if isinstance(code, str) else None
    if entry is None:
        raise ApiError(400, "invalid_request", "unknown disposition code", {"disposition": "an AAPOR code from the list"})
    note = body.get("note")
    if note is not None and (not isinstance(note, str) or len(note) > 2000):
        raise ApiError(400, "invalid_request", "note: text up to 2,000 characters", {"note": "too long"})
    content = {key: body.get(key) for key in ("assignment", "at", "disposition", "note", "callback_at")}
    end_read()
    outcome, row = record_attempt(database().sessions, AttemptInput(
        client_uuid=client_uuid, unit_id=unit.id, interviewer_id=current_user.id, at=_when(body, "at", required=True),
        disposition=code, note=note, callback_at=_when(body, "callback_at"), content=content))
    if outcome is SubmitOutcome.CONFLICT:
        raise _uuid_conflict()
    return jsonify({"uuid": row.client_uuid, "id": row.id, "status": "stored", "reason": None}), (
        201 if outcome is SubmitOutcome.CREATED else 200)


def _count(body: dict[str, Any], name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
        raise ApiError(400, "invalid_request", "some fields of the request are invalid",
                       {name: "a whole number from 0 to 1,000,000"})
    return value


@blueprint.post("/api/tallies")
def tallies():
    body = json_body()
    client_uuid = client_uuid_of(body)
    campaign = _campaign(body.get("campaign"))
    site_id = _site_id(campaign, body.get("site"), required=True)
    try:
        day = dt.date.fromisoformat(body.get("day")) if isinstance(body.get("day"), str) else None
    except ValueError:
        day = None
    slot_start = body.get("slot_start")
    if day is None or not isinstance(slot_start, str) or len(slot_start) != 5:
        raise ApiError(400, "invalid_request", "some fields of the request are invalid",
                       {"day": "YYYY-MM-DD", "slot_start": "HH:MM"})
    counts = {name: _count(body, name) for name in ("passed", "refusals", "ineligible")}
    content = {key: body.get(key) for key in ("campaign", "site", "day", "slot_start", "passed", "refusals",
                                              "ineligible")}
    end_read()
    outcome, row = record_tally(database().sessions, TallyInput(
        client_uuid=client_uuid, campaign_id=campaign.id, site_id=site_id, interviewer_id=current_user.id, day=day,
        slot_start=slot_start, device_time=_when(body, "device_time"), content=content, **counts))
    if outcome is SubmitOutcome.CONFLICT:
        raise _uuid_conflict()
    return jsonify({"uuid": row.client_uuid, "id": row.id, "status": "stored", "reason": None}), (
        201 if outcome is SubmitOutcome.CREATED else 200)

