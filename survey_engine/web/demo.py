"""What ``survey-engine serve`` prepares: schema, bundled questionnaires, a first admin, and
with ``--demo`` demo campaigns with sites and sample responses (seeded, so rerunning adds none):
a window-rating campaign (``demo``) and two waves of the IP service satisfaction evaluation
(``demo-satisfaction-2025`` and ``demo-satisfaction-2026``) that the yearly report can use.

The satisfaction waves are stratified by service site; their campaign-level design facts are
kept in ``Campaign.targets["design"]`` (keys documented in docs/reports.md): ``stratum``
(which response field is the stratum: ``"site"``), ``strata`` (per site code: ``frame_size``,
``allocated``, ``issued``), ``frame`` and ``description`` (bilingual text), ``previous_campaign``
(slug of the wave to compare with), ``rating_item`` and ``domains``."""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_engine.errors import SurveyEngineError
from survey_engine.instruments.answers import check_answers
from survey_engine.store import upgrade
from survey_engine.store.accounts import create_user
from survey_engine.store.catalog import add_site, create_campaign, instrument_of, store_version
from survey_engine.store.models import Campaign, InterceptSlot, QuestionnaireVersion, Role, User
from survey_engine.store.responses import Submission, fingerprint, submit_response

__all__ = ["Prepared", "prepare", "bundled_questionnaires", "SATISFACTION_WAVES"]

_DEMO_NAMESPACE = uuid.UUID("6f1d3c52-5c7e-4bb5-9a53-2f0d8f1b9e11")
CHINA = ZoneInfo("Asia/Shanghai")
_SITES = (("w1", "一号窗口 Window 1"), ("w2", "二号窗口 Window 2"), ("hall", "市民中心 Citizen hall"))


@dataclass(frozen=True, slots=True)
class Prepared:
    admin_password: str | None  # set only when a first admin was created just now
    questionnaires: int
    demo_responses: int
    satisfaction_responses: int = 0
    interviewer_password: str | None = None  # set only when the demo interviewer was created just now


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


_SATISFACTION_SITES = (
    ("centre_main", "市知识产权公共服务中心 IP public service centre", 12000),
    ("citizen_hall", "市民中心知识产权窗口 Citizen-hall IP window", 8000),
    ("protection_centre", "知识产权保护中心 IP protection centre", 3000),
    ("district_branch", "区知识产权服务分中心 District branch", 5000),
)


@dataclass(frozen=True, slots=True)
class SatisfactionWave:
    slug: str
    name: str
    allocation: tuple[int, ...]   # per site, in _SATISFACTION_SITES order; also the number of responses made
    issued: tuple[int, ...]
    shift: float                  # wave-level shift of the latent satisfaction (points on the 5-level scale)
    previous: str | None


#: The two demo waves of the satisfaction evaluation; 2026 is compared with 2025 in the yearly report.
SATISFACTION_WAVES = (
    SatisfactionWave("demo-satisfaction-2025", "演示：2025年知识产权公共服务满意度测评 Demo: IP service satisfaction 2025",
                     (40, 30, 25, 25), (52, 41, 33, 31), 0.3, None),
    SatisfactionWave("demo-satisfaction-2026", "演示：2026年知识产权公共服务满意度测评 Demo: IP service satisfaction 2026",
                     (70, 50, 40, 40), (88, 66, 50, 49), 0.0, "demo-satisfaction-2025"),
)
_SITE_SHIFT = {"centre_main": 0.2, "citizen_hall": 0.1, "protection_centre": -0.6, "district_branch": -0.1}
_DIMENSION_SHIFT = {"acc": 0.1, "conv": 0.0, "info": -0.2, "staff": 0.25, "rights": -0.45, "policy": -0.1,
                    "result": -0.15}
_SERVICES = ("patent_acceptance", "trademark_registration", "fast_examination", "info_search", "rights_assistance",
             "dispute_mediation", "pledge_financing", "policy_consultation", "training", "patent_navigation")
