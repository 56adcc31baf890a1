"""Calibration estimators: g-weights that reproduce known population totals.

New weights are ``w_i = d_i g_i`` with ``g_i = F(x_iᵀλ)`` chosen so that ``Σ w_i x_i = T``
(Deville & Särndal 1992).  The distance function decides F:

* ``linear`` — F(u) = 1 + u, the GREG estimator (Särndal, Swensson & Wretman 1992, §6.5),
  solved in closed form; with ``bounds=(lo, hi)`` F(u) = clip(1 + u, lo, hi) and Newton steps;
* ``raking`` — F(u) = exp(u) (multiplicative raking; Deville, Särndal & Sautory 1993),
  optionally bounded;
* ``logit`` — the bounded logit F of Deville & Särndal (1992), g always inside (lo, hi).

The Newton iteration is R's ``grake`` (survey 4.1): Moore–Penrose inverse of the Jacobian,
step halving on non-finite g, stop when every ``|misfit| / (1 + max(|T|, Σ d|x|))`` is below
``tol`` (R divides by ``1 + |T|``; the second term only matters for totals near zero).
R rescales the weights first when they are more than 20 times too small; here the bounds
always refer to ``g = w / d``.
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from survey_engine.analysis.weighting.codes import WeightingErrorCode
from survey_engine.analysis.weighting.convergence import Convergence
from survey_engine.errors import WeightingError

__all__ = ["CalibrationMethod", "calibration_g", "check_bounds"]


class CalibrationMethod(Enum):
    """Distance function of the calibration (R's ``calfun``)."""

    LINEAR = "linear"
    RAKING = "raking"
    LOGIT = "logit"


def _linear(u: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    g = np.clip(u + 1.0, lo, hi)
    return g, ((u < hi - 1.0) & (u > lo - 1.0)).astype(float)


def _raking(u: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(over="ignore"):
        e = np.exp(u)
    return np.clip(e, lo, hi), np.where((u < hi - 1.0) & (u > lo - 1.0), e, 0.0)


def _logit(u: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    a = (hi - lo) / ((hi - 1.0) * (1.0 - lo))
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(a * u)
        denom = hi - 1.0 + (1.0 - lo) * e
        num = lo * (hi - 1.0) + hi * (1.0 - lo) * e
        g = num / denom
        dg = hi * (1.0 - lo) * e * a / denom - num * ((1.0 - lo) * e * a) / denom ** 2
    return g, dg


_DISTANCES = {CalibrationMethod.LINEAR: _linear, CalibrationMethod.RAKING: _raking,
              CalibrationMethod.LOGIT: _logit}


def check_bounds(method: CalibrationMethod, bounds: tuple[float, float] | None
                 ) -> tuple[float, float]:
    """Validate ``bounds`` on g; the logit distance needs finite bounds with lo < 1 < hi."""
    if bounds is None:
        lo, hi = -np.inf, np.inf
    else:
        try:
            lo, hi = (float(b) for b in bounds)
        except (TypeError, ValueError):
            raise WeightingError(f"calibrate: bounds {bounds!r} must be a pair (lower, upper) of "
                                 "numbers", WeightingErrorCode.BAD_OPTION) from None
    if not lo < 1.0 < hi:
        raise WeightingError(f"calibrate: bounds ({lo:g}, {hi:g}) must satisfy lower < 1 < upper "
                             "(they bound g = new weight / old weight)",
                             WeightingErrorCode.BAD_OPTION)
    if method is CalibrationMethod.LOGIT and not (np.isfinite(lo) and np.isfinite(hi)):
        raise WeightingError("calibrate: method 'logit' needs finite bounds; pass "
                             "bounds=(lower, upper), e.g. (0.5, 2)", WeightingErrorCode.BAD_OPTION)
    return lo, hi


def _misfit_scale(x: np.ndarray, d: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """``1 + max(|T|, Σ d|x|)``: R's ``1 + |T|``, unless rounding in the weighted sums is larger
    (a total near zero of a variable with large values could never meet R's criterion)."""
    return 1.0 + np.maximum(np.abs(totals), np.abs(x).T @ np.abs(d))


def _misfit(x: np.ndarray, d: np.ndarray, g: np.ndarray, totals: np.ndarray) -> np.ndarray:
    return totals - x.T @ (d * g)


def calibration_g(x: np.ndarray, d: np.ndarray, totals: np.ndarray,
                  method: CalibrationMethod | str = CalibrationMethod.LINEAR,
                  bounds: tuple[float, float] | None = None, *, tol: float = 1e-10,
                  max_iter: int = 50) -> tuple[np.ndarray, Convergence]:
    """g-factors calibrating weights ``d`` (n,) on auxiliaries ``x`` (n×p) to ``totals`` (p,).

    Unbounded linear calibration is solved in closed form as R's ``regcalibrate``:
    ``g = 1 + x (xᵀDx)⁻¹ (T − xᵀd)``.  Every other case runs :func:`_newton`.
    """
    method = CalibrationMethod(method)
    lo, hi = check_bounds(method, bounds)
    x = np.asarray(x, dtype=float)
    d = np.asarray(d, dtype=float)
    totals = np.asarray(totals, dtype=float)
    if method is CalibrationMethod.LINEAR and bounds is None:
        gram = x.T @ (x * d[:, None])
        try:
            if np.linalg.matrix_rank(x * np.sqrt(np.clip(d, 0, None))[:, None]) < x.shape[1]:
                raise np.linalg.LinAlgError
            lam = np.linalg.solve(gram, totals - x.T @ d)
        except np.linalg.LinAlgError:
            raise WeightingError("calibrate: the auxiliary variables are collinear in the sample "
                                 "(their weighted cross-product matrix is singular); drop a "
                                 "redundant total", WeightingErrorCode.SINGULAR) from None
        g = 1.0 + x @ lam
        worst = float(np.max(np.abs(_misfit(x, d, g, totals)) / _misfit_scale(x, d, totals)))
        return g, Convergence("calibration (linear)", 1, bool(worst < tol), worst, tol)
    return _newton(x, d, totals, method, lo, hi, tol, max_iter)


def _newton(x: np.ndarray, d: np.ndarray, totals: np.ndarray, method: CalibrationMethod,
            lo: float, hi: float, tol: float, max_iter: int) -> tuple[np.ndarray, Convergence]:
    """Newton–Raphson on the calibration equations, as R's ``grake``."""
    distance = _DISTANCES[method]
    eta = np.zeros(x.shape[1])
    u = x @ eta
    g, dg = distance(u, lo, hi)
    scale = _misfit_scale(x, d, totals)
    iteration = 1
    while True:
        jacobian = x.T @ (x * (d * dg)[:, None])
        step = np.linalg.pinv(jacobian, rcond=256 * np.finfo(float).eps) @ _misfit(x, d, g, totals)
        eta = eta + step
        u = x @ eta
        g, dg = distance(u, lo, hi)
        while iteration < max_iter and not (np.all(np.isfinite(g)) and np.all(np.isfinite(dg))):
            iteration += 1
            step = step / 2.0
            eta = eta - step
            u = x @ eta
            g, dg = distance(u, lo, hi)
        worst = float(np.max(np.abs(_misfit(x, d, g, totals)) / scale))
        if worst < tol:
            return g, Convergence(f"calibration ({method.value})", iteration, True, worst, tol)
        iteration += 1
        if iteration > max_iter:
            return g, Convergence(f"calibration ({method.value})", iteration - 1, False, worst, tol)
