"""Per-response data-quality flags from paradata and answers.

Each flag is a screen for supervisor review (回访, rejection), not an automatic exclusion:

* ``speeder`` — duration below ``speeder_fraction`` × the median duration of completed
  interviews of the same campaign (default 0.5, i.e. at least twice as fast as typical:
  Leiner 2019, *Survey Research Methods* 13(3), measures speed against the median and
  suggests a relative speed of about 2 as the cut-off), or, optionally, fewer than
  ``speeder_seconds_per_item`` seconds per answered item (an absolute rule that does not
  depend on the route length).
* ``straightlining`` — at least ``straightline_min_matrices`` matrices (default 2) each with
  at least ``straightline_min_rows`` substantive answers (default 5), all identical.  One
  uniform grid is often a genuine answer in satisfaction batteries whose items all point the
  same way (Kim, Dykema, Stevenson, Black & Moberg 2019, *Social Science Computer Review*
  37(2)); repeated uniform grids are the stronger signal.
* ``item_nonresponse`` — share of shown answerable items left empty above
  ``item_nonresponse_max`` (default 0.2).
* ``outside_slot`` / ``outside_site`` — started outside the planned intercept slot, or
  recorded at a site other than the planned one.
* ``paradata_invalid`` — the paradata break the contract (see :mod:`.paradata`); the reason
  is in ``paradata_reason`` and timing flags are not judged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd

from survey_engine.analysis.fieldwork.answered import summarize_items
from survey_engine.analysis.fieldwork.codes import FieldworkErrorCode
from survey_engine.analysis.fieldwork.paradata import parse_paradata
from survey_engine.errors import FieldworkError
from survey_engine.instruments.model import Questionnaire

__all__ = ["QualityFlag", "QualityRules", "response_quality", "page_times", "as_frame"]


class QualityFlag(str, Enum):
    """Names of the flag columns of :func:`response_quality`."""

    SPEEDER = "speeder"
    STRAIGHTLINING = "straightlining"
    ITEM_NONRESPONSE = "item_nonresponse"
    OUTSIDE_SLOT = "outside_slot"
    OUTSIDE_SITE = "outside_site"
    PARADATA_INVALID = "paradata_invalid"


@dataclass(frozen=True, slots=True)
class QualityRules:
    """Thresholds of the flags (module docstring and docs/fieldwork.md say why these defaults)."""

    speeder_fraction: float = 0.5
    speeder_seconds_per_item: float | None = None
    straightline_min_rows: int = 5
    straightline_min_matrices: int = 2
    item_nonresponse_max: float = 0.2

    def __post_init__(self) -> None:
        checks = {
            "speeder_fraction": 0.0 <= self.speeder_fraction < 1.0,
            "speeder_seconds_per_item": self.speeder_seconds_per_item is None or self.speeder_seconds_per_item > 0,
            "straightline_min_rows": isinstance(self.straightline_min_rows, int) and self.straightline_min_rows >= 2,
            "straightline_min_matrices": isinstance(self.straightline_min_matrices, int)
            and self.straightline_min_matrices >= 1,
            "item_nonresponse_max": 0.0 <= self.item_nonresponse_max < 1.0,
        }
        for name, ok in checks.items():
            if not ok:
                raise FieldworkError(f"QualityRules.{name} = {getattr(self, name)!r} is out of range; "
                                     "see docs/fieldwork.md for the allowed values.", FieldworkErrorCode.BAD_OPTION)


_REQUIRED = ("response_id", "answers", "paradata")
_OPTIONAL = ("interviewer", "site", "campaign", "disposition", "mode")


def as_frame(responses: pd.DataFrame | Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Responses as a DataFrame with the required columns present (records or a frame)."""
    frame = responses if isinstance(responses, pd.DataFrame) else pd.DataFrame(list(responses))
    missing = [name for name in _REQUIRED if name not in frame.columns]
    if missing:
        raise FieldworkError(f"responses lack {missing}; each needs response_id, answers and paradata "
                             f"(optional: {', '.join(_OPTIONAL)}).", FieldworkErrorCode.UNKNOWN_COLUMN)
    for position, answers in enumerate(frame["answers"]):
        if not isinstance(answers, Mapping):
            raise FieldworkError(f"[response {frame['response_id'].iloc[position]!r}, column 'answers'] "
                                 f"{type(answers).__name__} is not an answers dict.", FieldworkErrorCode.BAD_OPTION)
    return frame.reset_index(drop=True)


