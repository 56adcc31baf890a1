"""Taylor-linearisation variance for stratified multistage designs.

Given weighted linearised values z_i (weight × influence, R's ``x`` in ``svyrecvar``), the
variance of the estimator is that of the estimated total of z:

stage 1 (Cochran 1977, eq. 11.30; with-replacement approximation when no fpc):
    V₁ = Σ_h (1 − f_h) · n_h/(n_h − 1) · Σ_c (z_hc − z̄_h)²,
    z_hc = PSU totals, z̄_h their mean over the n_h sampled PSUs of stratum h;
later stages when an fpc is given for every stage (Särndal et al. 1992, Result 4.3.1;
R's ``multistage``): within each stage-(s−1) cluster the same formula is applied to the
stage-s cluster totals, multiplied by the product of the sampling fractions n/N of all
ancestor stages.

Lonely PSUs (a stratum with one sampled PSU) follow R's ``survey.lonely.psu`` options:
``remove``/``certainty`` contribute 0, ``adjust`` centres the PSU total at 0 (the grand
mean of z) instead of the stratum mean, ``average`` drops the stratum and rescales the sum
of the others by #strata/#ok strata.  A stratum whose fpc makes it a census (f < 1e−7)
contributes 0.  All group sums use ``np.bincount`` on codes cached in the design.
"""

from __future__ import annotations

from enum import Enum

import numpy as np

from survey_engine.analysis._structure import Stage, Structure
from survey_engine.analysis.codes import DesignErrorCode
from survey_engine.errors import DesignError

__all__ = ["LonelyPSU", "cluster_totals", "multistage_variance", "check_lonely"]


class LonelyPSU(Enum):
    """What to do with a stratum holding one sampled PSU (R's ``survey.lonely.psu``)."""

    FAIL = "fail"
    REMOVE = "remove"
    CERTAINTY = "certainty"
    ADJUST = "adjust"
    AVERAGE = "average"


