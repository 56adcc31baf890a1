"""What ``survey-engine serve`` prepares: schema, bundled questionnaires, a first admin, and
with ``--demo`` a demo campaign with sites and sample responses (seeded, so rerunning adds none)."""

from __future__ import annotations

import json
import random
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_engine.errors import SurveyEngineError
from survey_engine.instruments.answers import check_answers
from survey_engine.store import upgrade
from survey_engine.store.accounts import create_user
from survey_engine.store.catalog import add_site, create_campaign, instrument_of, store_version
from survey_engine.store.models import Campaign, QuestionnaireVersion, Role, User
from survey_engine.store.responses import Submission, fingerprint, submit_response

__all__ = ["Prepared", "prepare", "bundled_questionnaires"]

_DEMO_NAMESPACE = uuid.UUID("6f1d3c52-5c7e-4bb5-9a53-2f0d8f1b9e11")
_SITES = (("w1", "一号窗口 Window 1"), ("w2", "二号窗口 Window 2"), ("hall", "市民中心 Citizen hall"))


@dataclass(frozen=True, slots=True)
class Prepared:
    admin_password: str | None  # set only when a first admin was created just now
    questionnaires: int
    demo_responses: int


def bundled_questionnaires() -> list[Path]:
    """``questionnaires/*.json`` of the source tree (an editable install or a clone)."""
    folder = Path(__file__).resolve().parents[2] / "questionnaires"
    return sorted(folder.glob("*.json"))


def _load_bundled(session: Session) -> dict[str, QuestionnaireVersion]:
    versions = {}
    for path in bundled_questionnaires():
        version, _ = store_version(session, json.loads(path.read_text(encoding="utf-8-sig")))
        versions[version.questionnaire.key] = version
    return versions


def _first_admin(session: Session) -> str | None:
    if session.scalar(select(func.count()).select_from(User)):
        return None
    password = secrets.token_urlsafe(12)
    create_user(session, "admin", password, Role.ADMIN)
    return password


def _demo_answers(rng: random.Random) -> dict[str, object]:
    overall = rng.choices([1, 2, 3, 4, 5], weights=[3, 5, 15, 40, 37])[0]
    answers: dict[str, object] = {
        "service_handled": rng.choice(["patent_application", "patent_fee", "trademark_application", "consultation"]),
        "overall": overall, "efficiency": max(1, min(5, overall + rng.choice([-1, 0, 0, 1]))),
        "service_level": max(1, min(5, overall + rng.choice([-1, 0, 1]))),
        "staff_attitude": max(1, min(5, overall + rng.choice([0, 0, 1]))),
    }
    if overall <= 2:
        answers["bad_reasons"] = rng.sample(["long_wait", "slow", "repeat_visits", "attitude"], 2)
        answers["followup_consent"] = "no"
    return answers


def _demo(app: Flask, session: Session, versions: dict[str, QuestionnaireVersion], count: int) -> int:
    campaign = session.scalar(select(Campaign).where(Campaign.slug == "demo"))
    if campaign is None:
        campaign = create_campaign(session, slug="demo", name="演示：窗口好差评 Demo: window rating",
                                   version=versions["window_rating"], modes=["online", "intercept"])
        for code, name in _SITES:
            add_site(session, campaign, code=code, name=name)
    session.commit()
    questionnaire = instrument_of(campaign.version)
    rng = random.Random(20261123)
    stored = 0
    for index in range(count):
        site = campaign.sites[index % len(campaign.sites)]
        mode = "intercept" if index % 3 else "online"
        answers = _demo_answers(rng)
        if mode == "intercept":  # interviewers record where they stood
            answers["site"] = rng.choice(["centre_main", "citizen_hall", "trademark_window"])
        check = check_answers(questionnaire, answers, mode=mode)
        if not check.ok:
            raise RuntimeError(f"demo answers rejected: {check.problems[0]}")
        key = str(uuid.uuid5(_DEMO_NAMESPACE, str(index)))
        submit_response(app.extensions["survey_engine.db"].sessions, Submission(
            client_uuid=key, fingerprint=fingerprint({"demo": index}), campaign_id=campaign.id,
            version_id=campaign.version_id, mode=mode, language="zh", status="complete", answers=check.answers,
            paradata={"demo": True}, site_id=site.id))
        stored += 1
    return stored


def prepare(app: Flask, *, demo: bool = False, demo_responses: int = 60) -> Prepared:
    """Migrate, load the bundled questionnaires, make a first admin; optionally the demo data."""
    database = app.extensions["survey_engine.db"]
    upgrade(database.engine)
    with database.sessions() as session:
        versions = _load_bundled(session)
        if demo and "window_rating" not in versions:  # checked before anything is stored
            raise SurveyEngineError("--demo needs the bundled questionnaires/window_rating.json; run it from a "
                                    "clone of the repository (pip install -e .)")
        password = _first_admin(session)
        session.commit()
        made = _demo(app, session, versions, demo_responses) if demo else 0
    return Prepared(password, len(versions), made)
