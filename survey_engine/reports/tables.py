"""Report tables as plain rows of formatted text with bilingual headers.

Templates print these as they are; formatting lives here once, so indices (指数, 0–100) are
always shown with one decimal and rates (率) always with a per-cent sign, never mixed up.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from survey_engine.reports.charts import Bilingual

__all__ = ["Table", "table_of", "index_value", "rate_value", "interval", "number", "decimal", "plain"]


@dataclass(frozen=True, slots=True)
class Table:
    caption: Bilingual
    headers: tuple[Bilingual, ...]
    rows: tuple[tuple[str, ...], ...]
    note: Bilingual | None = None
    numeric: tuple[bool, ...] = ()


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def index_value(value: Any) -> str:
    """An index: one decimal (the precision a ±3 point CI supports)."""
    return "–" if _missing(value) else f"{float(value):.1f}"


def rate_value(value: Any) -> str:
    """A rate already in per cent."""
    return "–" if _missing(value) else f"{float(value):.1f}%"


def interval(low: Any, high: Any, percent: bool = False) -> str:
    if _missing(low) or _missing(high):
        return "–"
    suffix = "%" if percent else ""
    return f"{float(low):.1f}–{float(high):.1f}{suffix}"


def number(value: Any) -> str:
    """A count, with thousands separators."""
    return "–" if _missing(value) else f"{int(round(float(value))):,}"


def decimal(places: int) -> Callable[[Any], str]:
    return lambda value: "–" if _missing(value) else f"{float(value):.{places}f}"


def plain(value: Any) -> str:
    return "" if _missing(value) else str(value)


def table_of(frame: pd.DataFrame, columns: Sequence[tuple[str, Bilingual, Callable[[Any], str]]],
             caption: Bilingual, note: Bilingual | None = None,
             computed: Mapping[str, Callable[[pd.Series], str]] | None = None) -> Table:
    """Rows from ``frame``: each column is (source column, header, formatter); a name in
    ``computed`` is made from the whole row instead (a CI from its two bounds)."""
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for name, _, formatter in columns:
            if computed and name in computed:
                cells.append(computed[name](row))
            else:
                cells.append(formatter(row[name]))
        rows.append(tuple(cells))
    numeric = tuple(formatter is not plain for _, _, formatter in columns)
    return Table(caption, tuple(h for _, h, _ in columns), tuple(rows), note, numeric)
