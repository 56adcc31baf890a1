"""Selection algorithms, vectorised over units and over replicate draws.

Every function takes a numpy ``Generator`` and ``reps`` (how many independent samples to draw
at once) and returns a ``(reps, N)`` array: booleans (selected or not) or, for sampling with
replacement, the number of hits.  ``reps=1`` is an ordinary draw; large ``reps`` is what the
Monte Carlo checks of inclusion probabilities use.  Units are taken in the order given: sort
the frame first for implicit stratification.  Groups (strata, PSUs) are integer codes 0..H-1.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from survey_engine.sampling.codes import SamplingErrorCode, fail

__all__ = [
    "EPS",
    "srs_mask",
    "systematic_mask",
    "brewer_mask",
    "sampford_mask",
    "ppswr_counts",
    "poisson_mask",
]

#: Probabilities within EPS of 0 or 1 are treated as 0 or 1 (R's ``UP*`` functions use 1e-6).
EPS = 1e-6

BoolMatrix = NDArray[np.bool_]


def _groups(groups: NDArray[np.intp] | None, size: int) -> NDArray[np.intp]:
    return np.zeros(size, dtype=np.intp) if groups is None else np.asarray(groups, dtype=np.intp)


def srs_mask(
    n: NDArray[np.int64], groups: NDArray[np.intp] | None, size: int,
    rng: np.random.Generator, reps: int = 1,
) -> BoolMatrix:
    """Simple random sampling without replacement of ``n[h]`` units inside each group.

    Each unit gets a uniform random key; the ``n[h]`` smallest keys of a group are taken, so
    every subset of size ``n[h]`` is equally likely (Tillé 2006, §4.4, sorting method).
    """
    g = _groups(groups, size)
    nh = np.asarray(n, dtype=np.int64)
    counts = np.bincount(g, minlength=nh.size)
    start = np.concatenate(([0], np.cumsum(counts)[:-1]))
    # Integer group code + key in [0, 1) sorts by group first, by random key inside a group.
    keys = rng.random((reps, size)) + g[None, :]
    order = np.argsort(keys, axis=1, kind="stable")
    sorted_groups = g[order]
    rank = np.arange(size)[None, :] - start[sorted_groups]
    mask = np.zeros((reps, size), dtype=bool)
    np.put_along_axis(mask, order, rank < nh[sorted_groups], axis=1)
    return mask


def systematic_mask(
    pik: NDArray[np.float64], groups: NDArray[np.intp] | None,
    rng: np.random.Generator, reps: int = 1,
) -> BoolMatrix:
    """Systematic sampling with unequal probabilities inside each group, in the given order.

    One random start u ~ U(0, 1) per group; unit k is selected when the cumulated
    probabilities cross an integer between k-1 and k: floor(C_k - u) > floor(C_{k-1} - u)
    (Madow 1949; Tillé 2006, Algorithm 7.1; R ``sampling::UPsystematic``).  Units with
    pik = 1 are always taken and do not take part in the cumulation.  With equal pik = n/N
    this is ordinary systematic sampling with the fractional interval N/n.  Groups must be
    contiguous (the frame sorted by group).  A single draw locates the n selection points
    u + j by binary search; many draws compare floors for the whole (reps × N) matrix.
    """
    p = np.asarray(pik, dtype=np.float64)
    g = _groups(groups, p.size)
    n_groups = int(g[-1]) + 1 if g.size else 0
    certain = p >= 1 - EPS
    live = np.where(certain | (p <= EPS), 0.0, p)
    # Cumulation with a leading 0, so the first (or an empty) group needs no special case.
    cum0 = np.empty(p.size + 1)
    cum0[0] = 0.0
    np.cumsum(live, out=cum0[1:])
    cum = cum0[1:]
    counts = np.bincount(g, minlength=n_groups)
    ends = np.cumsum(counts)
    before = cum0[ends - counts]  # running total reached before each group starts
    u = rng.random((reps, n_groups))
    if reps == 1:
        mask = _systematic_points(cum0, before, ends, u[0])
    else:
        upper = cum[None, :] - (before[None, :] + u)[:, g]
        lower = upper - live[None, :]
        np.floor(upper, out=upper)
        np.floor(lower, out=lower)
        mask = upper > lower
    mask |= certain[None, :]
    return mask


def _systematic_points(cum0: NDArray[np.float64], before: NDArray[np.float64],
                       ends: NDArray[np.int64], u: NDArray[np.float64]) -> BoolMatrix:
    """Unit k holds point before_h + u_h + j (j = 0..m_h-1) when C_{k-1} < point <= C_k.

    ``cum0`` is the cumulation with a leading 0 (so C_k is ``cum0[k + 1]``).
    """
    cum = cum0[1:]
    group_total = cum0[ends] - before
    m = np.rint(group_total).astype(np.int64)
    first = np.cumsum(m) - m
    j = np.arange(int(m.sum())) - np.repeat(first, m)
    points = np.repeat(before + u, m) + j
    hit = np.searchsorted(cum, points, side="left")
    # Rounding in a long cumulation must not push a point into the next group.
    hit = np.minimum(hit, np.repeat(ends - 1, m))
    mask = np.zeros((1, cum.size), dtype=bool)
    mask[0, hit] = True
    return mask


def brewer_mask(pik: NDArray[np.float64], rng: np.random.Generator, reps: int = 1) -> BoolMatrix:
    """Brewer's draw-by-draw method without replacement; inclusion probabilities exactly pik.

    At draw i of n the unit k not yet taken is chosen with probability proportional to
    pi_k (n - a - pi_k) / (n - a - pi_k (n - i + 1)), a = sum of pi over units taken
    (Brewer 1975; Tillé 2006, Algorithm 6.10; R ``sampling::UPbrewer``).  The loop runs over
    the n draws, each vectorised over units and replicates.
    """
    p = np.asarray(pik, dtype=np.float64)
    mask = np.zeros((reps, p.size), dtype=bool)
    live = (p > EPS) & (p < 1 - EPS)
    mask[:, p >= 1 - EPS] = True
    pb = p[live]
    n = int(round(pb.sum()))
    if n == 0:
        return mask
    sb = np.zeros((reps, pb.size))
    rows = np.arange(reps)
    for i in range(1, n + 1):
        a = (sb * pb).sum(axis=1, keepdims=True)
        w = (1 - sb) * pb * ((n - a) - pb) / ((n - a) - pb * (n - i + 1))
        cum = np.cumsum(w, axis=1)
        u = rng.random((reps, 1)) * cum[:, -1:]
        j = np.minimum((cum <= u).sum(axis=1), pb.size - 1)
        sb[rows, j] = 1.0
    mask[:, live] = sb.astype(bool)
    return mask


def sampford_mask(
    pik: NDArray[np.float64], rng: np.random.Generator, reps: int = 1,
    max_batches: int = 10_000,
) -> BoolMatrix:
    """Sampford's rejective method; inclusion probabilities exactly pik.

    Draw one unit with probabilities pi_k / n and n - 1 more with replacement with
    probabilities proportional to pi_k / (1 - pi_k); accept when all n are distinct, else
    start again (Sampford 1967; Tillé 2006, Algorithm 7.5; R ``sampling::UPsampford``).
    Rejected replicates are redrawn together, vectorised.
    """
    p = np.asarray(pik, dtype=np.float64)
    mask = np.zeros((reps, p.size), dtype=bool)
    live_idx = np.flatnonzero((p > EPS) & (p < 1 - EPS))
    mask[:, p >= 1 - EPS] = True
    pb = p[live_idx]
    n = int(round(pb.sum()))
    if n == 0:
        return mask
    first_p = pb / pb.sum()
    odds = pb / (1 - pb)
    rest_p = odds / odds.sum()
    todo = np.arange(reps)
    for _ in range(max_batches):
        m = todo.size
        first = rng.choice(pb.size, size=(m, 1), p=first_p)
        rest = rng.choice(pb.size, size=(m, n - 1), p=rest_p)
        draws = np.sort(np.concatenate([first, rest], axis=1), axis=1)
        ok = (np.diff(draws, axis=1) != 0).all(axis=1)
        accepted = todo[ok]
        sub = np.zeros((accepted.size, pb.size), dtype=bool)
        np.put_along_axis(sub, draws[ok], True, axis=1)
        mask[np.ix_(accepted, live_idx)] = sub
        todo = todo[~ok]
        if todo.size == 0:
            return mask
    fail(SamplingErrorCode.REJECTION_LIMIT,
         f"Sampford's method rejected {max_batches} batches of draws (n = {n} is large for "
         f"these probabilities); use method 'brewer' or 'systematic' instead.")


def ppswr_counts(
    sizes: NDArray[np.float64], n: int, rng: np.random.Generator, reps: int = 1
) -> NDArray[np.int64]:
    """PPS with replacement: n independent draws with p_k = x_k / sum(x); returns hit counts.

    Hansen & Hurwitz (1943); Cochran 1977, §9A.2.  Expected hits of unit k are n p_k.
    """
    p = np.asarray(sizes, dtype=np.float64)
    return rng.multinomial(n, p / p.sum(), size=reps)


def poisson_mask(pik: NDArray[np.float64], rng: np.random.Generator, reps: int = 1) -> BoolMatrix:
    """Poisson sampling: each unit taken independently with its own probability (Hájek 1964).

    The sample size is random with expectation sum(pik) (Särndal et al. 1992, §3.5).
    """
    p = np.asarray(pik, dtype=np.float64)
    return rng.random((reps, p.size)) < p[None, :]
