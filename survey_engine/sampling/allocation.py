"""Allocation of a total sample size to strata, with bounds and total-preserving rounding.

Each method gives stratum h a share proportional to a weight w_h:

* proportional: w_h = N_h (or a size measure X_h)          Cochran 1977, §5.3, eq. (5.13)
* equal:        w_h = 1
* Neyman:       w_h = N_h S_h                               Cochran 1977, §5.5, eq. (5.26)
* optimal:      w_h = N_h S_h / sqrt(c_h)  (unit costs c_h) Cochran 1977, §5.5, eq. (5.24)
* power:        w_h = X_h^q CV_h, 0 <= q <= 1               Bankier 1988, J. Amer. Statist. Assoc.
* fixed:        the n_h are given.

Bounds n_min <= n_h <= min(n_max, N_h) are met by fixing the strata that would break them at
the bound and sharing the rest again in the same proportions, i.e. n_h = clip(lambda w_h,
n_min, N_h) with lambda solved so the n_h sum to n (Lohr 2010, §3.4.2 notes the n_h <= N_h
correction for Neyman allocation); the real-valued allocation is then rounded down and the units still missing
go to the largest remainders, so the integer allocation always sums to n.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from survey_engine.sampling.codes import SamplingErrorCode, fail

__all__ = ["AllocationMethod", "AllocationResult", "allocate", "round_preserving_total"]


class AllocationMethod(Enum):
    """How the total sample is shared among strata."""

    PROPORTIONAL = "proportional"
    EQUAL = "equal"
    NEYMAN = "neyman"
    OPTIMAL = "optimal"
    POWER = "power"
    FIXED = "fixed"


@dataclass(frozen=True, slots=True)
class AllocationResult:
    """Integer sample sizes per stratum (``n``) and the real-valued allocation before rounding."""

    labels: tuple[str, ...]
    n: NDArray[np.int64]
    exact: NDArray[np.float64]
    method: AllocationMethod

    def as_dict(self) -> dict[str, int]:
        """Stratum label → integer sample size."""
        return {label: int(v) for label, v in zip(self.labels, self.n)}


def round_preserving_total(x: NDArray[np.float64], total: int) -> NDArray[np.int64]:
    """Round down, then give the missing units to the largest fractional parts (Hamilton's method)."""
    base = np.floor(x + 1e-9).astype(np.int64)
    missing = int(total - base.sum())
    if missing > 0:
        frac = x - base
        # Stable sort on the negated remainders: ties go to the earlier stratum.
        order = np.argsort(-frac, kind="stable")[:missing]
        base[order] += 1
    elif missing < 0:
        # Only possible when several shares sat a hair below a whole number.
        order = np.argsort(x - base, kind="stable")[:-missing]
        base[order] -= 1
    return base


def _vector(name: str, values: ArrayLike | None, labels: Sequence[str],
            default: float | None = None) -> NDArray[np.float64]:
    if values is None:
        if default is None:
            fail(SamplingErrorCode.MISSING_STRATUM_PARAMETER,
                 f"allocation needs '{name}' for every stratum; give one value per stratum.")
        return np.full(len(labels), float(default))
    if isinstance(values, dict):
        missing = [h for h in labels if h not in values]
        if missing:
            fail(SamplingErrorCode.MISSING_STRATUM_PARAMETER,
                 f"stratum '{missing[0]}': no '{name}' given; add it to the '{name}' mapping.")
        values = [values[h] for h in labels]
    v = np.asarray(values, dtype=np.float64)
    if v.shape != (len(labels),):
        fail(SamplingErrorCode.BAD_VALUE,
             f"'{name}' has {v.size} values for {len(labels)} strata; give one per stratum.")
    bad = np.flatnonzero(~np.isfinite(v) | (v < 0))
    if bad.size:
        fail(SamplingErrorCode.BAD_VALUE,
             f"stratum '{labels[bad[0]]}': '{name}' = {v[bad[0]]!r} is not a finite "
             "non-negative number; correct it.")
    return v


def _bound(name: str, value: Any, labels: Sequence[str]) -> NDArray[np.float64]:
    """A per-stratum bound given as one number for all strata, a sequence or a mapping."""
    if np.isscalar(value):
        if isinstance(value, (bool, str)) or not (float(value) >= 0 and np.isfinite(float(value))):
            fail(SamplingErrorCode.BAD_VALUE,
                 f"'{name}' = {value!r} is not a finite non-negative number; correct it.")
        return _vector(name, None, labels, default=float(value))
    return _vector(name, value, labels)


def _bounded_shares(n: int, w: NDArray[np.float64], lo: NDArray[np.float64],
                    hi: NDArray[np.float64]) -> NDArray[np.float64]:
    """Solve sum_h clip(lambda w_h, lo_h, hi_h) = n for lambda; return the clipped shares.

    The sum is continuous and non-decreasing in lambda, so bisection finds the segment where it
    reaches n; lambda is then solved exactly on the strata left strictly inside their bounds.
    This is the allocation closest to w within the bounds (strata at a bound are fixed there,
    the others keep shares proportional to w_h).
    """
    pos = w > 0
    capacity = lo[~pos].sum() + hi[pos].sum()
    if n > capacity + 1e-9:
        fail(SamplingErrorCode.INFEASIBLE_ALLOCATION,
             f"n = {n} exceeds the {capacity:g} units available in strata with a positive "
             "allocation weight (strata with weight 0 stay at their minimum); lower n or "
             "change the method.")
    low, high = 0.0, float(np.max(hi[pos] / w[pos])) if pos.any() else 0.0
    for _ in range(200):
        mid = 0.5 * (low + high)
        if np.clip(mid * w, lo, hi).sum() < n:
            low = mid
        else:
            high = mid
    lam = 0.5 * (low + high)
    x = np.clip(lam * w, lo, hi)
    free = pos & (lam * w > lo) & (lam * w < hi)
    if free.any():
        lam = (n - x[~free].sum()) / w[free].sum()
        x[free] = lam * w[free]
    return x


_Params = dict[str, Any]


def _measure(big_n: NDArray[np.float64], labels: Sequence[str], p: _Params) -> NDArray[np.float64]:
    return _vector("measure", p["measure"], labels) if p["measure"] is not None else big_n


def _neyman(big_n: NDArray[np.float64], labels: Sequence[str], p: _Params) -> NDArray[np.float64]:
    return big_n * _vector("sd", p["sd"], labels)


def _optimal(big_n: NDArray[np.float64], labels: Sequence[str], p: _Params) -> NDArray[np.float64]:
    c = _vector("cost", p["cost"], labels)
    zero = np.flatnonzero(c <= 0)
    if zero.size:
        fail(SamplingErrorCode.BAD_VALUE,
             f"stratum '{labels[zero[0]]}': unit cost must be positive; correct 'cost'.")
    return big_n * _vector("sd", p["sd"], labels) / np.sqrt(c)


def _power(big_n: NDArray[np.float64], labels: Sequence[str], p: _Params) -> NDArray[np.float64]:
    if not 0 <= p["power"] <= 1:
        fail(SamplingErrorCode.BAD_VALUE, f"power q = {p['power']!r} must lie in [0, 1].")
    return _measure(big_n, labels, p) ** p["power"] * _vector("cv", p["cv"], labels, default=1.0)


#: Allocation weight w_h of each method (FIXED takes n_h as given and has no weight).
_WEIGHTS: dict[AllocationMethod, Callable[[NDArray[np.float64], Sequence[str], _Params], NDArray[np.float64]]] = {
    AllocationMethod.PROPORTIONAL: _measure,
    AllocationMethod.EQUAL: lambda big_n, labels, p: np.ones(big_n.size),
    AllocationMethod.NEYMAN: _neyman,
    AllocationMethod.OPTIMAL: _optimal,
    AllocationMethod.POWER: _power,
}


def allocate(
    n: int,
    population: ArrayLike,
    method: AllocationMethod = AllocationMethod.PROPORTIONAL,
    *,
    labels: Sequence[str] | None = None,
    sd: ArrayLike | dict | None = None,
    cost: ArrayLike | dict | None = None,
    measure: ArrayLike | dict | None = None,
    power: float = 0.5,
    cv: ArrayLike | dict | None = None,
    fixed: ArrayLike | dict | None = None,
    n_min: int | ArrayLike | dict = 0,
    n_max: int | ArrayLike | dict | None = None,
) -> AllocationResult:
    """Share ``n`` among strata with population sizes ``population`` (N_h).

    ``sd`` (S_h) is needed by Neyman and optimal allocation, ``cost`` (c_h) by optimal;
    ``measure`` (X_h, default N_h) and ``power`` (q) and ``cv`` (default 1) by power
    allocation; ``fixed`` gives n_h directly.  Values may be sequences in stratum order or
    mappings from stratum label.  Every n_h lies in [n_min, min(n_max, N_h)] and the n_h sum to n.
    """
    big_n = np.asarray(population, dtype=np.float64)
    labels = tuple(str(x) for x in (labels if labels is not None else range(big_n.size)))
    if isinstance(n, bool) or int(n) != n or n < 0:
        fail(SamplingErrorCode.INVALID_SAMPLE_SIZE,
             f"n = {n!r} is not a non-negative whole number; give the total sample size.")
    n = int(n)
    empty = np.flatnonzero(big_n <= 0)
    if empty.size:
        fail(SamplingErrorCode.EMPTY_STRATUM,
             f"stratum '{labels[empty[0]]}' has no units in the frame; remove it or add units.")
    lo = _bound("n_min", n_min, labels)
    hi = big_n if n_max is None else np.minimum(_bound("n_max", n_max, labels), big_n)
    bad = np.flatnonzero(lo > hi)
    if bad.size:
        h = bad[0]
        fail(SamplingErrorCode.STRATUM_TOO_SMALL,
             f"stratum '{labels[h]}': minimum n_h = {lo[h]:g} exceeds the {hi[h]:g} units "
             "available (N_h or n_max); lower n_min for it or merge it with another stratum.")
    if n > hi.sum():
        fail(SamplingErrorCode.SAMPLE_TOO_LARGE,
             f"n = {n} is larger than the {hi.sum():g} units the strata can supply; "
             "lower n or raise n_max.")
    if n < lo.sum():
        fail(SamplingErrorCode.INFEASIBLE_ALLOCATION,
             f"n = {n} is smaller than the sum of the stratum minimums ({lo.sum():g}); "
             "raise n or lower n_min.")

    if method is AllocationMethod.FIXED:
        given = _vector("fixed", fixed, labels)
        over = np.flatnonzero(given > big_n)
        if over.size:
            h = over[0]
            fail(SamplingErrorCode.STRATUM_TOO_SMALL,
                 f"stratum '{labels[h]}': n_h = {given[h]:g} but the stratum has only "
                 f"{big_n[h]:g} units; lower n_h.")
        if given.sum() != n or (given != np.round(given)).any():
            fail(SamplingErrorCode.INFEASIBLE_ALLOCATION,
                 f"fixed allocation gives whole numbers summing to {given.sum():g}, "
                 f"but n = {n}; make them whole and sum to n.")
        return AllocationResult(labels, given.astype(np.int64), given, method)
    w = _WEIGHTS[method](big_n, labels, dict(measure=measure, sd=sd, cost=cost, power=power, cv=cv))
    if w.sum() <= 0 and n > lo.sum():
        fail(SamplingErrorCode.INFEASIBLE_ALLOCATION,
             f"every stratum has weight 0 under {method.value} allocation (all S_h = 0?); "
             "use proportional or equal allocation.")
    exact = _bounded_shares(n, w, lo, hi)
    return AllocationResult(labels, round_preserving_total(exact, n), exact, method)
