"""Replicate-weight designs: JK1, JKn, BRR, Fay's BRR, bootstrap, or any given replicates.

Every estimate θ̂ is recomputed with each replicate's weights, and (R's ``svrVar``;
Wolter 2007, ch. 3–5)

    v(θ̂) = scale · Σ_r rscales_r (θ̂_r − θ̄)²,

where θ̄ is the mean of the replicates with rscales_r > 0, or θ̂ itself when ``mse=True``.
Default scales follow R's ``svrepdesign``: BRR 1/R, Fay 1/(R(1−ρ)²), bootstrap 1/(R−1),
JK1 (R−1)/R; JKn needs ``rscales`` ((n_h−1)/n_h per replicate).

Replicate weights are stored as ``factor[i] · matrix[index[i], r]``: replicates built from
a design keep one row of multipliers per PSU (``index`` = PSU code, ``factor`` = weight), so
replicate totals are a ``bincount`` to PSUs followed by one matrix product.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from survey_engine.analysis.codes import DesignErrorCode
from survey_engine.analysis.design import check_columns, check_missing, positive_weights
from survey_engine.analysis.survey_methods import Columns, SurveyMethods, as_list
from survey_engine.errors import DesignError

__all__ = ["ReplicateDesign", "REPLICATE_TYPES", "replicate_variance"]

REPLICATE_TYPES = ("JK1", "JKn", "BRR", "Fay", "bootstrap", "other")


def replicate_variance(thetas: np.ndarray, estimate: np.ndarray, scale: float, rscales: np.ndarray,
                       mse: bool) -> np.ndarray:
    """``scale · Σ_r rscales_r (θ_r − centre)²`` per row of ``thetas`` (m×R) (R's ``svrVar``)."""
    if mse:
        centre = estimate
    else:
        centre = thetas[:, rscales > 0].mean(axis=1)
    dev = thetas - centre[:, None]
    return scale * (dev * dev) @ rscales


class ReplicateDesign(SurveyMethods):
    """A design whose variance comes from replicate weights (R's ``svrepdesign``).

    ``replicate_weights``: column names, a regular expression matching column names, or an
    n×R array; ``combined_weights=True`` means they already include the sampling weight.
    """

    __slots__ = ("_data", "_weights", "_factor", "_index", "_matrix", "_type", "_rho", "_scale",
                 "_rscales", "_mse", "_domain", "_df", "_cache", "_frozen")

    def __init__(
        self,
        data: pd.DataFrame,
        weights: str | None,
        replicate_weights: Columns | np.ndarray,
        type: str = "other",
        rho: float | None = None,
        scale: float | None = None,
        rscales: Sequence[float] | np.ndarray | None = None,
        mse: bool = False,
        combined_weights: bool = True,
    ) -> None:
        if not data.index.equals(pd.RangeIndex(len(data))):
            data = data.reset_index(drop=True)  # positions are the row ids everywhere below
        kind = _check_type(type)
        if isinstance(replicate_weights, np.ndarray):
            matrix = np.asarray(replicate_weights, dtype=float)
        else:
            if isinstance(replicate_weights, str) and replicate_weights not in data.columns:
                columns = [c for c in data.columns if pd.Series([str(c)]).str.contains(replicate_weights).iloc[0]]
                if not columns:
                    raise DesignError(
                        f"replicate_weights: no column matches {replicate_weights!r}.", DesignErrorCode.UNKNOWN_COLUMN
                    )
            else:
                columns = as_list(replicate_weights)  # type: ignore[arg-type]
                check_columns(data, {"replicate_weights": columns})
            check_missing(data, {"replicate_weights": columns})
            matrix = data[columns].to_numpy(dtype=float)
        if matrix.ndim != 2 or matrix.shape[0] != len(data) or matrix.shape[1] < 2:
            raise DesignError(
                f"replicate_weights: expected an n×R matrix with n = {len(data)} and R >= 2, got shape "
                f"{matrix.shape}.",
                DesignErrorCode.BAD_REPLICATES,
            )
        if np.isnan(matrix).any() or (matrix < 0).any():
            raise DesignError(
                f"replicate_weights: {int((np.isnan(matrix) | (matrix < 0)).any(axis=1).sum())} rows hold missing "
                "or negative replicate weights; replicate weights must be >= 0.",
                DesignErrorCode.BAD_REPLICATES,
            )
        if weights is None:
            w = np.ones(len(data))
        else:
            check_columns(data, {"weights": [weights]})
            check_missing(data, {"weights": [weights]})
            w = positive_weights(data, weights)
        if not combined_weights:
            matrix = matrix * w[:, None]
        n_rep = matrix.shape[1]
        scale_value, rscale_values = _default_scales(kind, n_rep, rho, scale, rscales)
        self._init(data, w, np.ones(len(data)), np.arange(len(data)), matrix, kind, rho, scale_value,
                   rscale_values, mse, None)

    def _init(self, data: pd.DataFrame, weights: np.ndarray, factor: np.ndarray, index: np.ndarray,
              matrix: np.ndarray, kind: str, rho: float | None, scale: float, rscales: np.ndarray,
              mse: bool, domain: np.ndarray | None, df: int | None = None) -> None:
        object.__setattr__(self, "_data", data)
        object.__setattr__(self, "_weights", weights)
        object.__setattr__(self, "_factor", factor)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_matrix", matrix)
        object.__setattr__(self, "_type", kind)
        object.__setattr__(self, "_rho", rho)
        object.__setattr__(self, "_scale", float(scale))
        object.__setattr__(self, "_rscales", np.asarray(rscales, dtype=float))
        object.__setattr__(self, "_mse", bool(mse))
        object.__setattr__(self, "_domain", domain)
        object.__setattr__(self, "_cache", {})
        if df is None:
            df = int(np.linalg.matrix_rank(matrix)) - 1
        object.__setattr__(self, "_df", df)
        object.__setattr__(self, "_frozen", True)

    @classmethod
    def _from_multipliers(cls, data: pd.DataFrame, weights: np.ndarray, index: np.ndarray, multipliers: np.ndarray,
                          kind: str, rho: float | None, scale: float, rscales: np.ndarray, mse: bool,
                          domain: np.ndarray | None) -> ReplicateDesign:
        """Replicates ``weights[i] · multipliers[index[i], r]`` (used by ``Design.replicate``)."""
        new = object.__new__(cls)
        new._init(data, weights, weights, index, multipliers, kind, rho, scale, rscales, mse, domain)
        return new

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("ReplicateDesign is immutable; weighting steps and subset() return a new design.")

    def _copy(self, **changes: Any) -> ReplicateDesign:
        new = object.__new__(ReplicateDesign)
        for slot in ReplicateDesign.__slots__:
            object.__setattr__(new, slot, changes.get(slot, getattr(self, slot)))
        return new

    def assign(self, **columns: Any) -> ReplicateDesign:
        """A new design whose data has these extra or replaced columns (same rows and replicates)."""
        return self._copy(_data=self._data.assign(**columns), _cache={})

    def _adjusted_replicates(self, weights: np.ndarray, replicate_weights: np.ndarray) -> ReplicateDesign:
        """A new design with adjusted full-sample weights and n×R replicate weights."""
        w = np.asarray(weights, dtype=float)
        m = np.asarray(replicate_weights, dtype=float)
        if w.shape != self._weights.shape or m.shape != (w.size, self.n_replicates):
            raise DesignError(
                f"weights: expected {self._weights.size} weights and a {self._weights.size}×{self.n_replicates} "
                f"replicate matrix, got {w.shape} and {m.shape}.",
                DesignErrorCode.BAD_REPLICATES,
            )
        return self._copy(_weights=w.copy(), _factor=np.ones(w.size), _index=np.arange(w.size), _matrix=m.copy())

    # -- read-only views ------------------------------------------------------------------------
    @property
    def replicate_weights(self) -> np.ndarray:
        """n×R analysis-scale replicate weights (full weight × multiplier)."""
        return self._factor[:, None] * self._matrix[self._index]

    @property
    def n_replicates(self) -> int:
        """Number of replicates R."""
        return int(self._matrix.shape[1])

    @property
    def type(self) -> str:
        """Replicate type: JK1, JKn, BRR, Fay, bootstrap or other."""
        return self._type

    @property
    def rho(self) -> float | None:
        """Fay's ρ (None unless type is Fay)."""
        return self._rho

    @property
    def scale(self) -> float:
        """Overall variance multiplier."""
        return self._scale

    @property
    def rscales(self) -> np.ndarray:
        """Per-replicate variance multipliers."""
        return self._rscales.copy()

    @property
    def mse(self) -> bool:
        """Centre on the full-sample estimate (True) or on the replicate mean (False)."""
        return self._mse

    @property
    def df(self) -> int:
        """Degrees of freedom: rank of the replicate weights − 1 (R's ``degf``), within a subset."""
        if self._domain is None:
            return self._df
        rows = np.unique(self._index[self._domain & (self._weights != 0)])
        return int(np.linalg.matrix_rank(self._matrix[rows])) - 1

    def _df_for(self, include: np.ndarray) -> int:
        """Rank of the replicate weights of the rows in ``include`` − 1 (R's ``degf`` of a subset)."""
        rows = np.unique(self._index[include])
        return int(np.linalg.matrix_rank(self._matrix[rows])) - 1

    def __repr__(self) -> str:
        return (f"ReplicateDesign(n={self.n}, type={self._type}, replicates={self.n_replicates}, "
                f"scale={self._scale:g}, mse={self._mse})")

    # -- variance engine ----------------------------------------------------------------------------
    def _replicate_thetas(self, kind: str, y: np.ndarray, x: np.ndarray | None, include: np.ndarray,
                          dcode: np.ndarray, n_domains: int) -> np.ndarray:
        """Replicate estimates (domains × R) of a total, mean (x None) or ratio."""
        k = self._matrix.shape[0]
        code = self._index * n_domains + dcode
        f = np.where(include, self._factor, 0.0)
        num = np.bincount(code, weights=f * y, minlength=k * n_domains).reshape(k, n_domains).T @ self._matrix
        if kind == "total":
            return num
        xx = f if x is None else f * x
        d = np.bincount(code, weights=xx, minlength=k * n_domains).reshape(k, n_domains).T @ self._matrix
        with np.errstate(divide="ignore", invalid="ignore"):
            return num / d

    def _domain_variance(self, kind: str, y: np.ndarray, x: np.ndarray | None, include: np.ndarray,
                         dcode: np.ndarray, n_domains: int, est: np.ndarray, den: np.ndarray,
                         wm: np.ndarray | None = None) -> np.ndarray:
        """Replicate variance per domain of a total, mean or ratio."""
        thetas = self._replicate_thetas(kind, y, x, include, dcode, n_domains)
        return replicate_variance(thetas, est, self._scale, self._rscales, self._mse)

    def _replicate_statistic(self, statistic: Any) -> np.ndarray:
        """Apply ``statistic(weights) -> array`` to every replicate (R×m), for non-linear statistics."""
        rep = self.replicate_weights
        if self._domain is not None:
            rep = rep * self._domain[:, None]
        return np.vstack([statistic(rep[:, r]) for r in range(rep.shape[1])])


def _check_type(value: str) -> str:
    lookup = {t.lower(): t for t in REPLICATE_TYPES}
    kind = lookup.get(str(value).lower())
    if kind is None:
        raise DesignError(
            f"type {value!r} is not a replicate type; use one of {', '.join(REPLICATE_TYPES)}.",
            DesignErrorCode.BAD_OPTION,
        )
    return kind


def _default_scales(kind: str, n_rep: int, rho: float | None, scale: float | None,
                    rscales: Sequence[float] | np.ndarray | None) -> tuple[float, np.ndarray]:
    """R's ``svrepdesign`` defaults for ``scale`` and ``rscales``."""
    if kind == "Fay" and rho is None:
        raise DesignError("rho: type 'Fay' needs Fay's rho (e.g. rho=0.5).", DesignErrorCode.BAD_OPTION)
    if kind == "JKn" and rscales is None:
        raise DesignError(
            "rscales: type 'JKn' needs rscales, (n_h − 1)/n_h for the stratum of each replicate.",
            DesignErrorCode.BAD_OPTION,
        )
    if scale is None:
        scale = {
            "BRR": 1.0 / n_rep,
            "Fay": 1.0 / (n_rep * (1.0 - (rho or 0.0)) ** 2),
            "bootstrap": 1.0 / (n_rep - 1),
            "JK1": (n_rep - 1) / n_rep,
        }.get(kind, 1.0)
    r = np.ones(n_rep) if rscales is None else np.asarray(rscales, dtype=float)
    if r.size == 1:
        r = np.full(n_rep, float(r[0]))
    if r.size != n_rep:
        raise DesignError(
            f"rscales: {r.size} values given for {n_rep} replicates; give one per replicate.",
            DesignErrorCode.BAD_OPTION,
        )
    return float(scale), r
