"""好差评 statistics: shares of each level, satisfaction rate and bad-rating rate with CIs.

On the five-level scale (GB/T 39734-2020; 国办发〔2019〕51号) levels 3–5 are satisfied and
levels 1–2 a bad rating (差评): 满意率 = share rating 3–5, 差评率 = share rating 1–2, both rates
(率, %) and never indices. Ratings filled in by default when the rater gave none are not
active ratings and are excluded. Intervals for the rates use ``ciprop`` (logit by default;
Korn & Graubard 1998 "beta" for small domains).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from survey_engine.errors import EstimationError

__all__ = ["RatingSummary", "rating_summary", "SATISFIED_LEVELS", "BAD_LEVELS"]

SATISFIED_LEVELS = (3, 4, 5)
BAD_LEVELS = (1, 2)


@dataclass(frozen=True, slots=True)
class RatingSummary:
    """Counts per level and the two rates (in %) with confidence intervals, per domain."""

    counts: pd.DataFrame
    rates: pd.DataFrame
    level: float

    def __str__(self) -> str:
        return f"{self.counts.to_string()}\n\n{self.rates.round(2).to_string()}"


def _active_ratings(data: pd.DataFrame, item: str, default_flag: str | None) -> np.ndarray:
    if item not in data.columns:
        raise EstimationError(f"column {item!r} not in the data; name the rating column")
    rating = pd.to_numeric(data[item], errors="coerce").to_numpy(dtype=float)
    rating[~np.isin(rating, (1, 2, 3, 4, 5))] = np.nan
    if default_flag is not None:
        if default_flag not in data.columns:
            raise EstimationError(f"column {default_flag!r} (default-rating flag) not in the data")
        rating[data[default_flag].fillna(False).astype(bool).to_numpy()] = np.nan
    return rating


def _rate(design: Any, column: str, level: float, method: str) -> list[float]:
    est = design.ciprop(column, 1.0, method=method)
    low, high = est.ci(level)
    return [float(est.estimate) * 100, float(low) * 100, float(high) * 100, int(np.asarray(est.n).ravel()[0])]


def _rate_rows(design: Any, column: str, by: Sequence[str], level: float, method: str) -> pd.DataFrame:
    """One row per domain; each domain is a subset of the full design (variance keeps the design)."""
    columns = ["estimate", "ci_low", "ci_high", "n"]
    if not by:
        return pd.DataFrame([_rate(design, column, level, method)], columns=columns,
                            index=pd.Index(["all"], name="domain"))
    keys = design.data[list(by)]
    domains = keys.drop_duplicates().sort_values(list(by))
    rows, labels = [], []
    for values in domains.itertuples(index=False):
        mask = (keys == pd.Series(values, index=list(by))).all(axis=1).to_numpy()
        rows.append(_rate(design.subset(mask), column, level, method))
        labels.append(values if len(by) > 1 else values[0])
    index = pd.MultiIndex.from_tuples(labels, names=list(by)) if len(by) > 1 else pd.Index(labels, name=by[0])
    return pd.DataFrame(rows, columns=columns, index=index)


def rating_summary(design: Any, item: str, by: str | Sequence[str] | None = None, *,
                   default_flag: str | None = None, level: float = 0.95, method: str = "logit") -> RatingSummary:
    """Counts per level (unweighted) and 满意率/差评率 (weighted, %) with CIs, overall or by domain."""
    by_list = [by] if isinstance(by, str) else list(by or [])
    rating = _active_ratings(design.data, item, default_flag)
    active = ~np.isnan(rating)
    satisfied = np.where(active, np.isin(rating, SATISFIED_LEVELS).astype(float), np.nan)
    bad = np.where(active, np.isin(rating, BAD_LEVELS).astype(float), np.nan)
    rated = design.assign(_satisfied=satisfied, _bad=bad)
    valid = pd.DataFrame({"rating": rating, **{b: design.data[b].to_numpy() for b in by_list}}).dropna(
        subset=["rating"])
    levels = valid["rating"].astype(int)
    if by_list:
        counts = pd.crosstab([valid[b] for b in by_list], levels)
    else:
        counts = levels.value_counts().to_frame().T.set_axis(pd.Index(["all"], name="domain"))
    counts = counts.reindex(columns=[1, 2, 3, 4, 5], fill_value=0).rename_axis(columns="rating")
    sat = _rate_rows(rated, "_satisfied", by_list, level, method)
    bad_rows = _rate_rows(rated, "_bad", by_list, level, method)
    rates = pd.concat({"satisfaction_rate": sat, "bad_rating_rate": bad_rows}, axis=1)
    return RatingSummary(counts, rates, level)