def _group_sum(codes: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Column-wise sums of ``values`` (m×p) by ``codes`` into a size×p array."""
    if values.ndim == 1:
        return np.bincount(codes, weights=values, minlength=size)
    out = np.empty((size, values.shape[1]))
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(codes, weights=values[:, j], minlength=size)
    return out


def cluster_totals(structure: Structure, z: np.ndarray) -> np.ndarray:
    """Totals of the row values ``z`` (n or n×p) at the deepest stage used for variance."""
    stage = structure.variance_stages[-1]
    return _group_sum(stage.cluster, z, stage.n_clusters)


def _lonely_strata(stage: Stage) -> np.ndarray:
    """Boolean per stratum: one sampled PSU and not a census stratum."""
    single = stage.npsu == 1
    kept = stage.fraction_kept
    if kept is not None:
        census = np.zeros(stage.n_strata, dtype=bool)
        census[stage.cluster_stratum] = kept < 1e-7
        single &= ~census
    return single


def check_lonely(structure: Structure, lonely: LonelyPSU) -> None:
    """Raise :class:`DesignError` for lonely PSUs when the policy is ``FAIL`` (as R does)."""
    if lonely is not LonelyPSU.FAIL:
        return
    for s, stage in enumerate(structure.variance_stages):
        bad = np.flatnonzero(_lonely_strata(stage))
        if bad.size:
            rows = int(np.isin(stage.cluster_stratum[stage.cluster], bad).sum())
            shown = ", ".join(stage.stratum_labels[bad[:5]].tolist())
            raise DesignError(
                f"strata at stage {s + 1}: {bad.size} stratum/strata ({rows} rows) have a single "
                f"sampled PSU (first: {shown}); choose lonely_psu=LonelyPSU.ADJUST, AVERAGE, "
                "REMOVE or CERTAINTY, or merge strata.",
                DesignErrorCode.LONELY_PSU,
            )


def _stage_variance(
    stage: Stage, totals: np.ndarray, lonely: LonelyPSU, multiplier: np.ndarray, full: bool,
    present: np.ndarray | None = None,
) -> np.ndarray:
    """One stage: Σ over strata of scaled squared deviations of cluster totals.

    ``multiplier`` is per stratum (product of ancestor sampling fractions); returns p or p×p.
    ``present`` (strata × columns, bool) marks strata with rows in each column's domain: with
    ``average`` only those count, as R counts the strata left in a subset design.
    """
    h = stage.cluster_stratum
    npsu = stage.npsu.astype(float)
    kept = stage.fraction_kept
    f = np.ones(stage.n_clusters) if kept is None else kept
    n_c = npsu[h]
    scale = np.where(n_c > 1, f * n_c / np.maximum(n_c - 1, 1), f)
    census = np.zeros(stage.n_strata, dtype=bool)
    if kept is not None:
        # R: a stratum is skipped when all(f < 1e-7); f is constant within a stratum
        np.logical_or.at(census, h, kept < 1e-7)
    means = _group_sum(h, totals, stage.n_strata) / npsu.reshape((-1,) + (1,) * (totals.ndim - 1))
    centred = totals - means[h]
    single = (stage.npsu == 1) & ~census
    if lonely is LonelyPSU.ADJUST and single.any():
        lone = single[h]
        centred[lone] = totals[lone]
    weight = scale * multiplier[h]
    weight[census[h]] = 0.0
    if lonely is LonelyPSU.AVERAGE and single.any():
        weight[single[h]] = 0.0
        parent = np.zeros(stage.n_strata, dtype=np.int64) if stage.stratum_parent is None else stage.stratum_parent
        size = int(parent.max()) + 1
        p = 1 if totals.ndim == 1 else totals.shape[1]
        shown = np.ones((stage.n_strata, p), dtype=bool) if present is None else present.reshape(stage.n_strata, p)
        factor = np.empty((size, p))
        for j in range(p):
            n_all = np.bincount(parent, weights=shown[:, j].astype(float), minlength=size)
            n_ok = np.bincount(parent, weights=(shown[:, j] & ~single).astype(float), minlength=size)
            with np.errstate(divide="ignore", invalid="ignore"):
                factor[:, j] = n_all / n_ok
        per_cluster = factor[parent][h]
        if totals.ndim == 1:
            # a parent whose strata are all lonely gives 0 · ∞ = NaN, as R's NA
            with np.errstate(invalid="ignore"):
                weight = weight * per_cluster[:, 0]
        else:
            # per-column factors (each domain counts its own strata); exact on the diagonal
            with np.errstate(invalid="ignore"):
                centred = centred * np.sqrt(per_cluster)
    if full:
        m = centred.reshape(centred.shape[0], -1)
        return m.T @ (weight[:, None] * m)
    return np.einsum("c,c...->...", weight, centred * centred)


def multistage_variance(
    structure: Structure, totals: np.ndarray, lonely: LonelyPSU, full: bool = False,
    rows: tuple[np.ndarray, np.ndarray, int] | None = None,
) -> np.ndarray:
    """Variance (p, or p×p if ``full``) from totals at the deepest variance stage.

    ``totals`` comes from :func:`cluster_totals`; it is aggregated upwards stage by stage.
    ``rows`` = (included rows, domain code per row, number of domains) tells the ``average``
    lonely-PSU rule which strata each column's domain touches.
    """
    stages = structure.variance_stages
    per_stage_totals = [totals]
    for s in range(len(stages) - 1, 0, -1):
        stage = stages[s]
        assert stage.cluster_parent is not None
        per_stage_totals.insert(0, _group_sum(stage.cluster_parent, per_stage_totals[0], stages[s - 1].n_clusters))
    multiplier = np.ones(stages[0].n_strata)
    cluster_mult = None
    result = None
    for s, stage in enumerate(stages):
        if s > 0:
            assert stage.stratum_parent is not None and cluster_mult is not None
            multiplier = cluster_mult[stage.stratum_parent]
        present = None
        if lonely is LonelyPSU.AVERAGE and rows is not None:
            include, dcode, n_dom = rows
            row_stratum = stage.cluster_stratum[stage.cluster]
            present = np.bincount(row_stratum * n_dom + dcode, weights=include.astype(float),
                                  minlength=stage.n_strata * n_dom).reshape(stage.n_strata, n_dom) > 0
        v = _stage_variance(stage, per_stage_totals[s], lonely, multiplier, full, present)
        result = v if result is None else result + v
        if s + 1 < len(stages):
            assert stage.popsize is not None
            sampled = stage.npsu[stage.cluster_stratum].astype(float)
            own = np.where(np.isinf(stage.popsize), 0.0, sampled / stage.popsize)
            cluster_mult = own * multiplier[stage.cluster_stratum]
    assert result is not None
    return result
