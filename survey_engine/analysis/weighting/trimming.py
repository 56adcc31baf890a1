"""Weight trimming: cap extreme weights and give the excess to the other units.

As R's ``trimWeights`` (survey 4.1; Potter 1990; Kish 1992): weights outside ``[lower, upper]``
are set to the bound and the amount trimmed is shared among the untrimmed units, so the total
weight is preserved.  R shares it equally (each untrimmed unit gets the same amount); the
proportional variant multiplies the untrimmed weights by a common factor instead.  Sharing
can push other weights past a bound, so by default the step is repeated until no weight lies
outside (R's ``strict=TRUE``).  Bounds may be absolute or multiples of the median weight.
Zero weights (units carrying no weight, e.g. outside every post-stratum) are left alone.
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from survey_engine.analysis.weighting.codes import WeightingErrorCode
from survey_engine.analysis.weighting.convergence import Convergence
from survey_engine.errors import WeightingError

__all__ = ["TrimScale", "TrimRedistribution", "trim_bounds", "trim_weights"]


class TrimScale(Enum):
    """How ``lower``/``upper`` are read: as weights, or as multiples of the median weight."""

    ABSOLUTE = "absolute"
    MEDIAN = "median"


class TrimRedistribution(Enum):
    """How the trimmed amount is shared among the untrimmed units."""

    EQUAL = "equal"
    PROPORTIONAL = "proportional"


def trim_bounds(weights: np.ndarray, lower: float | None, upper: float | None,
                scale: TrimScale | str = TrimScale.ABSOLUTE) -> tuple[float, float]:
    """Absolute bounds; with ``TrimScale.MEDIAN`` the median of the positive weights scales them."""
    scale = TrimScale(scale)
    lo = -np.inf if lower is None else float(lower)
    hi = np.inf if upper is None else float(upper)
    if lower is None and upper is None:
        raise WeightingError("trim: give lower=, upper= or both", WeightingErrorCode.BAD_OPTION)
    if not lo < hi or np.isnan(lo) or np.isnan(hi):
        raise WeightingError(f"trim: lower bound {lo:g} must be below upper bound {hi:g}",
                             WeightingErrorCode.BAD_OPTION)
    if scale is TrimScale.MEDIAN:
        w = np.asarray(weights, dtype=float)
        positive = w[w > 0]
        if positive.size == 0:
            raise WeightingError("trim: no positive weight to take the median of",
                                 WeightingErrorCode.BAD_WEIGHTS)
        median = float(np.median(positive))
        lo, hi = lo * median, hi * median
    return lo, hi


def trim_weights(weights: np.ndarray, lower: float = -np.inf, upper: float = np.inf, *,
                 strict: bool = True,
                 redistribute: TrimRedistribution | str = TrimRedistribution.EQUAL,
                 max_iter: int = 1000, where: str = "trim") -> tuple[np.ndarray, Convergence]:
    """Trim positive ``weights`` into ``[lower, upper]``, sharing the excess; see module doc.

    Raises ``INFEASIBLE`` when the total cannot fit, i.e. when ``upper × m`` is below the total
    (or ``lower × m`` above it) for the ``m`` positive weights.
    """
    redistribute = TrimRedistribution(redistribute)
    w = np.asarray(weights, dtype=float).copy()
    active = w > 0
    total = float(w[active].sum())
    count = int(active.sum())
    if count and (upper * count < total * (1 - 1e-12) or lower * count > total * (1 + 1e-12)):
        raise WeightingError(
            f"{where}: the {count} positive weights sum to {total:.10g}, which bounds "
            f"[{lower:g}, {upper:g}] cannot hold (they allow {lower * count:.10g} to "
            f"{upper * count:.10g}); widen the bounds", WeightingErrorCode.INFEASIBLE)
    # Overshoots below this are rounding left by the geometric tail of the repeated passes.
    slack_lo = 1e-12 * max(1.0, abs(lower)) if np.isfinite(lower) else 0.0
    slack_hi = 1e-12 * max(1.0, abs(upper)) if np.isfinite(upper) else 0.0
    iterations = 0
    while iterations < max_iter and (strict or iterations == 0):
        outside = active & ((w < lower - slack_lo) | (w > upper + slack_hi))
        if not outside.any():
            break
        iterations += 1
        receivers = active & ~outside
        # Every weight outside (possible with both bounds): all share, the next pass re-trims.
        _share(w, outside, receivers if receivers.any() else active, lower, upper, redistribute)
    worst = float(np.max(np.maximum(w[active] - upper, lower - w[active]), initial=0.0))
    converged = worst <= max(slack_lo, slack_hi) or not strict
    if converged and strict:
        # Settle the last rounding: exact bounds, remainder to units clear of both bounds.
        over = active & ((w < lower) | (w > upper))
        free = active & (w > lower + slack_lo) & (w < upper - slack_hi)
        if over.any() and free.any():
            _share(w, over, free, lower, upper, redistribute)
        worst = 0.0
    return w, Convergence("trimming", iterations, converged, worst, max(slack_lo, slack_hi))


def _share(w: np.ndarray, outside: np.ndarray, receivers: np.ndarray, lower: float, upper: float,
           redistribute: TrimRedistribution) -> None:
    """Clip ``outside`` to the bounds and give the amount removed to ``receivers`` (in place)."""
    clipped = np.clip(w[outside], lower, upper)
    excess = float(np.sum(w[outside] - clipped))
    w[outside] = clipped
    if not receivers.any():
        return
    if redistribute is TrimRedistribution.EQUAL:
        w[receivers] += excess / receivers.sum()
    else:
        w[receivers] *= 1.0 + excess / float(w[receivers].sum())
