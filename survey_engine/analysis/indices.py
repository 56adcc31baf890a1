"""Satisfaction indices (指数, 0–100) with design-based standard errors and confidence intervals.

Each index is the weighted mean of a respondent-level score column (``scores.py``), so its
variance is the design's Taylor or replicate variance of a mean (Lumley 2010, ch. 2–3);
domains (respondent type, district, service, mode) use ``by=`` and keep the full design.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from survey_engine.analysis.scores import ScoreSpec, dimension_column, score_responses

__all__ = ["IndexTable", "SATISFIED_BAND", "estimate_indices", "scored_design"]

#: A score of 80 or more is commonly reported as the "satisfied" band.
SATISFIED_BAND = 80.0


@dataclass(frozen=True, slots=True)
class IndexTable:
    """Index estimates: one row per (domain…, index) with estimate, se, ci_low, ci_high, df, deff, n."""

    table: pd.DataFrame
    level: float

    def __str__(self) -> str:
        shown = self.table.copy()
        formats = {"estimate": "{:.1f}", "se": "{:.2f}", "ci_low": "{:.1f}", "ci_high": "{:.1f}", "deff": "{:.2f}"}
        for column, pattern in formats.items():
            shown[column] = shown[column].map(pattern.format)
        return shown.to_string()

    def to_dict(self) -> list[dict[str, Any]]:
        return self.table.reset_index().to_dict(orient="records")


def scored_design(design: Any, spec: ScoreSpec) -> Any:
    """The design with item, dimension and composite score columns added (weights from the design)."""
    scored = score_responses(design.data, spec, weights=design.weights)
    added = scored.columns.difference(design.data.columns)
    return design.assign(**{column: scored[column].to_numpy() for column in added})


def estimate_indices(design: Any, spec: ScoreSpec, by: str | Sequence[str] | None = None,
                     level: float = 0.95) -> IndexTable:
    """Every dimension index and the composite, overall or by domain, with CIs at ``level``.

    ``design`` is a ``Design`` or ``ReplicateDesign`` over the response data; scores are
    computed from the answers as the questionnaire's scoring block says.
    """
    scored = scored_design(design, spec)
    names = [d.id for d in spec.dimensions] + ([spec.composite] if spec.composite else [])
    result = scored.mean([dimension_column(name) for name in names], by=by)
    table = result.to_frame(level=level)
    table["n"] = result.n
    table = table.rename(index=lambda label: label.removeprefix("index_") if isinstance(label, str) else label)
    table.index = table.index.set_names([*table.index.names[:-1], "index"])
    table["band"] = (table["estimate"] >= SATISFIED_BAND).map({True: "satisfied", False: "below 80"})
    return IndexTable(table, level)
