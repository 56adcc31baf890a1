"""Satisfaction scores per respondent: item answers → 0–100 item scores → dimension scores →
composite index, as the questionnaire's scoring block says.

Default mapping for a k-point scale with values s..s+k−1: (x − s)/(k − 1) × 100, the linear
rescaling of the ACSI (Fornell et al. 1996, "The American Customer Satisfaction Index",
J. Marketing 60(4)); for the five-level 好差评 scale this gives 1→0, 2→25, 3→50, 4→75, 5→100.
Not-applicable answers (未接触/不适用) and non-numeric values are missing, never scored.
Estimation of the mean scores with design-based SEs is done by ``Design.mean`` on the columns
this module adds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd

from survey_engine.errors import EstimationError

__all__ = ["ItemScale", "DimensionSpec", "ScoreSpec", "ScoreErrorCode", "item_scores", "score_responses",
           "item_column", "dimension_column"]


class ScoreErrorCode(Enum):
    """Why answers could not be scored."""

    UNKNOWN_COLUMN = "unknown_column"
    BAD_SPEC = "bad_spec"


def item_column(item: str) -> str:
    """Name of the 0–100 score column of an item."""
    return f"score_{item}"


def dimension_column(dimension: str) -> str:
    """Name of the 0–100 score column of a dimension or composite."""
    return f"index_{dimension}"


@dataclass(frozen=True, slots=True)
class ItemScale:
    """The numeric range of an item's scale: values start .. start + points − 1."""

    points: int
    start: int = 1

    @property
    def end(self) -> int:
        return self.start + self.points - 1


@dataclass(frozen=True, slots=True)
class DimensionSpec:
    id: str
    items: tuple[str, ...]
    item_weights: Mapping[str, float] = field(default_factory=dict)
    weight: float | None = None
    min_answered: int = 1


@dataclass(frozen=True, slots=True)
class ScoreSpec:
    """Everything needed to score: item scales, mapping, reversals, dimensions, composite."""

    scales: Mapping[str, ItemScale]
    dimensions: tuple[DimensionSpec, ...]
    score_map: str | Mapping[int, float] = "linear"
    reverse: frozenset[str] = frozenset()
    composite: str | None = None
    composite_weights: str = "fixed"
    overall_item: str | None = None
    importance: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_questionnaire(cls, questionnaire: Any) -> ScoreSpec:
        """The spec of a built ``Questionnaire`` (its ``scoring`` block and item scales)."""
        scoring = questionnaire.scoring
        if scoring is None:
            raise EstimationError(f"questionnaire '{questionnaire.id}' has no scoring block; add one to compute "
                                  "indices", ScoreErrorCode.BAD_SPEC)
        scales: dict[str, ItemScale] = {}
        for question in questionnaire.questions():
            if question.scale is not None:
                for answer_id in question.answer_ids:
                    scales[answer_id] = ItemScale(question.scale.points, question.scale.start)
        composite = scoring.composite
        return cls(
            scales=scales,
            dimensions=tuple(DimensionSpec(d.id, d.items, dict(d.item_weights), d.weight, d.min_answered)
                             for d in scoring.dimensions),
            score_map=scoring.score_map if isinstance(scoring.score_map, str) else dict(scoring.score_map),
            reverse=scoring.reverse,
            composite=composite.id if composite else None,
            composite_weights=composite.weights if composite else "fixed",
            overall_item=composite.overall_item if composite else None,
            importance=tuple((pair.importance, pair.performance) for pair in scoring.importance),
        )


def _numeric(values: pd.Series) -> np.ndarray:
    """Answers as floats; codes such as 'NA' (not applicable) become NaN."""
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)


