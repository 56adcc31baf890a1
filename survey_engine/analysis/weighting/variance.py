"""Variance adjustments of weighting steps (entries of ``Design.adjustments``).

After post-stratification, raking or calibration the linearised values ``x`` (n×k, weight ×
influence) are replaced by their residuals from the auxiliary model before the stage-wise
variance is computed (Särndal, Swensson & Wretman 1992, §6.6; Lumley 2010, §7), exactly as R's
``svyrecvar`` treats ``design$postStrata`` (survey 4.1):

* :class:`PostStratification` and :class:`Calibration` — with ``e = x / w_new``,
  ``x ← w_new (e − X b)`` where ``b`` is the least-squares fit of ``e`` on ``X`` weighted by
  the weights before the step (post-stratification: ``X`` = stratum indicators, so ``b`` are
  weighted stratum means);
* :class:`Raking` — R's ``rake`` variance: ten sweeps over the margins of
  ``x ← x − w · ave_margin(x / w)`` (unweighted averages within the margin's levels).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from survey_engine.analysis.weighting.convergence import Convergence
from survey_engine.analysis.weighting.ipf import group_sums

__all__ = ["PostStratification", "Raking", "Calibration"]

_RAKING_SWEEPS = 10


def _as_matrix(x: np.ndarray) -> tuple[np.ndarray, bool]:
    x = np.asarray(x, dtype=float)
    return (x[:, None], True) if x.ndim == 1 else (x, False)


def _per_unit(x: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``x / w`` row-wise, zero where the weight is zero (such rows carry no information)."""
    safe = np.where(weights > 0, weights, 1.0)
    return np.where((weights > 0)[:, None], x / safe[:, None], 0.0)


@dataclass(frozen=True, slots=True, eq=False)
class PostStratification:
    """Residuals from weighted post-stratum means (R's ``postStratify`` entry)."""

    codes: np.ndarray
    n_levels: int
    old_weights: np.ndarray
    new_weights: np.ndarray
    variable: str = ""

    def residualize(self, x: np.ndarray) -> np.ndarray:
        """``x − w_new · mean_old-weighted(x / w_new | stratum)``."""
        matrix, one_d = _as_matrix(x)
        e = _per_unit(matrix, self.new_weights)
        sums = group_sums(self.codes, self.n_levels, e * self.old_weights[:, None])
        sizes = np.bincount(self.codes, weights=self.old_weights, minlength=self.n_levels)
        means = np.divide(sums, sizes[:, None], out=np.zeros_like(sums), where=sizes[:, None] > 0)
        out = matrix - means[self.codes] * self.new_weights[:, None]
        return out[:, 0] if one_d else out


@dataclass(frozen=True, slots=True, eq=False)
class Raking:
    """R's raking variance: alternating unweighted projections onto the margins, ten sweeps."""

    codes: tuple[np.ndarray, ...]
    n_levels: tuple[int, ...]
    weights: np.ndarray
    variables: tuple[str, ...] = ()
    convergence: Convergence | None = None

    def residualize(self, x: np.ndarray) -> np.ndarray:
        """Ten sweeps of ``x ← x − w · ave(x / w | level)`` over the margins."""
        matrix, one_d = _as_matrix(x)
        out = matrix.copy()
        w = self.weights[:, None]
        counts = [np.bincount(c, minlength=k).astype(float)[:, None]
                  for c, k in zip(self.codes, self.n_levels)]
        for _ in range(_RAKING_SWEEPS):
            for codes, size, count in zip(self.codes, self.n_levels, counts):
                e = _per_unit(out, self.weights)
                means = np.divide(group_sums(codes, size, e), count, out=np.zeros((size, e.shape[1])),
                                  where=count > 0)
                out = out - w * means[codes]
        return out[:, 0] if one_d else out


@dataclass(frozen=True, slots=True, eq=False)
class Calibration:
    """GREG residuals: least squares of ``x / w_new`` on the auxiliaries, old-weighted."""

    x: np.ndarray
    old_weights: np.ndarray
    new_weights: np.ndarray
    names: tuple[str, ...] = ()
    convergence: Convergence | None = None
    _basis: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        root = np.sqrt(np.clip(self.old_weights, 0.0, None))
        u, s, _ = np.linalg.svd(self.x * root[:, None], full_matrices=False)
        keep = s > s[0] * max(self.x.shape) * np.finfo(float).eps if s.size else s > 0
        object.__setattr__(self, "_basis", u[:, keep])

    def residualize(self, x: np.ndarray) -> np.ndarray:
        """``w_new · (e − X b)`` with ``b`` the old-weighted least-squares fit of ``e = x/w_new``."""
        matrix, one_d = _as_matrix(x)
        root = np.sqrt(np.clip(self.old_weights, 0.0, None))[:, None]
        y = _per_unit(matrix, self.new_weights) * root
        resid = y - self._basis @ (self._basis.T @ y)
        scale = np.divide(self.new_weights[:, None], root, out=np.zeros_like(root), where=root > 0)
        out = resid * scale
        return out[:, 0] if one_d else out

