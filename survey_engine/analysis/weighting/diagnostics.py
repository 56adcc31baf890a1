"""Weight diagnostics: summary, Kish effective sample size, margins against targets.

Kish (1965, §11.7; 1992): unequal weights inflate the variance of a mean by the design effect
due to weighting ``deff_w = n Σw² / (Σw)² = 1 + CV²`` (CV with the population standard
deviation of the weights), and the effective sample size is ``n / deff_w = (Σw)² / Σw²``.
Only units with positive weight count (a zero weight takes a unit out of the estimate).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from survey_engine.analysis.weighting.codes import WeightingErrorCode
from survey_engine.analysis.weighting.margins import flatten_targets, level_label
from survey_engine.errors import WeightingError

__all__ = ["WeightSummary", "weight_summary", "summary_table", "margin_table"]


@dataclass(frozen=True, slots=True)
class WeightSummary:
    """Distribution of the positive weights and Kish's indicators."""

    n: int
    n_positive: int
    total: float
    min: float
    max: float
    mean: float
    median: float
    cv: float
    kish_ess: float
    deff_weighting: float

    @property
    def max_min_ratio(self) -> float:
        """Largest over smallest positive weight."""
        return self.max / self.min if self.min > 0 else float("inf")

    def as_dict(self) -> dict[str, float]:
        """Plain mapping (for tables and JSON), with the max/min ratio."""
        return {**asdict(self), "max_min_ratio": self.max_min_ratio}


def weight_summary(weights: np.ndarray) -> WeightSummary:
    """Summary of ``weights``: min, max, mean, median, CV, Kish ESS and deff_w (module doc)."""
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or not np.all(np.isfinite(w)):
        raise WeightingError("weight_summary: weights must be a 1-D array of finite numbers",
                             WeightingErrorCode.BAD_WEIGHTS)
    positive = w[w > 0]
    if positive.size == 0:
        raise WeightingError("weight_summary: no positive weight", WeightingErrorCode.BAD_WEIGHTS)
    total = float(positive.sum())
    mean = total / positive.size
    cv = float(positive.std() / mean)
    ess = total ** 2 / float(np.sum(positive ** 2))
    return WeightSummary(int(w.size), int(positive.size), total, float(positive.min()),
                         float(positive.max()), mean, float(np.median(positive)), cv, ess,
                         positive.size / ess)


def summary_table(**weights: np.ndarray) -> pd.DataFrame:
    """Summaries side by side, one column per named weight vector (e.g. before=, after=)."""
    return pd.DataFrame({name: weight_summary(w).as_dict() for name, w in weights.items()})


def margin_table(data: pd.DataFrame, targets: Mapping, before: np.ndarray,
                 after: np.ndarray) -> pd.DataFrame:
    """Weighted totals before and after weighting against the targets.

    ``targets`` is a margins/totals mapping as given to ``rake``/``calibrate`` (categorical
    margins and numeric totals).  One row per (variable, level); ``after_rel_diff`` is
    ``(after − target) / target`` (NaN for a zero target).
    """
    rows = []
    b = np.asarray(before, dtype=float)
    a = np.asarray(after, dtype=float)
    for variable, total in targets.items():
        names = [variable] if isinstance(variable, str) else list(variable)
        label = ":".join(map(str, names))
        missing = [n for n in names if n not in data.columns]
        if missing:
            raise WeightingError(f"[{missing[0]}] variable '{missing[0]}' is not a column of the "
                                 "data", WeightingErrorCode.UNKNOWN_VARIABLE)
        if isinstance(total, Mapping):
            keys = _level_keys(data, names)
            flat = {k: float(v) for k, v in flatten_targets(total, len(names)).items()}
            levels = sorted(set(flat) | set(pd.unique(keys)), key=str)
            sum_before = pd.Series(b).groupby(keys.to_numpy()).sum()
            sum_after = pd.Series(a).groupby(keys.to_numpy()).sum()
            for level in levels:
                rows.append((label, level, flat.get(level, np.nan),
                             float(sum_before.get(level, 0.0)), float(sum_after.get(level, 0.0))))
        else:
            values = data[names[0]].to_numpy(dtype=float)
            rows.append((label, "(total)", float(total), float(np.nansum(values * b)),
                         float(np.nansum(values * a))))
    table = pd.DataFrame(rows, columns=["variable", "level", "target", "before", "after"])
    table["before_diff"] = table["before"] - table["target"]
    table["after_diff"] = table["after"] - table["target"]
    target = table["target"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["after_rel_diff"] = np.where(target != 0, table["after_diff"] / target, np.nan)
    return table


def _level_keys(data: pd.DataFrame, names: list[str]) -> pd.Series:
    """Level text per record (levels joined by ':' for cross-classifications)."""
    parts = []
    for name in names:
        codes, uniques = pd.factorize(data[name], use_na_sentinel=False)
        parts.append(pd.Series(np.asarray([level_label(u) for u in uniques], dtype=object)[codes]))
    keys = parts[0]
    for part in parts[1:]:
        keys = keys + ":" + part
    return keys
