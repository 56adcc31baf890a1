"""Drawing samples from a frame under a :class:`SampleDesign`, reproducibly from a seed.

Everything is computed for whole columns: strata and PSUs are integer codes, inclusion
probabilities come from grouped ``bincount`` passes, and the selection functions of
:mod:`survey_engine.sampling.algorithms` draw ``reps`` samples at once.  ``draw_sample``
uses one replicate; :func:`simulate_inclusion` uses many to check a design by Monte Carlo.

Base weights are 1 / pi (Horvitz & Thompson 1952); for PPS with replacement the weight of a
unit is hits / (n p) so that the weighted total is the Hansen–Hurwitz estimator (Cochran 1977,
§9A.2).  In multi-stage designs pi = pi_1 (PSU) × pi_2 (unit within PSU) (Lohr 2010, §6.2).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from survey_engine.sampling import algorithms as alg
from survey_engine.sampling.allocation import allocate
from survey_engine.sampling.codes import SamplingErrorCode, fail
from survey_engine.sampling.designs import AllocationSpec, Method, SampleDesign
from survey_engine.sampling.frame import Frame
from survey_engine.sampling.pik import grouped_inclusion_probabilities

__all__ = ["Sample", "Simulation", "draw_sample", "simulate_inclusion", "check_seed"]


def check_seed(seed: Any) -> int:
    """Return ``seed`` as an int, or fail: samples are reproducible only from integer seeds."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or int(seed) < 0:
        fail(SamplingErrorCode.BAD_SEED,
             f"seed {seed!r} is not a non-negative integer; give a whole number such as 20261123.")
    return int(seed)


@dataclass(frozen=True, slots=True)
class _Stage:
    """Probabilities of one selection level, in the level's own (frame or PSU) order."""

    pik: NDArray[np.float64]
    p_draw: NDArray[np.float64] | None  # single-draw probabilities (PPS with replacement)
    n_h: NDArray[np.int64]
    labels: tuple[str, ...]
    order: NDArray[np.intp] | None  # level positions sorted by stratum and sort keys; None: as is
    groups: NDArray[np.intp]  # stratum code of each level position


def _factorize(values: pd.Series) -> tuple[NDArray[np.intp], tuple[str, ...]]:
    """Integer codes 0..H-1 in sorted label order, and the labels as text."""
    x = values.to_numpy()
    if x.dtype.kind in "iu" and x.size:
        # Small-range integer labels (the usual stratum codes): a lookup table beats hashing.
        low, high = int(x.min()), int(x.max())
        if high - low <= 4 * x.size:
            shifted = x.astype(np.intp)
            shifted -= low
            present = np.bincount(shifted, minlength=high - low + 1) > 0
            lookup = (np.cumsum(present) - 1).astype(np.intp)
            return lookup[shifted], tuple(str(v) for v in np.flatnonzero(present) + low)
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.intp), tuple(str(u) for u in uniques)


def _order(groups: NDArray[np.intp], keys: list[NDArray[Any]]) -> NDArray[np.intp] | None:
    """Positions sorted by stratum, then sort keys; None when the frame is already in order."""
    if not keys:
        if groups.size < 2 or bool((groups[1:] >= groups[:-1]).all()):
            return None
        return np.argsort(groups, kind="stable")
    return np.lexsort([*reversed(keys), groups])


def _take(values: NDArray[Any], order: NDArray[np.intp] | None) -> NDArray[Any]:
    return values if order is None else values[order]


def _check_stratum_keys(spec: AllocationSpec, labels: tuple[str, ...]) -> None:
    """Strata named in the allocation must exist in the frame (a typo would be silently ignored)."""
    known = set(labels)
    for key in ("sd", "cost", "cv", "fixed", "min", "max", "measure"):
        value = getattr(spec, key)
        if isinstance(value, dict):
            empty = sorted(str(h) for h in value if str(h) not in known)
            if empty:
                fail(SamplingErrorCode.EMPTY_STRATUM,
                     f"design.allocation.{key}: stratum '{empty[0]}' has no units in the frame "
                     f"(strata: {sorted(known)[:20]}); correct the label or drop it.")


