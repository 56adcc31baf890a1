"""Short-lived, per-process views of what every API submission looks up: the device behind a
token and the campaign behind a slug.  Both change rarely; caching them for a few seconds
(``API_CACHE_SECONDS``, 0 to turn off) saves three queries per submission.  A closed campaign
or a disabled device is therefore refused at most that many seconds later in other workers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Generic, TypeVar

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from survey_engine.instruments.model import Questionnaire
from survey_engine.store.accounts import token_hash
from survey_engine.store.catalog import instrument_of
from survey_engine.store.models import Campaign, Device
from survey_engine.web.database import db_session

__all__ = ["CampaignView", "DeviceView", "campaign_view", "device_view"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DeviceView:
    id: int
    user_id: int | None


@dataclass(frozen=True, slots=True)
class CampaignView:
    id: int
    slug: str
    status: str
    modes: tuple[str, ...]
    version_id: int
    version_hash: str
    instrument: Questionnaire
    sites: Mapping[str, int]  # site code → id


class _TTLCache(Generic[T]):
    """Positive results only: an unknown token or slug is looked up again every time."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, T]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, seconds: float, load: Callable[[], T | None]) -> T | None:
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = load()
        if value is not None and seconds > 0:
            with self._lock:
                if len(self._items) > 10_000:
                    self._items.clear()
                self._items[key] = (now + seconds, value)
        return value


def _caches() -> tuple[_TTLCache[DeviceView], _TTLCache[CampaignView]]:
    return current_app.extensions.setdefault("survey_engine.api_cache", (_TTLCache(), _TTLCache()))


def _load_device(token: str) -> DeviceView | None:
    device = db_session().scalar(select(Device).where(Device.token_hash == token_hash(token)))
    return DeviceView(device.id, device.user_id) if device is not None and device.active else None


def _load_campaign(slug: str) -> CampaignView | None:
    campaign = db_session().scalar(select(Campaign).where(Campaign.slug == slug).options(
        selectinload(Campaign.sites), joinedload(Campaign.version)))
    if campaign is None:
        return None
    return CampaignView(campaign.id, campaign.slug, campaign.status, tuple(campaign.modes), campaign.version_id,
                        campaign.version.content_hash, instrument_of(campaign.version),
                        MappingProxyType({site.code: site.id for site in campaign.sites}))


def device_view(token: str) -> DeviceView | None:
    seconds = current_app.config["API_CACHE_SECONDS"]
    return _caches()[0].get(token_hash(token), seconds, lambda: _load_device(token))


def campaign_view(slug: str) -> CampaignView | None:
    seconds = current_app.config["API_CACHE_SECONDS"]
    return _caches()[1].get(slug, seconds, lambda: _load_campaign(slug))
