"""Build replicate weights from a Taylor design (R's ``as.svrepdesign``).

Multipliers are built per PSU (K×R) and applied as weight × multiplier[psu]:

* JK1 (unstratified; Wolter 2007, §4.2): replicate r drops PSU r, others × n/(n−1);
  scale = (1 − f)(n−1)/n with f = n/N from the first-stage fpc, rscales = 1.
* JKn (stratified; Wolter 2007, §4.5): one replicate per PSU, the other PSUs of its stratum
  × n_h/(n_h−1); rscales = (1 − f_h)(n_h−1)/n_h; census strata (f_h = 1) give no replicate.
  Lonely PSUs as in R's ``jknweights`` (``adjust``: a replicate zeroing the stratum, others
  × H/(H−1), rscale (H−1)/H; ``average``: scale × #PSU/#replicates; ``remove``/``certainty``:
  skipped; ``fail``: error).
* BRR and Fay (McCarthy 1969; Judkins 1990): strata of exactly two PSUs; replicate r uses
  column r of a Hadamard matrix to pick the half-sample; multipliers 2−ρ and ρ (ρ=0 for BRR);
  scale = 1/(R(1−ρ)²).  PSUs are paired in order of first appearance, strata in sorted
  label order, as R's ``brrweights`` does.  The fpc is not used (as in R).
* bootstrap (Rao & Wu 1988; Rao, Wu & Yue 1992): in each stratum draw n_h−1 of the n_h PSUs
  with replacement; multiplier = n_h/(n_h−1) × times drawn; scale = 1/(R−1).  This is R's
  ``subbootstrap``; single-PSU strata keep multiplier 1; the fpc is not used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from survey_engine.analysis.codes import DesignErrorCode
from survey_engine.analysis.hadamard import hadamard, is_hadamard
from survey_engine.analysis.replicate import ReplicateDesign, _check_type
from survey_engine.analysis.taylor import LonelyPSU
from survey_engine.errors import DesignError

if TYPE_CHECKING:
    from survey_engine.analysis.design import Design

__all__ = ["make_replicates"]


def _psu_info(design: Design) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Row PSU codes, PSU stratum codes, PSUs per stratum, and per-PSU (N−n)/N (or None)."""
    stage = design.structure.stages[0]
    return stage.cluster, stage.cluster_stratum, stage.npsu, stage.fraction_kept


def _jk1(design: Design) -> tuple[np.ndarray, float, np.ndarray]:
    cluster, stratum, npsu, kept = _psu_info(design)
    if design.structure.has_strata:
        raise DesignError(
            "type 'JK1' is for unstratified designs; use 'JKn' (or 'BRR'/'Fay'/'bootstrap') for a stratified one.",
            DesignErrorCode.BAD_OPTION,
        )
    k = npsu[0]
    mult = np.full((k, k), k / (k - 1))
    np.fill_diagonal(mult, 0.0)
    f = 1.0 if kept is None else float(kept[0])
    return mult, f * (k - 1) / k, np.ones(k)


def _jkn(design: Design) -> tuple[np.ndarray, float, np.ndarray]:
    cluster, stratum, npsu, kept = _psu_info(design)
    if not design.structure.has_strata:
        raise DesignError("type 'JKn' needs a stratified design; use 'JK1'.", DesignErrorCode.BAD_OPTION)
    k = stratum.size
    n_h = npsu[stratum].astype(float)
    f_h = np.ones(k) if kept is None else kept
    lonely = design.lonely_psu
    single = n_h == 1
    normal = ~single & (f_h > 0)
    if single.any() and lonely is LonelyPSU.FAIL:
        raise DesignError("strata: a stratum has only one PSU; choose a lonely_psu policy.", DesignErrorCode.LONELY_PSU)
    reps = np.flatnonzero(normal)
    mult = np.ones((k, reps.size))
    same = stratum[:, None] == stratum[reps][None, :]
    mult[same] = np.broadcast_to((n_h / np.maximum(n_h - 1, 1))[:, None], same.shape)[same]
    mult[reps, np.arange(reps.size)] = 0.0
    rscales = f_h[reps] * (n_h[reps] - 1) / n_h[reps]
    scale = 1.0
    lone = np.flatnonzero(single & (f_h > 0))
    if lone.size and lonely is LonelyPSU.ADJUST:
        n_strata = stratum.max() + 1
        extra = np.where(stratum[:, None] == stratum[lone][None, :], 0.0, n_strata / (n_strata - 1))
        mult = np.hstack([mult, extra])
        rscales = np.concatenate([rscales, np.full(lone.size, (n_strata - 1) / n_strata)])
    elif lone.size and lonely is LonelyPSU.AVERAGE:
        scale = k / reps.size
    if mult.shape[1] == 0:
        raise DesignError("every stratum is a census (fpc = sample size); no replicates are needed.",
                          DesignErrorCode.BAD_OPTION)
    return mult, scale, rscales