_DISTRICTS = ("440103", "440104", "440105", "440106", "440111", "440112", "440113", "440115")


def _design_targets(wave: SatisfactionWave) -> dict[str, object]:
    strata = {code: {"frame_size": size, "allocated": allocated, "issued": issued}
              for (code, _, size), allocated, issued in zip(_SATISFACTION_SITES, wave.allocation, wave.issued)}
    return {"design": {
        "stratum": "site", "strata": strata,
        "frame": {"zh": "各服务点全年办事人次（叫号系统记录）", "en": "Visits per service site in the year (queue-system records)"},
        "description": {"zh": "按服务点分层，层内按来访顺序每隔k人拦截访问；层内权重 = 全年人次 / 完成样本量",
                        "en": "Stratified by service site; every k-th visitor intercepted within a site; "
                                "weight = visits in the year / completed interviews of the site"},
        "previous_campaign": wave.previous, "rating_item": "overall_sat", "domains": ["respondent_type"],
    }}


def _level(rng: random.Random, latent: float, spread: float = 0.7) -> int:
    return max(1, min(5, round(latent + rng.gauss(0.0, spread))))


def _satisfaction_answers(rng: random.Random, site: str, mode: str, shift: float) -> dict[str, object]:
    latent = 4.15 + shift + _SITE_SHIFT[site] + rng.gauss(0.0, 0.55)
    kind = rng.choices(["enterprise", "university", "research_institute", "agency", "individual", "public"],
                       weights=[45, 10, 8, 17, 12, 8])[0]
    used = rng.sample(_SERVICES, rng.choice([1, 1, 2, 2, 3]))
    answers: dict[str, object] = {
        "used_12m": "yes", "respondent_type": kind, "region_province": "440000", "region_city": "440100",
        "region_district": rng.choice(_DISTRICTS), "services_used": used,
        "visit_count": len(used) + rng.randrange(0, 8), "expectation": _level(rng, 3.8),
        "overall_sat": _level(rng, latent, 0.8), "recommend": max(0, min(10, round(2 * latent + rng.gauss(0, 1)))),
        "followup_consent": "no",
    }
    if mode == "intercept":
        answers.update(site=site, today_service=rng.choice(_SERVICES), wait_minutes=rng.randrange(0, 45))
    else:
        answers["invite_channel"] = "window_qr"
    if kind == "enterprise":
        answers.update(ent_ownership=rng.choice(["private", "private", "state_owned", "foreign"]),
                       ent_size=rng.choice(["large", "medium", "small", "small", "micro"]))
    for service in used:
        answers[f"sat_{service}"] = _level(rng, latent)
    if len(used) >= 2:
        answers["most_helpful"] = rng.choice(used)
    rights_used = bool({"rights_assistance", "dispute_mediation"} & set(used))
    for question in ("m_accessibility", "m_convenience", "m_information", "m_staff", "m_rights", "m_policy",
                     "m_results"):
        if question == "m_rights" and not rights_used:
            continue
        for item in _MATRIX_ITEMS[question]:
            dimension = item.split("_", 1)[0]
            answers[item] = "NA" if rng.random() < 0.06 else _level(rng, latent + _DIMENSION_SHIFT.get(dimension, 0.0))
    answers["conv_repeat_visits"] = _level(rng, 6.0 - latent)  # agreeing = a bad sign (reverse-keyed)
    for item in ("imp_accessibility", "imp_convenience", "imp_information", "imp_staff", "imp_rights",
                 "imp_policy", "imp_results"):
        answers[item] = _level(rng, {"imp_staff": 4.5, "imp_convenience": 4.4, "imp_results": 4.3}.get(item, 3.9))
    if answers["overall_sat"] <= 2:
        answers["dissatisfied_reason"] = rng.choice(["排队时间太长", "材料反复提交", "维权周期太长 The case took too long"])
    return answers


