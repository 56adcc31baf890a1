"""Inclusion probabilities proportional to size, iteratively capped at 1.

With a size measure x_k and sample size n, pi_k = n x_k / sum(x).  Units whose pi_k reach 1
are certainty units: they are set to 1 and the remaining n - (number of certainty units) is
spread again over the others in proportion to size, until no new unit reaches 1
(Tillé 2006, *Sampling Algorithms*, §2.10, Algorithm 2.1; R ``sampling::inclusionprobabilities``,
whose results this module reproduces).
"""

from __future__ import annotations

from enum import Enum

import numpy as np
from numpy.typing import ArrayLike, NDArray

from survey_engine.sampling.codes import SamplingErrorCode, fail

__all__ = ["ZeroSizes", "inclusion_probabilities", "grouped_inclusion_probabilities"]


class ZeroSizes(Enum):
    """What to do with units whose size measure is zero."""

    ERROR = "error"  #: refuse the input and name the units
    EXCLUDE = "exclude"  #: give them probability 0, as R's inclusionprobabilities does


def _check_sizes(a: NDArray[np.float64], zero_sizes: ZeroSizes) -> None:
    # Fast path: two reductions, no temporaries (NaN makes the minimum NaN, so it fails here).
    if a.size and a.min() > 0 and a.max() < np.inf:
        return
    bad = ~np.isfinite(a) | (a < 0)
    if bad.any():
        rows = np.flatnonzero(bad)[:10].tolist()
        fail(SamplingErrorCode.NONPOSITIVE_SIZE,
             f"size measures at positions {rows} are missing, negative or infinite; "
             "give every unit a finite positive size.")
    if zero_sizes is ZeroSizes.ERROR and (a == 0).any():
        rows = np.flatnonzero(a == 0)[:10].tolist()
        fail(SamplingErrorCode.NONPOSITIVE_SIZE,
             f"size measures at positions {rows} are zero; give them a positive size or "
             "pass zero_sizes=ZeroSizes.EXCLUDE to give them probability 0.")


def grouped_inclusion_probabilities(
    sizes: ArrayLike,
    groups: ArrayLike,
    n: ArrayLike,
    *,
    zero_sizes: ZeroSizes = ZeroSizes.ERROR,
) -> NDArray[np.float64]:
    """Capped PPS inclusion probabilities computed separately inside each group (stratum).

    ``groups`` holds integer codes 0..H-1, ``n`` the sample size of each group.  All groups
    are capped at once: every pass is a handful of ``bincount`` calls over the whole frame,
    and the number of passes is at most the largest number of certainty units in a group.
    """
    a = np.asarray(sizes, dtype=np.float64)
    g = np.asarray(groups, dtype=np.intp)
    nh = np.asarray(n, dtype=np.float64)
    _check_sizes(a, zero_sizes)
    positive = np.bincount(g, minlength=nh.size)
    if zero_sizes is ZeroSizes.EXCLUDE:
        positive = positive - np.bincount(g[a == 0], minlength=nh.size)
    too_big = np.flatnonzero(nh > positive)
    if too_big.size:
        h = int(too_big[0])
        fail(SamplingErrorCode.SAMPLE_TOO_LARGE,
             f"group {h}: n = {nh[h]:g} but only {int(positive[h])} units have a positive size; "
             "lower n or add units.")
    capped = np.zeros(a.size, dtype=bool)
    free = a
    while True:
        free_sum = np.bincount(g, weights=free, minlength=nh.size)
        remaining = nh - np.bincount(g[capped], minlength=nh.size)
        scale = np.divide(remaining, free_sum, out=np.zeros_like(remaining), where=free_sum > 0)
        pik = scale[g]
        pik *= free
        if free is not a:
            pik[capped] = 1.0
        new = pik >= 1.0
        if np.array_equal(new, capped):
            return pik
        capped = new
        free = np.where(capped, 0.0, a)


def inclusion_probabilities(
    sizes: ArrayLike, n: int, *, zero_sizes: ZeroSizes = ZeroSizes.ERROR
) -> NDArray[np.float64]:
    """Inclusion probabilities proportional to ``sizes`` for a sample of ``n``, capped at 1.

    Agrees with R ``sampling::inclusionprobabilities(sizes, n)`` (Tillé 2006, Algorithm 2.1).
    The result sums to ``n``; units with probability 1 are certainty units.
    """
    if isinstance(n, bool) or int(n) != n or n < 0:
        fail(SamplingErrorCode.INVALID_SAMPLE_SIZE,
             f"n = {n!r} is not a non-negative whole number; give the sample size as an integer.")
    a = np.asarray(sizes, dtype=np.float64).ravel()
    if a.size == 0:
        fail(SamplingErrorCode.EMPTY_FRAME, "no size measures were given; pass one per unit.")
    return grouped_inclusion_probabilities(a, np.zeros(a.size, dtype=np.intp), [int(n)],
                                           zero_sizes=zero_sizes)
