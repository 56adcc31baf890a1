"""The paradata contract of one response, parsed without ever raising on bad input.

What a device sends with each response (the web/PWA client sends exactly this)::

    {"started_at": "2026-11-23T09:15:02+08:00",      # ISO 8601 with a UTC offset
     "finished_at": "2026-11-23T09:27:40+08:00",
     "pages": [{"page": "screening", "seconds": 21.5}, ...],   # visit order; pages may repeat
     "planned_site": "XC01",                           # optional: the assignment's site
     "slot": {"start": "2026-11-23T09:00:00+08:00",   # optional: the intercept plan's slot
              "end": "2026-11-23T11:00:00+08:00"}}

Paradata come from devices whose clocks and software we do not control, so a malformed
field is a finding about the interview (``problems``), never an exception.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["PageTime", "Paradata", "parse_paradata"]


@dataclass(frozen=True, slots=True)
class PageTime:
    page: str
    seconds: float


@dataclass(frozen=True, slots=True)
class Paradata:
    """Parsed paradata; ``problems`` lists what was unusable (empty when valid)."""

    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    pages: tuple[PageTime, ...]
    planned_site: str | None
    slot_start: dt.datetime | None
    slot_end: dt.datetime | None
    problems: tuple[str, ...]

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def elapsed_seconds(self) -> float:
        """Wall-clock time from start to finish (includes pauses); NaN when unknown."""
        if self.started_at is None or self.finished_at is None:
            return math.nan
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def active_seconds(self) -> float:
        """Time spent on pages (sum of page visits); NaN when no page times were sent."""
        return math.fsum(p.seconds for p in self.pages) if self.pages else math.nan

    @property
    def duration_seconds(self) -> float:
        """Active time when pages were timed, else elapsed time: a call-back pause is not interview time."""
        return self.active_seconds if self.pages else self.elapsed_seconds

    def page_seconds(self) -> Mapping[str, float]:
        """Seconds per page, repeated visits summed, in order of first visit."""
        totals: dict[str, float] = {}
        for visit in self.pages:
            totals[visit.page] = totals.get(visit.page, 0.0) + visit.seconds
        return MappingProxyType(totals)

    def started_outside_slot(self) -> bool:
        """True when a slot was planned and the interview started before it or at/after its end."""
        if self.slot_start is None or self.slot_end is None or self.started_at is None:
            return False
        return not self.slot_start <= self.started_at < self.slot_end


def _timestamp(raw: Mapping[str, object], key: str, problems: list[str],
               label: str | None = None) -> dt.datetime | None:
    label = label or key
    value = raw.get(key)
    if value is None:
        problems.append(f"{label} is missing")
        return None
    if not isinstance(value, str):
        problems.append(f"{label} is not an ISO 8601 text: {value!r}")
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        problems.append(f"{label} is not an ISO 8601 timestamp: {value!r}")
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        problems.append(f"{label} has no UTC offset: {value!r}")
        return None
    return parsed


def _pages(raw: object, problems: list[str]) -> tuple[PageTime, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, (list, tuple)):
        problems.append(f"pages is not a list: {type(raw).__name__}")
        return ()
    visits = []
    for position, entry in enumerate(raw):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("page"), str) or not entry.get("page"):
            problems.append(f"pages[{position}] has no page id")
            continue
        seconds = entry.get("seconds")
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not math.isfinite(seconds):
            problems.append(f"pages[{position}] ({entry['page']!r}): seconds {seconds!r} is not a number")
        elif seconds < 0:
            problems.append(f"pages[{position}] ({entry['page']!r}): seconds {seconds!r} is negative")
        else:
            visits.append(PageTime(entry["page"], float(seconds)))
    return tuple(visits)


def parse_paradata(raw: object) -> Paradata:
    """Parse one response's paradata; every unusable field becomes a problem, nothing raises."""
    if not isinstance(raw, Mapping):
        return Paradata(None, None, (), None, None, None, (f"paradata is not an object: {type(raw).__name__}",))
    problems: list[str] = []
    started = _timestamp(raw, "started_at", problems)
    finished = _timestamp(raw, "finished_at", problems)
    if started is not None and finished is not None and finished < started:
        problems.append(f"finished_at {finished.isoformat()} is before started_at {started.isoformat()}")
    pages = _pages(raw.get("pages"), problems)
    planned = raw.get("planned_site")
    if planned is not None and not isinstance(planned, str):
        problems.append(f"planned_site is not a site code: {planned!r}")
        planned = None
    slot_start = slot_end = None
    slot = raw.get("slot")
    if slot is not None:
        if not isinstance(slot, Mapping):
            problems.append(f"slot is not an object: {slot!r}")
        else:
            slot_start = _timestamp(slot, "start", problems, "slot.start")
            slot_end = _timestamp(slot, "end", problems, "slot.end")
            if slot_start is not None and slot_end is not None and slot_end <= slot_start:
                problems.append("slot.end is not after slot.start")
                slot_start = slot_end = None
    return Paradata(started, finished, pages, planned, slot_start, slot_end, tuple(problems))
