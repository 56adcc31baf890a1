"""Importance–performance analysis (Martilla & James 1977, J. Marketing 41(1)).

Performance is a dimension (or item) index; importance is either stated (the mean 0–100 score
of the paired importance item) or derived from how strongly each dimension goes with overall
satisfaction (weighted correlation, or the regression weights of ``driver_weights``). Cuts are
the means of the plotted values (the data-centred grid). A placement is "certain" only when
neither confidence interval crosses its cut, so weak spots (短板) are never claimed on noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from survey_engine.analysis.driver_weights import regression_coefficients
from survey_engine.analysis.indices import scored_design
from survey_engine.analysis.scores import ScoreSpec, dimension_column, item_column, item_scores
from survey_engine.errors import EstimationError

__all__ = ["Quadrant", "ImportanceMethod", "IPAResult", "importance_performance"]


class Quadrant(str, Enum):
    KEEP_UP = "keep up the good work"
    CONCENTRATE = "concentrate here"
    LOW_PRIORITY = "low priority"
    OVERKILL = "possible overkill"


class ImportanceMethod(str, Enum):
    STATED = "stated"
    CORRELATION = "correlation"
    REGRESSION = "regression"


@dataclass(frozen=True, slots=True)
class IPAResult:
    """One row per attribute: importance and performance with CIs, quadrant, and certainty."""

    table: pd.DataFrame
    importance_cut: float
    performance_cut: float
    method: ImportanceMethod

    def __str__(self) -> str:
        return (f"importance ({self.method.value}) cut {self.importance_cut:.2f}, performance cut "
                f"{self.performance_cut:.1f}\n{self.table.round(3).to_string()}")


def _quadrant(importance: float, performance: float, i_cut: float, p_cut: float) -> Quadrant:
    if importance >= i_cut:
        return Quadrant.KEEP_UP if performance >= p_cut else Quadrant.CONCENTRATE
    return Quadrant.OVERKILL if performance >= p_cut else Quadrant.LOW_PRIORITY


def _performance_column(target: str, spec: ScoreSpec) -> str:
    return dimension_column(target) if target in {d.id for d in spec.dimensions} else item_column(target)


def _weighted_correlation(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Weighted Pearson r and Kish's effective n of the complete cases."""
    ok = ~np.isnan(x) & ~np.isnan(y) & (w > 0)
    x, y, w = x[ok], y[ok], w[ok]
    mx, my = np.average(x, weights=w), np.average(y, weights=w)
    cov = np.average((x - mx) * (y - my), weights=w)
    r = cov / np.sqrt(np.average((x - mx) ** 2, weights=w) * np.average((y - my) ** 2, weights=w))
    return float(r), float(w.sum() ** 2 / (w**2).sum())


def _derived(design: Any, spec: ScoreSpec, targets: list[str], method: ImportanceMethod,
             level: float) -> pd.DataFrame:
    if spec.overall_item is None:
        raise EstimationError("derived importance needs the overall satisfaction item (composite.overall_item)")
    data, w = design.data, design.weights
    overall = data[item_column(spec.overall_item)].to_numpy(dtype=float)
    columns = [data[_performance_column(t, spec)].to_numpy(dtype=float) for t in targets]
    z = stats.norm.ppf(0.5 + level / 2)
    rows = []
    if method is ImportanceMethod.CORRELATION:
        for values in columns:
            r, n_eff = _weighted_correlation(values, overall, w)
            half = z / np.sqrt(max(n_eff - 3, 1))   # Fisher z interval on Kish's effective n
            rows.append((r, np.tanh(np.arctanh(r) - half), np.tanh(np.arctanh(r) + half)))
    else:
        slopes = regression_coefficients(np.column_stack(columns), overall, w)
        rows = [(b, np.nan, np.nan) for b in slopes]
    return pd.DataFrame(rows, columns=["importance", "importance_low", "importance_high"], index=targets)


def importance_performance(design: Any, spec: ScoreSpec, method: ImportanceMethod | str = ImportanceMethod.STATED,
                           level: float = 0.95) -> IPAResult:
    """Place every attribute on the importance–performance grid with the uncertainty of each placement."""
    method = ImportanceMethod(method)
    scored = scored_design(design, spec)
    if method is ImportanceMethod.STATED:
        if not spec.importance:
            raise EstimationError("stated importance needs importance pairs in the questionnaire's scoring block; "
                                  "use method='correlation' or 'regression' otherwise")
        targets = [target for _, target in spec.importance]
        importance_items = [item for item, _ in spec.importance]
        present = set(scored.data.columns)
        missing = [i for i in importance_items if i not in present]
        if missing:
            raise EstimationError(f"importance item column(s) {', '.join(missing)} not in the data")
        extra = {item_column(i): v for i, v in
                 zip(importance_items, _importance_scores(scored.data, spec, importance_items))}
        scored = scored.assign(**extra)
        imp = scored.mean([item_column(i) for i in importance_items]).to_frame(level=level)
        importance = pd.DataFrame({"importance": imp["estimate"].to_numpy(),
                                   "importance_low": imp["ci_low"].to_numpy(),
                                   "importance_high": imp["ci_high"].to_numpy()}, index=targets)
    else:
        targets = [d.id for d in spec.dimensions]
        importance = _derived(scored, spec, targets, method, level)
    perf = scored.mean([_performance_column(t, spec) for t in targets]).to_frame(level=level)
    table = importance.assign(performance=perf["estimate"].to_numpy(), performance_low=perf["ci_low"].to_numpy(),
                              performance_high=perf["ci_high"].to_numpy())
    i_cut, p_cut = float(table["importance"].mean()), float(table["performance"].mean())
    table["quadrant"] = [_quadrant(i, p, i_cut, p_cut).value for i, p in zip(table["importance"], table["performance"])]
    crosses_i = (table["importance_low"] < i_cut) & (table["importance_high"] > i_cut)
    crosses_p = (table["performance_low"] < p_cut) & (table["performance_high"] > p_cut)
    table["certain"] = ~(crosses_i.fillna(False) | crosses_p)
    table.index.name = "attribute"
    return IPAResult(table, i_cut, p_cut, method)


def _importance_scores(data: pd.DataFrame, spec: ScoreSpec, items: list[str]) -> list[np.ndarray]:
    scores = item_scores(data, spec, items)
    return [scores[item_column(i)].to_numpy() for i in items]