def _brr(design: Design, rho: float, hadamard_matrix: np.ndarray | None) -> tuple[np.ndarray, float, np.ndarray]:
    cluster, stratum, npsu, _ = _psu_info(design)
    if not design.structure.has_strata or np.any(npsu != 2):
        bad = int(np.sum(npsu != 2))
        raise DesignError(
            f"type 'BRR'/'Fay' needs exactly two PSUs in every stratum; {bad} stratum/strata differ — "
            "pair PSUs into pseudo-strata first, or use 'JKn' or 'bootstrap'.",
            DesignErrorCode.BAD_OPTION,
        )
    labels = design.structure.stages[0].stratum_labels
    order_strata = np.argsort(labels.astype(str), kind="stable")
    rank = np.empty_like(order_strata)
    rank[order_strata] = np.arange(order_strata.size)
    first_row = np.full(stratum.size, cluster.size)
    np.minimum.at(first_row, cluster, np.arange(cluster.size))
    order = np.lexsort((first_row, rank[stratum]))
    position = np.empty(stratum.size, dtype=np.int64)
    position[order] = np.arange(stratum.size) % 2  # 0 for the first PSU of a pair
    h_count = stratum.max() + 1
    if hadamard_matrix is None:
        h = hadamard(h_count)
    else:
        h = (np.asarray(hadamard_matrix) == np.asarray(hadamard_matrix).flat[0]).astype(int)
        if h.shape[0] < h_count + 1 or not is_hadamard(h):
            raise DesignError(
                f"hadamard_matrix: needs at least {h_count + 1} rows and orthogonal ±1 columns.",
                DesignErrorCode.BAD_OPTION,
            )
    col = h[1 + rank[stratum], :]  # K×R: 1 → first PSU in the half-sample
    chosen = np.where(position[:, None] == 0, col == 1, col == 0)
    mult = np.where(chosen, 2.0 - rho, rho)
    r = mult.shape[1]
    return mult, 1.0 / (r * (1.0 - rho) ** 2), np.ones(r)


def _bootstrap(design: Design, replicates: int, seed: Any) -> tuple[np.ndarray, float, np.ndarray]:
    cluster, stratum, npsu, _ = _psu_info(design)
    rng = np.random.default_rng(seed)
    k = stratum.size
    order = np.argsort(stratum, kind="stable")
    start = np.concatenate(([0], np.cumsum(npsu)[:-1]))
    draws_per = np.maximum(npsu - 1, 0)
    draw_stratum = np.repeat(np.arange(npsu.size), draws_per)
    u = rng.random((replicates, draw_stratum.size))
    picked = order[start[draw_stratum] + np.floor(u * npsu[draw_stratum]).astype(np.int64)]
    counts = np.bincount((np.arange(replicates)[:, None] * k + picked).ravel(), minlength=replicates * k)
    counts = counts.reshape(replicates, k).T.astype(float)
    n_h = npsu[stratum].astype(float)
    mult = np.where((n_h > 1)[:, None], counts * (n_h / np.maximum(n_h - 1, 1))[:, None], 1.0)
    return mult, 1.0 / (replicates - 1), np.ones(replicates)


def make_replicates(design: Design, type: str = "JK1", rho: float | None = None, replicates: int = 50,
                    seed: Any = None, mse: bool = False, hadamard_matrix: np.ndarray | None = None) -> ReplicateDesign:
    """Replicate design from ``design`` (see the module docstring for each type)."""
    kind = _check_type(type)
    if design.adjustments:
        raise DesignError(
            "replicate: build replicates from the unadjusted design, then apply weighting steps to the "
            "replicate design (so every replicate is re-weighted).",
            DesignErrorCode.BAD_OPTION,
        )
    if kind == "JK1":
        mult, scale, rscales = _jk1(design)
    elif kind == "JKn":
        mult, scale, rscales = _jkn(design)
    elif kind in ("BRR", "Fay"):
        if kind == "Fay" and rho is None:
            raise DesignError("rho: type 'Fay' needs Fay's rho (e.g. rho=0.5).", DesignErrorCode.BAD_OPTION)
        rho = 0.0 if kind == "BRR" else float(rho)  # type: ignore[arg-type]
        if not 0.0 <= rho < 1.0:
            raise DesignError(f"rho: {rho} must be in [0, 1).", DesignErrorCode.BAD_OPTION)
        mult, scale, rscales = _brr(design, rho, hadamard_matrix)
    elif kind == "bootstrap":
        if replicates < 2:
            raise DesignError("replicates: the bootstrap needs at least 2 replicates.", DesignErrorCode.BAD_OPTION)
        mult, scale, rscales = _bootstrap(design, int(replicates), seed)
    else:
        raise DesignError("type 'other' needs given replicate weights; use ReplicateDesign(...).",
                          DesignErrorCode.BAD_OPTION)
    stage = design.structure.stages[0]
    return ReplicateDesign._from_multipliers(
        design.data, design._weights, stage.cluster, mult, kind, rho if kind == "Fay" else None, scale,
        rscales, mse, design.domain,
    )