_MATRIX_ITEMS = {
    "m_accessibility": ("acc_location", "acc_hours", "acc_signage", "acc_channels", "acc_facilities"),
    "m_convenience": ("conv_one_window", "conv_online", "conv_materials", "conv_time_limit", "conv_guide"),
    "m_information": ("info_database", "info_analysis", "info_timeliness", "info_policy", "info_fit"),
    "m_staff": ("staff_attitude", "staff_competence", "staff_efficiency", "staff_one_notice", "staff_integrity",
                "staff_waiting"),
    "m_rights": ("rights_response", "rights_guidance", "rights_mediation", "rights_cost", "rights_outcome"),
    "m_policy": ("policy_clarity", "policy_response", "policy_application", "training_content", "training_format"),
    "m_results": ("result_solved", "result_capability", "result_value", "result_environment", "result_expectations"),
}


def _satisfaction_wave(app: Flask, session: Session, version: QuestionnaireVersion, wave: SatisfactionWave,
                       seed: int) -> int:
    session.commit()  # end the session's read snapshot: responses were written on other connections since
    campaign = session.scalar(select(Campaign).where(Campaign.slug == wave.slug))
    if campaign is None:
        campaign = create_campaign(session, slug=wave.slug, name=wave.name, version=version,
                                   modes=["intercept", "online"], targets=_design_targets(wave))
        for code, name, _ in _SATISFACTION_SITES:
            add_site(session, campaign, code=code, name=name)
    session.commit()
    questionnaire = instrument_of(campaign.version)
    sites = {site.code: site for site in campaign.sites}
    rng = random.Random(seed)
    stored = 0
    for (code, _, _), count in zip(_SATISFACTION_SITES, wave.allocation):
        for index in range(count):
            mode = "online" if index % 5 == 4 else "intercept"
            check = check_answers(questionnaire, _satisfaction_answers(rng, code, mode, wave.shift), mode=mode)
            if not check.ok:
                raise RuntimeError(f"demo answers rejected: {check.problems[0]}")
            key = str(uuid.uuid5(_DEMO_NAMESPACE, f"{wave.slug}/{code}/{index}"))
            outcome, _ = submit_response(app.extensions["survey_engine.db"].sessions, Submission(
                client_uuid=key, fingerprint=fingerprint({"demo": key}), campaign_id=campaign.id,
                version_id=campaign.version_id, mode=mode, language="zh", status="complete", answers=check.answers,
                paradata={"demo": True}, site_id=sites[code].id))
            stored += outcome.value == "created"
    return stored


def _fieldwork_demo(session: Session) -> str | None:
    """An interviewer account and a week of two-hour intercept slots at the demo windows, so the
    interviewer app (/field/) has something to show; made once."""
    session.commit()  # end the read snapshot taken before the demo responses were written (SQLite)
    if session.scalar(select(User).where(User.username == "interviewer")) is not None:
        return None
    password = secrets.token_urlsafe(12)
    create_user(session, "interviewer", password, Role.INTERVIEWER)
    campaign = session.scalar(select(Campaign).where(Campaign.slug == "demo"))
    today = dt.datetime.now(CHINA).date()
    for site in campaign.sites:
        for day in range(7):
            for hour in (9, 11, 13, 15):
                session.add(InterceptSlot(campaign_id=campaign.id, site_id=site.id, day=today + dt.timedelta(days=day),
                                          start=f"{hour:02d}:00", end=f"{hour + 2:02d}:00", expected_visitors=40,
                                          interviews=5, interval=8, random_start=1 + (hour + day) % 8))
    session.commit()
    return password


def _satisfaction_demo(app: Flask, session: Session, versions: dict[str, QuestionnaireVersion]) -> int:
    version = versions.get("ip_service_satisfaction")
    if version is None:
        return 0
    return sum(_satisfaction_wave(app, session, version, wave, 2025 + i) for i, wave in enumerate(SATISFACTION_WAVES))


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
        satisfaction = _satisfaction_demo(app, session, versions) if demo else 0
        interviewer = _fieldwork_demo(session) if demo else None
    return Prepared(password, len(versions), made, satisfaction, interviewer)
