"""One populated installation for the security tests: every kind of object, in two campaigns.

``build_world`` puts ``text`` into every free-text sink a person can fill (questionnaire texts,
campaign, site, user and device names, answers with 'other, specify' texts, unit file values,
case notes, review reasons, invitation contacts), so the XSS pack can look for it on every page;
the other tests use it with plain text for objects to aim at (IDOR, injection, the matrix).
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from survey_engine.instruments.answers import check_answers
from survey_engine.store import cases as case_store
from survey_engine.store.accounts import create_device, create_user
from survey_engine.store.catalog import add_site, create_campaign, instrument_of, store_version
from survey_engine.store.drafts import create_invitation
from survey_engine.store.models import Campaign, FieldUnit, RatingCase, Response, Role
from survey_engine.store.responses import Submission, fingerprint, submit_response
from tests.web.helpers import PASSWORD, REPO

__all__ = ["World", "build_world", "questionnaire_with", "answers_with", "sign_in"]

LANGUAGES = {"zh", "en"}


def questionnaire_with(text: str, *, replace: bool = False) -> dict[str, Any]:
    """The bundled window-rating questionnaire with ``text`` appended to (or, ``replace``, put in place of)
    every text a person reads."""
    document = json.loads((REPO / "questionnaires" / "window_rating.json").read_text(encoding="utf-8"))

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if node and set(node) <= LANGUAGES and all(isinstance(v, str) for v in node.values()):
                return {k: text if replace else f"{v} {text}" for k, v in node.items()}
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(copy.deepcopy(document))


def answers_with(text: str, overall: int = 1) -> dict[str, Any]:
    """A complete bad rating whose 'other, specify' texts and comment are ``text``."""
    return {"site": "other", "site/other": text[:200], "service_handled": "other",
            "service_handled/other": text[:200], "overall": overall, "efficiency": 1, "service_level": 1,
            "staff_attitude": 1, "bad_reasons": ["other"], "bad_reasons/other": text[:200],
            "bad_comment": text[:300], "followup_consent": "no"}


@dataclass
class World:
    """Ids and secrets of what ``build_world`` stored (campaign ``win`` is the target, ``other`` the neighbour)."""

    users: dict[str, int] = field(default_factory=dict)
    responses: dict[str, int] = field(default_factory=dict)
    uuids: dict[str, str] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)
    cases: dict[str, int] = field(default_factory=dict)
    invitation_token: str = ""
    rerate_token: str = ""
    device_token: str = ""
    version_hash: str = ""


def _submit(factory, campaign: Campaign, answers: dict[str, Any], *, interviewer: int | None, site_id: int | None,
            status: str = "complete", mode: str = "intercept") -> tuple[int, str]:
    key = str(uuid.uuid4())
    instrument = instrument_of(campaign.version)
    checked = check_answers(instrument, answers, mode=mode)
    assert checked.ok, checked.messages("en")
    _, stored = submit_response(factory, Submission(
        client_uuid=key, fingerprint=fingerprint({"k": key}), campaign_id=campaign.id, version_id=campaign.version_id,
        mode=mode, language="en", status=status, answers=checked.answers, interviewer_id=interviewer,
        site_id=site_id, paradata={"note": answers.get("bad_comment")}))
    return stored.id, key


def build_world(app, db, text: str = "plain text") -> World:
    """Two campaigns (``win`` with text everywhere, ``other``), every role, responses, units, a case at each step."""
    world = World()
    factory = app.extensions["survey_engine.db"].sessions
    version, _ = store_version(db, questionnaire_with(text))
    world.version_hash = version.content_hash
    names = {"admin": Role.ADMIN, "supervisor": Role.SUPERVISOR, "analyst": Role.ANALYST,
             "interviewer": Role.INTERVIEWER, "bob": Role.INTERVIEWER, f"x{text}"[:80]: Role.INTERVIEWER}
    people = {name: create_user(db, name, PASSWORD, role) for name, role in names.items()}
    world.users = {name: user.id for name, user in people.items()}
    win = create_campaign(db, slug="win", name=f"Window {text}"[:200], version=version,
                          modes=["online", "intercept", "household"])
    other = create_campaign(db, slug="other", name="Other office", version=version, modes=["online", "intercept"])
    w1 = add_site(db, win, code="w1", name=f"Site {text}"[:200])
    add_site(db, other, code="o1", name="Other site")
    _, world.device_token = create_device(db, f"tablet {text}"[:120], user=people["interviewer"])
    invitation, world.invitation_token = create_invitation(db, win, site=w1, contact={"name": text[:200]})
    db.commit()
    answers = answers_with(text)
    world.responses["ann"], world.uuids["ann"] = _submit(factory, win, answers, interviewer=world.users["interviewer"],
                                                         site_id=w1.id)
    world.responses["bob"], world.uuids["bob"] = _submit(factory, win, answers, interviewer=world.users["bob"],
                                                         site_id=w1.id)
    world.responses["other"], world.uuids["other"] = _submit(factory, other, answers, interviewer=world.users["bob"],
                                                             site_id=None)
    for campaign in (win, other):
        case_store.open_cases(factory, campaign, instrument_of(campaign.version))
    db.rollback()
    by_response = {c.response_id: c.id for c in db.scalars(select(RatingCase))}
    world.cases = {name: by_response[world.responses[name]] for name in ("ann", "bob", "other")}
    for name in ("bob", "other"):  # returned to their interviewer, with a reason
        row = db.get(Response, world.responses[name])
        row.status, row.review_reason = "rejected", f"reason {text}"[:500]
    for key, campaign, who in (("ann", win, "interviewer"), ("bob", win, "bob"), ("other", other, "bob")):
        unit = FieldUnit(campaign_id=campaign.id, unit_key=f"{key}-{text}"[:120], label=f"unit {text}"[:200],
                         stratum=text[:120], psu=text[:120], inclusion_probability=0.5, kish_table="A",
                         interviewer_id=world.users[who])
        db.add(unit)
        db.flush()
        world.units[key] = unit.id
    db.commit()
    admin = world.users["admin"]
    replied = world.cases["ann"]
    case_store.verify(factory, replied, 1, founded=True, note=f"note {text}", user_id=admin)
    case_store.rectify(factory, replied, 2, action=f"action {text}", user_id=admin)
    _, world.rerate_token = case_store.reply(factory, replied, 3, text=f"reply {text}", user_id=admin)
    db.rollback()
    return world


def sign_in(client, username: str) -> None:
    reply = client.post("/login", data={"username": username, "password": PASSWORD})
    assert reply.status_code == 302, reply.status_code
