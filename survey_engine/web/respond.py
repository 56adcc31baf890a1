"""Online answering: public links per campaign and site, personal single-use invitation links.

A respondent's progress is a draft response saved page by page (so an invitation can be
resumed); the answer engine checks each page and the whole set before it is completed.
Works without JavaScript.  A browser that has answered a public link before gets a cookie,
and a new answer from it is stored but flagged as a suspected repeat; completed answers per
IP are rate-limited (Flask-Limiter).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select

from survey_engine.instruments.answers import check_answers, visible_pages
from survey_engine.instruments.dataset import separate_personal
from survey_engine.instruments.forms import build_page_form, form_answers
from survey_engine.instruments.model import Page, Questionnaire
from survey_engine.store.catalog import instrument_of
from survey_engine.store.drafts import (InvitationTaken, complete_draft, invitation_for_token, save_draft,
                                         start_draft)
from survey_engine.store.models import Campaign, CampaignStatus, Invitation, InvitationStatus, Response, ResponseStatus
from survey_engine.web.database import db_session, write_on_post
from survey_engine.web.extensions import limiter
from survey_engine.web.review import review_rows
from survey_engine.web.templating import current_language

__all__ = ["blueprint", "ANSWERED_COOKIE"]

blueprint = Blueprint("respond", __name__)
blueprint.before_request(write_on_post)

ANSWERED_COOKIE = "se_answered"
_MODE = "online"


class _StartForm(FlaskForm):
    """The start button (CSRF-protected); consent is read from the posted checkbox."""


def _page(name: str, status: int = 200, **context: Any):
    return render_template(f"respond/{name}.html", **context), status


def _campaign(slug: str) -> Campaign | None:
    return db_session().scalar(select(Campaign).where(Campaign.slug == slug))


def _closed(campaign: Campaign) -> bool:
    return campaign.status != CampaignStatus.OPEN.value or _MODE not in campaign.modes


def _answered_before(campaign: Campaign) -> bool:
    return str(campaign.id) in request.cookies.get(ANSWERED_COOKIE, "").split(".")


def _landing(campaign: Campaign, site_code: str | None, invitation: Invitation | None = None):
    if _closed(campaign):
        return _page("message", 200, title_key="closed_title", text_key="closed_text")
    site = next((s for s in campaign.sites if s.code == site_code), None)
    if site_code is not None and site is None:
        return _page("message", 404, title_key="unknown_title", text_key="unknown_text")
    questionnaire = instrument_of(campaign.version)
    form = _StartForm()
    consent_needed = questionnaire.notice is not None and questionnaire.notice.consent_required
    missing_consent = False
    if form.validate_on_submit():
        if consent_needed and request.form.get("consent") != "yes":
            missing_consent = True
        else:
            db = db_session()
            try:
                response = start_draft(db, campaign, site=site or (invitation.site if invitation else None),
                                       language=current_language(), invitation=invitation,
                                       repeat_suspected=invitation is None and _answered_before(campaign),
                                       paradata={"user_agent": request.user_agent.string[:200]})
            except InvitationTaken:  # another browser started it a moment ago: continue that draft
                db.rollback()
                return redirect(request.path)
            db.commit()
            _own(response)
            return redirect(url_for("respond.page", uuid=response.client_uuid, page_id=_first_page(questionnaire)))
    return _page("landing", 400 if missing_consent else 200, campaign=campaign, q=questionnaire, form=form,
                 consent_needed=consent_needed, missing_consent=missing_consent,
                 repeat=invitation is None and _answered_before(campaign))


def _first_page(questionnaire: Questionnaire) -> str:
    pages = visible_pages(questionnaire, {}, mode=_MODE)
    return pages[0].id if pages else "review"


def _own(response: Response) -> None:
    owned = [u for u in session.get("own", []) if u != response.client_uuid][-9:]
    session["own"] = [*owned, response.client_uuid]


@blueprint.route("/s/<slug>", methods=["GET", "POST"])
@blueprint.route("/s/<slug>/<site_code>", methods=["GET", "POST"])
def public(slug: str, site_code: str | None = None):
    campaign = _campaign(slug)
    if campaign is None:
        return _page("message", 404, title_key="unknown_title", text_key="unknown_text")
    return _landing(campaign, site_code)


@blueprint.route("/i/<token>", methods=["GET", "POST"])
def invitation(token: str):
    found = invitation_for_token(db_session(), token)
    if found is None:
        return _page("message", 404, title_key="unknown_title", text_key="unknown_text")
    if found.status == InvitationStatus.COMPLETED.value:
        return _page("message", 200, title_key="already_title", text_key="already_text")
    if found.response_id is not None:
        draft = db_session().get(Response, found.response_id)
        _own(draft)
        questionnaire = instrument_of(draft.version)
        return redirect(url_for("respond.page", uuid=draft.client_uuid, page_id=_resume_page(questionnaire, draft)))
    return _landing(found.campaign, None, invitation=found)


def _resume_page(questionnaire: Questionnaire, draft: Response) -> str:
    resumed = draft.paradata.get("last_page")
    pages = [p.id for p in _visible(questionnaire, draft.answers)]
    return resumed if resumed in pages else (pages[0] if pages else "review")


def _draft(uuid: str) -> tuple[Response, Questionnaire]:
    if uuid not in session.get("own", []):
        abort(403)
    response = db_session().scalar(select(Response).where(Response.client_uuid == uuid))
    if response is None:
        abort(404)
    return response, instrument_of(response.version)


def _visible(questionnaire: Questionnaire, raw: dict[str, Any]) -> tuple[Page, ...]:
    cleaned = check_answers(questionnaire, raw, mode=_MODE).answers
    return visible_pages(questionnaire, cleaned, mode=_MODE)


def _invitation_of(response: Response) -> Invitation | None:
    return db_session().scalar(select(Invitation).where(Invitation.response_id == response.id))


@blueprint.route("/r/<uuid>/page/<page_id>", methods=["GET", "POST"])
def page(uuid: str, page_id: str):
    response, questionnaire = _draft(uuid)
    if response.status != ResponseStatus.DRAFT.value:
        return redirect(url_for("respond.done", uuid=uuid))
    pages = _visible(questionnaire, response.answers)
    ids = [p.id for p in pages]
    if page_id not in ids:
        return redirect(url_for("respond.page", uuid=uuid, page_id=ids[0]) if ids else
                        url_for("respond.review", uuid=uuid))
    current = pages[ids.index(page_id)]
    language = current_language()
    cleaned = check_answers(questionnaire, response.answers, mode=_MODE).answers
    page_form = build_page_form(questionnaire, current, language=language, answers=cleaned, mode=_MODE,
                                base=FlaskForm, seed=uuid)
    initial = {name: response.answers.get(name) for name in page_form.field_names}
    form = page_form.form_class(data=initial) if request.method == "GET" else page_form.form_class()
    errors: dict[str, str] = {}
    if request.method == "POST" and form.validate():
        raw = form_answers(form, page_form)
        save_draft(response, page_form.field_names, raw, language)
        response.paradata = {**response.paradata, "last_page": page_id}
        action = request.form.get("action", "next")
        check = check_answers(questionnaire, response.answers, mode=_MODE, page=page_id)
        errors = {k: v for k, v in check.messages(language).items() if k in page_form.field_names}
        db_session().commit()
        if action == "back":
            position = ids.index(page_id)
            target = ids[position - 1] if position > 0 else None
            return redirect(url_for("respond.page", uuid=uuid, page_id=target) if target else
                            url_for("respond.page", uuid=uuid, page_id=page_id))
        if action == "save":
            return _page("message", 200, title_key="saved_title", text_key="saved")
        if not errors:
            following = _visible(questionnaire, response.answers)
            following_ids = [p.id for p in following]
            position = following_ids.index(page_id) if page_id in following_ids else -1
            if position + 1 < len(following_ids):
                return redirect(url_for("respond.page", uuid=uuid, page_id=following_ids[position + 1]))
            return redirect(url_for("respond.review", uuid=uuid))
    return _page("page", 400 if errors else 200, q=questionnaire, current=current, form=form,
                 blocks=page_form.blocks, errors=errors, position=ids.index(page_id) + 1, total=len(ids),
                 response=response, first=ids[0] == page_id,
                 earlier_json=json.dumps({k: v for k, v in cleaned.items() if k not in page_form.field_names},
                                         ensure_ascii=False))


def _submit_limit() -> str:
    return current_app.config["PUBLIC_SUBMIT_LIMIT"]


def _exempt() -> bool:
    """Only completing a public-link answer counts against the per-IP limit."""
    if request.method != "POST":
        return True
    response = db_session().scalar(select(Response).where(Response.client_uuid == request.view_args["uuid"]))
    return response is None or _invitation_of(response) is not None


@blueprint.route("/r/<uuid>/review", methods=["GET", "POST"])
@limiter.limit(_submit_limit, exempt_when=_exempt, methods=["POST"])
def review(uuid: str):
    response, questionnaire = _draft(uuid)
    if response.status != ResponseStatus.DRAFT.value:
        return redirect(url_for("respond.done", uuid=uuid))
    language = current_language()
    form = _StartForm()
    check = check_answers(questionnaire, response.answers, mode=_MODE, language=language)
    if form.validate_on_submit():
        if _closed(response.campaign):
            return _page("message", 200, title_key="closed_title", text_key="closed_text")
        if check.ok:
            kept, personal = separate_personal(questionnaire, check.answers)
            complete_draft(db_session(), response, kept, _invitation_of(response), personal=personal)
            db_session().commit()
            result = make_response(redirect(url_for("respond.done", uuid=uuid)))
            if _invitation_of(response) is None:
                seen = {*request.cookies.get(ANSWERED_COOKIE, "").split("."), str(response.campaign_id)} - {""}
                result.set_cookie(ANSWERED_COOKIE, ".".join(sorted(seen)), max_age=365 * 86400, httponly=True,
                                  samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
            return result
    rows = review_rows(questionnaire, response.answers, language, mode=_MODE)
    problems = check.messages(language)
    first_problem = next((p.id for p in _visible(questionnaire, response.answers)
                          if any(aid in problems for q in p.questions for aid in (q.id, *q.answer_ids))), None)
    status = 400 if request.method == "POST" and problems else 200
    return _page("review", status, q=questionnaire, rows=rows, form=form, problems=problems, response=response,
                 first_problem=first_problem)


@blueprint.get("/r/<uuid>/done")
def done(uuid: str):
    response, questionnaire = _draft(uuid)
    if response.status == ResponseStatus.DRAFT.value:
        return redirect(url_for("respond.review", uuid=uuid))
    return _page("message", 200, title_key="thanks_title", text_key="thanks_text", q=questionnaire)
