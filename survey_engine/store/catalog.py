"""Questionnaire versions, campaigns and sites: storing and finding them."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_engine.instruments import Questionnaire as Instrument
from survey_engine.instruments import from_dict
from survey_engine.instruments.versioning import canonical_json
from survey_engine.store.audit import record
from survey_engine.store.models import Campaign, Questionnaire, QuestionnaireVersion, Site

__all__ = ["store_version", "instrument_of", "create_campaign", "add_site", "open_campaign"]


def store_version(session: Session, document: Mapping[str, Any], *, user_id: int | None = None,
                  ) -> tuple[QuestionnaireVersion, bool]:
    """Validate and store one questionnaire content; returns ``(version, created)``.

    The same content stored twice is one version (unique questionnaire + content hash).
    """
    instrument = from_dict(document)  # raises QuestionnaireError with every problem and path
    questionnaire = session.scalar(select(Questionnaire).where(Questionnaire.key == instrument.id))
    if questionnaire is None:
        questionnaire = Questionnaire(key=instrument.id)
        session.add(questionnaire)
        session.flush()
    existing = session.scalar(select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == questionnaire.id,
        QuestionnaireVersion.content_hash == instrument.content_hash))
    if existing is not None:
        return existing, False
    version = QuestionnaireVersion(questionnaire=questionnaire, label=instrument.version,
                                   title=dict(instrument.title.values), content_hash=instrument.content_hash,
                                   document=canonical_json(document), created_by=user_id)
    session.add(version)
    session.flush()
    record(session, "create", "questionnaire_version", version.id, user_id=user_id,
           details={"questionnaire": instrument.id, "hash": instrument.content_hash})
    return version, True


_BUILT: OrderedDict[str, Instrument] = OrderedDict()
_BUILT_LOCK = threading.Lock()
_BUILT_MAX = 64
_BUILDING = threading.Lock()


def _cached(content_hash: str) -> Instrument | None:
    with _BUILT_LOCK:
        found = _BUILT.get(content_hash)
        if found is not None:
            _BUILT.move_to_end(content_hash)
        return found


def instrument_of(version: QuestionnaireVersion) -> Instrument:
    """The built (immutable) instrument of a stored version, cached by content hash.

    A version never changes, so its hash is a safe key; the (deferred, large) document is read
    from the database only on a cache miss.
    """
    found = _cached(version.content_hash)
    if found is not None:
        return found
    with _BUILDING:  # threads missing at once (a worker's first requests) build it once, not each
        found = _cached(version.content_hash)
        if found is not None:
            return found
        built = from_dict(json.loads(version.document))
        with _BUILT_LOCK:
            _BUILT[version.content_hash] = built
            while len(_BUILT) > _BUILT_MAX:
                _BUILT.popitem(last=False)
    return built


def create_campaign(session: Session, *, slug: str, name: str, version: QuestionnaireVersion,
                    modes: list[str], user_id: int | None = None, **fields: Any) -> Campaign:
    campaign = Campaign(slug=slug, name=name, version=version, modes=list(modes), **fields)
    session.add(campaign)
    session.flush()
    record(session, "create", "campaign", campaign.id, user_id=user_id, details={"slug": slug})
    return campaign


def add_site(session: Session, campaign: Campaign, *, code: str, name: str, user_id: int | None = None) -> Site:
    site = Site(campaign=campaign, code=code, name=name)
    session.add(site)
    session.flush()
    record(session, "create", "site", site.id, user_id=user_id, details={"campaign": campaign.slug, "code": code})
    return site


def open_campaign(session: Session, slug: str) -> Campaign | None:
    """The campaign with this slug (open or closed), or None."""
    return session.scalar(select(Campaign).where(Campaign.slug == slug))