def _one(questionnaire: Questionnaire, row: Mapping[str, Any], mode: str, rules: QualityRules) -> dict[str, Any]:
    para = parse_paradata(row["paradata"])
    row_mode = row.get("mode")
    items = summarize_items(questionnaire, row["answers"], mode=row_mode if isinstance(row_mode, str) else mode,
                            straightline_min_rows=rules.straightline_min_rows)
    site = row.get("site")
    site = None if site is None or (isinstance(site, float) and np.isnan(site)) else site
    return {
        "started_at": para.started_at,
        "elapsed_seconds": para.elapsed_seconds if para.valid else np.nan,
        "active_seconds": para.active_seconds if para.valid else np.nan,
        "duration_seconds": para.duration_seconds if para.valid else np.nan,
        "pages_visited": len(para.pages),
        "page_seconds": dict(para.page_seconds()),
        "items_shown": items.shown,
        "items_answered": items.answered,
        "item_nonresponse_rate": items.nonresponse_rate,
        "matrices_checked": items.matrices_checked,
        "matrices_straightlined": items.straightlined,
        QualityFlag.OUTSIDE_SLOT.value: para.valid and para.started_outside_slot(),
        QualityFlag.OUTSIDE_SITE.value: para.planned_site is not None and site is not None
        and str(site) != para.planned_site,
        QualityFlag.PARADATA_INVALID.value: not para.valid,
        "paradata_reason": "; ".join(para.problems),
    }


def _speeders(frame: pd.DataFrame, rules: QualityRules) -> pd.Series:
    """Duration below a fraction of the campaign's median completed duration, or too few seconds per item."""
    duration = frame["duration_seconds"]
    judged = duration.notna()
    if "disposition" in frame.columns:
        judged &= frame["disposition"].astype(str).str.strip() == "1.1"
    campaign = frame["campaign"] if "campaign" in frame.columns else pd.Series("", index=frame.index)
    median = duration.where(judged).groupby(campaign.fillna("")).transform("median")
    fast = judged & (duration < rules.speeder_fraction * median)  # NaN comparisons are False
    if rules.speeder_seconds_per_item is not None:
        per_item = duration / frame["items_answered"].where(frame["items_answered"] > 0)
        fast |= judged & (per_item < rules.speeder_seconds_per_item)
    return fast.astype(bool)


def response_quality(questionnaire: Questionnaire, responses: pd.DataFrame | Iterable[Mapping[str, Any]], *,
                     rules: QualityRules = QualityRules(), mode: str = "online") -> pd.DataFrame:
    """One row per response: timings, item counts and the boolean flag columns of :class:`QualityFlag`.

    ``responses`` holds ``response_id``, ``answers`` (raw answer dict), ``paradata`` (the
    contract in :mod:`.paradata`) and optionally ``interviewer``, ``site`` (where the
    interview actually took place), ``campaign`` (speed medians are per campaign),
    ``disposition`` (only completes, 1.1, are judged for speed) and ``mode`` (routing;
    ``mode`` is the default).  ``flags`` lists the raised flags of each row.
    """
    frame = as_frame(responses)
    rows = [_one(questionnaire, row, mode, rules) for row in frame.to_dict("records")]
    keep = [c for c in ("response_id", *_OPTIONAL) if c in frame.columns and c != "mode"]
    out = pd.concat([frame[keep], pd.DataFrame(rows, index=frame.index)], axis=1)
    out[QualityFlag.SPEEDER.value] = _speeders(out, rules)
    out[QualityFlag.STRAIGHTLINING.value] = out["matrices_straightlined"].map(len) >= rules.straightline_min_matrices
    out[QualityFlag.ITEM_NONRESPONSE.value] = out["item_nonresponse_rate"] > rules.item_nonresponse_max
    names = [flag.value for flag in QualityFlag]
    out["flags"] = [tuple(n for n in names if row[n]) for row in out[names].to_dict("records")]
    return out


def page_times(responses: pd.DataFrame | Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Tidy page visits: response_id, visit (0-based order), page, seconds — valid paradata only."""
    frame = as_frame(responses)
    records = []
    for response_id, raw in zip(frame["response_id"], frame["paradata"], strict=True):
        para = parse_paradata(raw)
        if para.valid:
            records.extend((response_id, visit, p.page, p.seconds) for visit, p in enumerate(para.pages))
    return pd.DataFrame(records, columns=["response_id", "visit", "page", "seconds"])