def _stage(design: SampleDesign, frame: Frame, groups: NDArray[np.intp], labels: tuple[str, ...],
           sizes: NDArray[np.float64] | None, keys: list[NDArray[Any]], unit: str) -> _Stage:
    method = design.method
    big_n = np.bincount(groups, minlength=len(labels)).astype(np.float64)
    if design.stratified:
        spec = design.allocation
        _check_stratum_keys(spec, labels)
        if isinstance(spec.measure, str) and spec.measure not in ("units", "size"):
            fail(SamplingErrorCode.BAD_VALUE,
                 f"design.allocation.measure: '{spec.measure}' is not 'units', 'size' or a mapping.")
        if spec.measure == "size":
            if sizes is None:
                sizes = frame.sizes("allocation by size")
            measure: Any = np.bincount(groups, weights=sizes, minlength=len(labels))
        else:
            measure = None if spec.measure == "units" else spec.measure
        n_h = allocate(design.n, big_n, spec.method, labels=labels, sd=spec.sd, cost=spec.cost,
                       measure=measure, power=spec.power, cv=spec.cv, fixed=spec.fixed,
                       n_min=spec.min, n_max=spec.max).n
    else:
        n_h = np.array([design.n], dtype=np.int64)
        if design.n > big_n[0] and method is not Method.PPS_WR:
            fail(SamplingErrorCode.SAMPLE_TOO_LARGE,
                 f"design: n = {design.n} but the frame has only {int(big_n[0])} {unit}; "
                 "lower n or use a larger frame.")
    order = _order(groups, keys)
    g = _take(groups, order)
    if method.needs_size:
        x = _take(sizes, order)
        if method is Method.PPS_WR:
            total = np.bincount(g, weights=x, minlength=len(labels))
            p = x / total[g]
            pik = 1.0 - (1.0 - p) ** n_h[g]
            return _Stage(_unsort(pik, order), _unsort(p, order), n_h, labels, order, groups)
        pik = grouped_inclusion_probabilities(x, g, n_h)
    else:
        pik = (n_h / big_n)[g]
    return _Stage(_unsort(pik, order), None, n_h, labels, order, groups)


def _unsort(values: NDArray[Any], order: NDArray[np.intp] | None) -> NDArray[Any]:
    if order is None:
        return values
    out = np.empty_like(values)
    out[order] = values
    return out


@dataclass(frozen=True, slots=True)
class _Sorted:
    """One level in selection order: strata contiguous, sort keys applied inside strata."""

    pik: NDArray[np.float64]
    p_draw: NDArray[np.float64] | None
    groups: NDArray[np.intp]
    n_h: NDArray[np.int64]

    def strata(self) -> list[slice]:
        """Position range of every stratum (contiguous in selection order)."""
        bounds = np.concatenate(([0], np.cumsum(np.bincount(self.groups, minlength=self.n_h.size))))
        return [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]


Selector = Callable[[_Sorted, np.random.Generator, int], NDArray[Any]]


def _per_stratum(draw: Callable[[NDArray[np.float64], np.random.Generator, int], NDArray[np.bool_]]) -> Selector:
    """Run a one-population method stratum by stratum (a loop over strata, never over units)."""
    def select(s: _Sorted, rng: np.random.Generator, reps: int) -> NDArray[np.bool_]:
        out = np.zeros((reps, s.pik.size), dtype=bool)
        for part in s.strata():
            out[:, part] = draw(s.pik[part], rng, reps)
        return out
    return select


def _ppswr(s: _Sorted, rng: np.random.Generator, reps: int) -> NDArray[np.int64]:
    out = np.zeros((reps, s.pik.size), dtype=np.int64)
    for h, part in enumerate(s.strata()):
        out[:, part] = alg.ppswr_counts(s.p_draw[part], int(s.n_h[h]), rng, reps)
    return out


def _systematic(s: _Sorted, rng: np.random.Generator, reps: int) -> NDArray[np.bool_]:
    return alg.systematic_mask(s.pik, s.groups, rng, reps)


def _poisson(s: _Sorted, rng: np.random.Generator, reps: int) -> NDArray[np.bool_]:
    return alg.poisson_mask(s.pik, rng, reps)


#: How each method selects, given its level in selection order.
SELECTORS: dict[Method, Selector] = {
    Method.SRS: lambda s, rng, reps: alg.srs_mask(s.n_h, s.groups, s.pik.size, rng, reps),
    Method.SYSTEMATIC: _systematic,
    Method.PPS_SYSTEMATIC: _systematic,
    Method.PPS_BREWER: _per_stratum(alg.brewer_mask),
    Method.PPS_SAMPFORD: _per_stratum(alg.sampford_mask),
    Method.PPS_WR: _ppswr,
    Method.POISSON: _poisson,
    Method.PPS_POISSON: _poisson,
}


