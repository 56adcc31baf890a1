"""Frozen result objects returned by every estimator.

One :class:`Estimate` holds one or more rows (variables, categories, domains × variables,
quantiles).  Single-row results expose plain floats through ``estimate``/``se``/``deff``;
multi-row results expose pandas Series indexed like :meth:`Estimate.to_frame`.

Confidence intervals default to Wald intervals with Student's t on the design degrees of
freedom (#PSU − #strata; Korn & Graubard 1999, §5.2), as Stata and SUDAAN do;
``dist="normal"`` gives R's ``confint()`` default.  Quantiles and ``ciprop`` carry their own
interval function (Woodruff 1952; Korn & Graubard 1998).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from survey_engine.analysis.codes import EstimationErrorCode
from survey_engine.errors import EstimationError

__all__ = ["Estimate", "wald_interval"]

Interval = Callable[[float], tuple[np.ndarray, np.ndarray]]


def _critical(level: float, df: Any, dist: str) -> Any:
    """Two-sided critical value of the normal or of t with ``df`` degrees of freedom (scalar or array)."""
    if not 0.0 < level < 1.0:
        raise EstimationError(
            f"ci: level {level!r} must lie strictly between 0 and 1 (e.g. 0.95).",
            EstimationErrorCode.BAD_LEVEL,
        )
    if dist == "normal":
        return float(stats.norm.ppf(0.5 + level / 2))
    if dist == "t":
        d = np.asarray(df, dtype=float)
        with np.errstate(invalid="ignore"):
            q = np.where(np.isinf(d), stats.norm.ppf(0.5 + level / 2),
                         stats.t.ppf(0.5 + level / 2, np.where(d > 0, d, np.nan)))
        return float(q) if q.ndim == 0 else q
    raise EstimationError(
        f"ci: dist {dist!r} is not known; use 't' or 'normal'.", EstimationErrorCode.BAD_OPTION
    )


def wald_interval(
    estimate: np.ndarray, se: np.ndarray, df: Any, level: float, dist: str = "t"
) -> tuple[np.ndarray, np.ndarray]:
    """``estimate ∓ q·se`` with q from t(df) or the normal (Lohr 2010, §3.2)."""
    q = _critical(level, df, dist)
    return estimate - q * se, estimate + q * se


@dataclass(frozen=True, slots=True)
class Estimate:
    """Point estimates with standard errors, design df, design effects and intervals."""

    statistic: str
    labels: tuple[Any, ...]
    index_names: tuple[str, ...]
    values: np.ndarray
    ses: np.ndarray
    df: float | np.ndarray
    deffs: np.ndarray
    n: np.ndarray
    n_missing: np.ndarray
    interval: Interval | None = field(default=None, compare=False, repr=False)
    interval_method: str = "wald-t"

    # -- single-row shortcuts --------------------------------------------------------------
    def _shortcut(self, array: np.ndarray) -> float | pd.Series:
        if array.size == 1:
            return float(array[0])
        return pd.Series(array, index=self.index, name=None)

    @property
    def index(self) -> pd.Index:
        """Row index: variables, categories, domains × variables, or quantiles."""
        if len(self.index_names) == 1:
            return pd.Index(list(self.labels), name=self.index_names[0])
        return pd.MultiIndex.from_tuples(list(self.labels), names=list(self.index_names))

    @property
    def estimate(self) -> float | pd.Series:
        """The estimate (a float for one row, else a Series)."""
        return self._shortcut(self.values)

    @property
    def se(self) -> float | pd.Series:
        """The standard error (a float for one row, else a Series)."""
        return self._shortcut(self.ses)

    @property
    def deff(self) -> float | pd.Series:
        """Design effect against simple random sampling without replacement (NaN if undefined)."""
        return self._shortcut(self.deffs)

    @property
    def variance(self) -> float | pd.Series:
        """Squared standard error."""
        return self._shortcut(self.ses**2)

    def ci(self, level: float = 0.95, dist: str = "t") -> tuple[Any, Any]:
        """Confidence interval ``(low, high)``; floats for one row, else Series.

        Estimators with their own interval (quantiles, ``ciprop``) ignore ``dist``.
        """
        if self.interval is not None:
            _critical(level, 1.0, "normal")
            low, high = self.interval(level)
        else:
            low, high = wald_interval(self.values, self.ses, self.df, level, dist)
        return self._shortcut(np.asarray(low, dtype=float)), self._shortcut(np.asarray(high, dtype=float))

    def to_frame(self, level: float = 0.95, dist: str = "t") -> pd.DataFrame:
        """DataFrame with columns estimate, se, ci_low, ci_high, df, deff (one row per label)."""
        if self.interval is not None:
            _critical(level, 1.0, "normal")
            low, high = self.interval(level)
        else:
            low, high = wald_interval(self.values, self.ses, self.df, level, dist)
        return pd.DataFrame(
            {
                "estimate": self.values,
                "se": self.ses,
                "ci_low": np.asarray(low, dtype=float),
                "ci_high": np.asarray(high, dtype=float),
                "df": np.broadcast_to(np.asarray(self.df, dtype=float), self.values.shape).copy(),
                "deff": self.deffs,
            },
            index=self.index,
        )

    def to_dict(self, level: float = 0.95, dist: str = "t") -> dict[str, Any]:
        """JSON-ready dict: statistic, level, interval method and one record per row."""
        frame = self.to_frame(level, dist)
        rows = []
        for i, label in enumerate(self.labels):
            key = list(label) if isinstance(label, tuple) else [label]
            record: dict[str, Any] = {name: _plain(k) for name, k in zip(self.index_names, key)}
            for column in frame.columns:
                record[column] = _plain(frame.iloc[i][column])
            record["n"] = int(self.n[i])
            record["n_missing"] = int(self.n_missing[i])
            rows.append(record)
        method = self.interval_method if self.interval is not None else f"wald-{dist}"
        return {"statistic": self.statistic, "level": level, "interval": method, "rows": rows}

    def __str__(self) -> str:
        frame = self.to_frame()
        table = pd.DataFrame(
            {
                "estimate": frame["estimate"],
                "SE": frame["se"],
                "95% CI": [f"[{lo:.6g}, {hi:.6g}]" for lo, hi in zip(frame["ci_low"], frame["ci_high"])],
                "deff": frame["deff"],
                "n": self.n,
            },
            index=frame.index,
        )
        df = np.unique(np.asarray(self.df, dtype=float))
        lines = [f"{self.statistic} (df = {', '.join(f'{d:g}' for d in df)}, interval: "
                 f"{self.interval_method if self.interval is not None else 'wald-t'})",
                 table.to_string(float_format=lambda v: f"{v:.6g}")]
        if np.any(self.n_missing > 0):
            lines.append("missing values dropped: " + ", ".join(
                f"{label}: {int(m)}" for label, m in zip(self.labels, self.n_missing) if m > 0))
        return "\n".join(lines)

    def _repr_html_(self) -> str:  # pragma: no cover - notebook display
        return self.to_frame()._repr_html_()  # type: ignore[operator]


def _plain(value: Any) -> Any:
    """A JSON-serialisable scalar (NaN becomes None)."""
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value if isinstance(value, (str, int, type(None))) else str(value)