def _item_score(x: np.ndarray, scale: ItemScale, spec: ScoreSpec, reverse: bool) -> np.ndarray:
    x = np.where((x >= scale.start) & (x <= scale.end) & (x == np.round(x)), x, np.nan)
    if reverse:
        x = scale.start + scale.end - x
    if spec.score_map == "linear":
        return (x - scale.start) / (scale.points - 1) * 100.0
    lookup = np.full(scale.points, np.nan)
    for value, score in spec.score_map.items():
        if scale.start <= value <= scale.end:
            lookup[value - scale.start] = score
    out = np.full(x.shape, np.nan)
    ok = ~np.isnan(x)
    out[ok] = lookup[(x[ok] - scale.start).astype(int)]
    return out


def item_scores(data: pd.DataFrame, spec: ScoreSpec, items: Sequence[str] | None = None) -> pd.DataFrame:
    """0–100 scores of the given (default: all scored) items, one column per item."""
    wanted = list(items) if items is not None else sorted({i for d in spec.dimensions for i in d.items}
                                                          | ({spec.overall_item} if spec.overall_item else set()))
    missing = [item for item in wanted if item not in data.columns]
    if missing:
        raise EstimationError(f"column(s) {', '.join(missing)} not in the data; every scored item needs a column",
                              ScoreErrorCode.UNKNOWN_COLUMN)
    unscaled = [item for item in wanted if item not in spec.scales]
    if unscaled:
        raise EstimationError(f"no scale known for item(s) {', '.join(unscaled)}", ScoreErrorCode.BAD_SPEC)
    return pd.DataFrame({item_column(item): _item_score(_numeric(data[item]), spec.scales[item], spec,
                                                        item in spec.reverse) for item in wanted},
                        index=data.index)


def _dimension(scores: pd.DataFrame, dim: DimensionSpec) -> np.ndarray:
    s = scores[[item_column(i) for i in dim.items]].to_numpy()
    w = np.array([dim.item_weights.get(i, 1.0) for i in dim.items])
    answered = ~np.isnan(s)
    total = np.where(answered, s, 0.0) @ w
    weight = answered.astype(float) @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        value = total / weight
    return np.where(answered.sum(axis=1) >= dim.min_answered, value, np.nan)


def _composite_weights(spec: ScoreSpec, dims: pd.DataFrame, overall: np.ndarray | None,
                       weights: np.ndarray | None) -> np.ndarray:
    if spec.composite_weights == "equal":
        return np.ones(len(spec.dimensions))
    if spec.composite_weights == "fixed":
        return np.array([d.weight if d.weight is not None else 0.0 for d in spec.dimensions])
    from survey_engine.analysis.driver_weights import regression_weights

    return regression_weights(dims.to_numpy(), overall, weights)


def score_responses(data: pd.DataFrame, spec: ScoreSpec, weights: np.ndarray | str | None = None) -> pd.DataFrame:
    """``data`` plus item, dimension and composite score columns (0–100; NaN when not scorable).

    A dimension score is the item-weighted mean of the answered items when at least
    ``min_answered`` are answered; the composite is the weighted mean of the available
    dimension scores (weights fixed, equal, or from a design-weighted regression of the
    overall item on the dimensions, ``weights`` being the analysis weights).
    """
    scores = item_scores(data, spec)
    dims = pd.DataFrame({dimension_column(d.id): _dimension(scores, d) for d in spec.dimensions}, index=data.index)
    out = pd.concat([data, scores, dims], axis=1)
    if spec.composite is not None:
        w = data[weights].to_numpy(dtype=float) if isinstance(weights, str) else weights
        overall = scores[item_column(spec.overall_item)].to_numpy() if spec.overall_item else None
        dim_weights = _composite_weights(spec, dims, overall, w)
        d = dims.to_numpy()
        present = ~np.isnan(d)
        with np.errstate(invalid="ignore", divide="ignore"):
            composite = (np.where(present, d, 0.0) @ dim_weights) / (present.astype(float) @ dim_weights)
        out[dimension_column(spec.composite)] = np.where(present.any(axis=1), composite, np.nan)
    return out