def _select(method: Method, stage: _Stage, rng: np.random.Generator, reps: int) -> NDArray[Any]:
    """Selection matrix (reps × level size) in the level's own order: bools, or hits for PPS WR."""
    order = stage.order
    p_draw = None if stage.p_draw is None else _take(stage.p_draw, order)
    sel = SELECTORS[method](_Sorted(_take(stage.pik, order), p_draw, _take(stage.groups, order),
                                    stage.n_h), rng, reps)
    if order is None:
        return sel
    out = np.empty_like(sel)
    out[:, order] = sel
    return out


@dataclass(frozen=True)
class _Plan:
    """Everything needed to draw: probabilities per stage and how to select."""

    design: SampleDesign
    stage1: _Stage
    psu: NDArray[np.intp] | None  # PSU code of each unit (multi-stage only)
    pik2: NDArray[np.float64] | None
    m_i: NDArray[np.int64] | None
    order2: NDArray[np.intp] | None

    @property
    def pik(self) -> NDArray[np.float64]:
        """Overall inclusion probability of each frame unit."""
        if self.psu is None:
            return self.stage1.pik
        return self.stage1.pik[self.psu] * self.pik2

    def weight_per_hit(self, rows: NDArray[np.intp] | slice = slice(None)) -> NDArray[np.float64]:
        """Base weight of one selection of each unit: 1/pi, or 1/(n_h p) with replacement."""
        if self.design.method is Method.PPS_WR:
            return 1.0 / (self.stage1.n_h[self.stage1.groups[rows]] * self.stage1.p_draw[rows])
        return 1.0 / self.pik_at(rows)

    def pik_at(self, rows: NDArray[np.intp] | slice) -> NDArray[np.float64]:
        """Overall inclusion probability of the units at ``rows``."""
        if self.psu is None:
            return self.stage1.pik[rows]
        return self.stage1.pik[self.psu[rows]] * self.pik2[rows]

    def select(self, rng: np.random.Generator, reps: int) -> NDArray[Any]:
        """Draw ``reps`` samples; returns hits (0/1, or counts with replacement) per unit."""
        first = _select(self.design.method, self.stage1, rng, reps)
        if self.psu is None:
            return first
        s2 = self.design.stage2
        if s2.method is Method.SRS:
            second = alg.srs_mask(self.m_i, self.psu, self.psu.size, rng, reps)
        else:
            second = np.empty((reps, self.psu.size), dtype=bool)
            second[:, self.order2] = alg.systematic_mask(self.pik2[self.order2], self.psu[self.order2], rng, reps)
        return first[:, self.psu] & second


def _sort_keys(frame: Frame, names: tuple[str, ...]) -> list[NDArray[Any]]:
    missing = [c for c in names if c not in frame.data.columns]
    if missing:
        fail(SamplingErrorCode.UNKNOWN_COLUMN,
             f"design.sort_by: column '{missing[0]}' is not in the frame; correct 'sort_by'.")
    return [pd.factorize(frame.data[c], sort=True)[0] for c in names]


def _plan(frame: Frame, design: SampleDesign) -> _Plan:
    data = frame.data
    if design.stratified:
        groups, labels = _factorize(data[frame.require("stratum", "stratified")])
    else:
        groups, labels = np.zeros(len(data), dtype=np.intp), ("all",)
    if design.stage2 is None:
        sizes = frame.sizes(design.method.value) if design.method.needs_size else None
        stage = _stage(design, frame, groups, labels, sizes, _sort_keys(frame, design.sort_by), "units")
        return _Plan(design, stage, None, None, None, None)
    if design.method in (Method.PPS_WR,):
        fail(SamplingErrorCode.BAD_VALUE,
             "design: PSUs drawn with replacement cannot be subsampled here; use "
             "'pps_systematic', 'pps_brewer' or 'pps_sampford' for the first stage.")
    psu, psu_labels = _factorize(data[frame.require("cluster", "multi-stage")])
    n_psu = len(psu_labels)
    first = np.unique(psu, return_index=True)[1]  # first unit of every PSU
    psu_group = groups[first]
    mixed = np.flatnonzero(psu_group[psu] != groups)
    if mixed.size:
        i = int(mixed[0])
        fail(SamplingErrorCode.BAD_VALUE,
             f"{frame.where(i)}: PSU '{psu_labels[psu[i]]}' lies in more than one stratum; "
             "PSUs must be nested in strata — give each PSU a single stratum.")
    m_units = np.bincount(psu, minlength=n_psu)
    psu_sizes = None
    if design.method.needs_size or (design.stratified and design.allocation.measure == "size"):
        psu_sizes = (np.bincount(psu, weights=frame.sizes(design.method.value), minlength=n_psu)
                     if frame.columns.size else m_units.astype(np.float64))
    # PSUs are ordered by the sort keys of their first unit, then by PSU label.
    psu_keys = [key[first] for key in _sort_keys(frame, design.sort_by)] + [np.arange(n_psu)]
    stage = _stage(design, frame, psu_group, labels, psu_sizes, psu_keys, "PSUs")
    m_i = np.minimum(design.stage2.m, m_units)
    pik2 = (m_i / m_units)[psu]
    order2 = np.lexsort([*reversed(_sort_keys(frame, design.stage2.sort_by)), psu])
    return _Plan(design, stage, psu, pik2, m_i, order2)


@dataclass(frozen=True)
class Sample:
    """A drawn sample: one row per selected unit, with probabilities and base weights.

    ``units`` holds the id, design variables, ``pik_1`` (and ``pik_2`` for multi-stage),
    ``pik`` (overall) and ``weight``; ``hits`` and ``p_draw`` for PPS with replacement.
    ``design``, ``seed`` and ``frame_hash`` make the draw reproducible and traceable.
    """

    units: pd.DataFrame = field(repr=False)
    design: SampleDesign
    seed: int
    frame_hash: str
    allocation: dict[str, int]

    def metadata(self) -> dict[str, Any]:
        """Design, seed, frame fingerprint and allocation, ready to be written as JSON."""
        return {"design": self.design.to_dict(), "seed": self.seed, "frame_hash": self.frame_hash,
                "allocation": self.allocation, "n_selected": int(len(self.units)),
                "generator": f"numpy.random.default_rng (numpy {np.__version__})"}


def draw_sample(frame: Frame, design: SampleDesign, seed: int, *,
                include_contact: bool = False) -> Sample:
    """Draw one sample from ``frame`` with ``numpy.random.default_rng(seed)``.

    The output keeps ids and design variables; contact columns are added only when
    ``include_contact`` is true (they must never reach an analysis dataset unasked).
    """
    rng = np.random.default_rng(check_seed(seed))
    plan = _plan(frame, design)
    hits = plan.select(rng, 1)[0]
    rows = np.flatnonzero(hits)
    cols = list(frame.columns.design_columns())
    if include_contact:
        cols += [c for c in frame.columns.contact if c not in cols]
    units = frame.data.iloc[rows][cols].reset_index(drop=True)
    if plan.psu is not None:
        units["pik_1"] = plan.stage1.pik[plan.psu[rows]]
        units["pik_2"] = plan.pik2[rows]
    else:
        units["pik_1"] = plan.stage1.pik[rows]
    units["pik"] = plan.pik_at(rows)
    units["weight"] = plan.weight_per_hit(rows) * hits[rows]
    if design.method is Method.PPS_WR:
        units["hits"] = hits[rows]
        units["p_draw"] = plan.stage1.p_draw[rows]
    alloc = dict(zip(plan.stage1.labels, map(int, plan.stage1.n_h)))
    return Sample(units, design, int(seed), frame.hash, alloc)


@dataclass(frozen=True)
class Simulation:
    """Many independent draws of one design: hits per replicate and unit, with the stated pik."""

    hits: NDArray[Any] = field(repr=False)  # reps × N, frame order
    pik: NDArray[np.float64]
    weight_per_hit: NDArray[np.float64]

    @property
    def frequency(self) -> NDArray[np.float64]:
        """Share of replicates in which each unit was selected at least once."""
        return (self.hits > 0).mean(axis=0)

    def z_scores(self) -> NDArray[np.float64]:
        """(frequency − pik) / binomial standard error; pik of 0 or 1 must match exactly."""
        reps = self.hits.shape[0]
        se = np.sqrt(self.pik * (1 - self.pik) / reps)
        diff = self.frequency - self.pik
        return np.divide(diff, se, out=np.where(diff == 0, 0.0, np.inf), where=se > 0)

    def totals(self, y: NDArray[np.float64]) -> NDArray[np.float64]:
        """Horvitz–Thompson (or Hansen–Hurwitz) estimate of sum(y) in every replicate."""
        return self.hits @ (self.weight_per_hit * np.asarray(y, dtype=np.float64))


def simulate_inclusion(frame: Frame, design: SampleDesign, seed: int, reps: int) -> Simulation:
    """Draw ``reps`` samples at once (vectorised) to check inclusion probabilities by Monte Carlo."""
    rng = np.random.default_rng(check_seed(seed))
    plan = _plan(frame, design)
    return Simulation(plan.select(rng, reps), plan.pik, plan.weight_per_hit())
