"""Design structure: integer codes for clusters and strata at every stage, built once.

Everything a variance computation needs is factorised here, at construction, so estimators
only do ``np.bincount`` on cached integer codes.  The stage rules follow R's
``svydesign.default`` (survey 4.1; Lumley 2010, ch. 3):

* stage-``s`` clusters are the interaction of the cluster variables of stages 1..s, so a
  later-stage id only has to be unique within its parent cluster;
* with ``nest=True`` clusters are also made unique within strata;
* stage-``s`` strata (s > 1) are the interaction of that stage's stratum variable with the
  stage-(s−1) cluster, i.e. later stages are stratified within their parent cluster;
* the number of sampled clusters per stratum (``sampsize``) is counted on the whole sample;
* an fpc is a population size when any value exceeds 1, otherwise a sampling fraction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from survey_engine.analysis.codes import DesignErrorCode
from survey_engine.errors import DesignError

__all__ = ["Stage", "Structure", "build_structure", "factorize", "combine_codes"]


@dataclass(frozen=True, slots=True)
class Stage:
    """Codes of one sampling stage; arrays are indexed by row, cluster or stratum code."""

    cluster: np.ndarray  # (n,) cluster code of each row
    n_clusters: int
    cluster_stratum: np.ndarray  # (K,) stratum code of each cluster
    n_strata: int
    npsu: np.ndarray  # (H,) sampled clusters per stratum
    popsize: np.ndarray | None  # (K,) population count of the cluster's stratum, or None
    cluster_parent: np.ndarray | None  # (K,) cluster code at the previous stage
    stratum_parent: np.ndarray | None  # (H,) cluster code at the previous stage
    stratum_labels: np.ndarray  # (H,) printable stratum label (for messages)

    @property
    def fraction_kept(self) -> np.ndarray | None:
        """Per cluster ``(N - n) / N`` (R's ``f``); 1 for an infinite population."""
        if self.popsize is None:
            return None
        n = self.npsu[self.cluster_stratum].astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(np.isinf(self.popsize), 1.0, (self.popsize - n) / self.popsize)


@dataclass(frozen=True, slots=True)
class Structure:
    """All stages of a design plus the row-level stratum code of stage 1."""

    stages: tuple[Stage, ...]
    has_strata: bool
    has_fpc: bool

    @property
    def variance_stages(self) -> tuple[Stage, ...]:
        """Stages entering the variance: all with an fpc, else the first (ultimate cluster)."""
        return self.stages if self.has_fpc else self.stages[:1]

    @property
    def row_stratum(self) -> np.ndarray:
        """Stage-1 stratum code of every row."""
        first = self.stages[0]
        return first.cluster_stratum[first.cluster]


def factorize(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted integer codes and the unique labels of ``values`` (missing values must be absent)."""
    codes, uniques = pd.factorize(pd.Series(values), sort=True)
    return codes.astype(np.int64), np.asarray(uniques)


def combine_codes(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, int]:
    """Codes of the interaction of two non-negative code arrays (first-major order)."""
    size = int(second.max()) + 1 if second.size else 1
    codes, uniques = pd.factorize(first * size + second, sort=True)
    return codes.astype(np.int64), len(uniques)


def _first_index(codes: np.ndarray, size: int) -> np.ndarray:
    """Row index of the first occurrence of each code 0..size-1."""
    first = np.full(size, -1, dtype=np.int64)
    order = np.arange(codes.size - 1, -1, -1)
    first[codes[order]] = order
    return first


def _fpc_matrix(data: pd.DataFrame, fpc: list[str], sampsize: list[np.ndarray]) -> list[np.ndarray]:
    """Population sizes per stage and row from fpc columns (sizes, or fractions if all <= 1)."""
    values = [data[c].to_numpy(dtype=float) for c in fpc]
    stacked = np.concatenate(values)
    is_size = bool(np.any(stacked > 1))
    if is_size != bool(np.all(stacked >= 1)):
        bad = [c for c, v in zip(fpc, values) if np.any(v < 1) and is_size]
        where = ", ".join(repr(c) for c in bad) or ", ".join(repr(c) for c in fpc)
        raise DesignError(
            f"fpc {where}: values mix population sizes (>= 1) and sampling fractions (< 1); "
            "give every stage as population sizes, or every stage as fractions in (0, 1].",
            DesignErrorCode.FPC_MIXED,
        )
    popsizes = []
    for column, value, n in zip(fpc, values, sampsize):
        if is_size:
            popsize = value
        else:
            with np.errstate(divide="ignore"):
                popsize = n / value
        too_small = popsize < n
        if np.any(too_small):
            raise DesignError(
                f"fpc {column!r}: {int(too_small.sum())} rows have a population size smaller than "
                f"the number of sampled units in their stratum (first: row {int(np.argmax(too_small))}, "
                f"population {popsize[np.argmax(too_small)]:g} < sample {int(n[np.argmax(too_small)])}); "
                "check the column or the stratum/cluster variables.",
                DesignErrorCode.FPC_TOO_SMALL,
            )
        popsizes.append(popsize)
    return popsizes


def build_structure(
    data: pd.DataFrame,
    ids: list[str],
    strata: list[str],
    fpc: list[str],
    nest: bool,
) -> tuple[Structure, list[np.ndarray]]:
    """Factorise clusters and strata for every stage; return the structure and row sampsizes.

    ``ids`` empty means one row per PSU.  Raises :class:`DesignError` when clusters are not
    nested in strata (``nest=False``), when there is a single PSU, or when an fpc is invalid.
    """
    n = len(data)
    raw_ids = [factorize(data[c])[0] for c in ids] or [np.arange(n, dtype=np.int64)]
    n_stages = len(raw_ids)
    raw_strata = [factorize(data[c].astype(str) if data[c].dtype == object else data[c]) for c in strata]
    if fpc and len(fpc) != n_stages:
        raise DesignError(
            f"fpc: {len(fpc)} column(s) given for a {n_stages}-stage design; give one fpc column "
            "per stage of ids (population sizes or sampling fractions).",
            DesignErrorCode.FPC_STAGES,
        )
    if len(strata) > n_stages:
        raise DesignError(
            f"strata: {len(strata)} stratum variables for a {n_stages}-stage design; "
            "give at most one stratum variable per stage.",
            DesignErrorCode.BAD_OPTION,
        )
    zeros = np.zeros(n, dtype=np.int64)
    stratum_raw = [s[0] for s in raw_strata]

    def stratum_var(stage: int) -> np.ndarray:
        return stratum_raw[min(stage, len(stratum_raw) - 1)] if stratum_raw else zeros

    # clusters: interaction of ids of stages 1..s (and with strata when nest=True)
    cluster_codes: list[np.ndarray] = []
    counts: list[int] = []
    prev = None
    for s, raw in enumerate(raw_ids):
        code, k = combine_codes(zeros if prev is None else prev, raw)
        if nest and stratum_raw:
            code, k = combine_codes(stratum_var(s), code)
        cluster_codes.append(code)
        counts.append(k)
        prev = code

    if counts[0] == 1 and not (nest and stratum_raw):
        raise DesignError(
            "ids: the design has only one primary sampling unit, so no variance can be estimated; "
            "check the cluster variable (use ids=None for one unit per row).",
            DesignErrorCode.SINGLE_PSU,
        )
    if stratum_raw and not nest:
        both, _ = combine_codes(cluster_codes[0], stratum_raw[0])
        pairs = pd.DataFrame({"c": cluster_codes[0], "p": both}).drop_duplicates("p")
        n_strata_per_cluster = np.bincount(pairs["c"].to_numpy(), minlength=counts[0])
        bad_clusters = np.flatnonzero(n_strata_per_cluster > 1)
        if bad_clusters.size:
            rows = int(np.isin(cluster_codes[0], bad_clusters).sum())
            first_col = ids[0] if ids else "(row)"
            raise DesignError(
                f"ids {first_col!r}: {bad_clusters.size} cluster(s) ({rows} rows) appear in more than "
                f"one stratum of {strata[0]!r}; clusters must be nested in strata — use nest=True "
                "if cluster ids are only unique within strata.",
                DesignErrorCode.NOT_NESTED,
            )

    stages: list[Stage] = []
    sampsizes: list[np.ndarray] = []
    stage_strata: list[np.ndarray] = []
    for s in range(n_stages):
        if s == 0:
            row_stratum, h = combine_codes(zeros, stratum_var(0))
        else:
            row_stratum, h = combine_codes(cluster_codes[s - 1], stratum_var(s))
        cluster = cluster_codes[s]
        first_of_cluster = _first_index(cluster, counts[s])
        cluster_stratum = row_stratum[first_of_cluster]
        npsu = np.bincount(cluster_stratum, minlength=h)
        sampsizes.append(npsu[row_stratum])
        stage_strata.append(row_stratum)
        first_of_stratum = _first_index(row_stratum, h)
        if stratum_raw and s == 0:
            labels = np.asarray(raw_strata[0][1])[stratum_var(0)[first_of_stratum]].astype(str)
        else:
            labels = np.arange(h).astype(str)
        stages.append(
            Stage(
                cluster=cluster,
                n_clusters=counts[s],
                cluster_stratum=cluster_stratum,
                n_strata=h,
                npsu=npsu,
                popsize=None,
                cluster_parent=None if s == 0 else cluster_codes[s - 1][first_of_cluster],
                stratum_parent=None if s == 0 else cluster_codes[s - 1][first_of_stratum],
                stratum_labels=labels,
            )
        )

    if fpc:
        popsizes = _fpc_matrix(data, fpc, sampsizes)
        for s, (column, popsize) in enumerate(zip(fpc, popsizes)):
            row_stratum = stage_strata[s]
            lo = np.full(stages[s].n_strata, np.inf)
            hi = np.full(stages[s].n_strata, -np.inf)
            np.minimum.at(lo, row_stratum, popsize)
            np.maximum.at(hi, row_stratum, popsize)
            varying = np.flatnonzero(lo != hi)
            if varying.size:
                rows = int(np.isin(row_stratum, varying).sum())
                raise DesignError(
                    f"fpc {column!r}: the value varies within {varying.size} stratum/strata at stage "
                    f"{s + 1} ({rows} rows); the population size must be constant within a stratum.",
                    DesignErrorCode.FPC_NOT_CONSTANT,
                )
            stage = stages[s]
            stages[s] = Stage(
                cluster=stage.cluster,
                n_clusters=stage.n_clusters,
                cluster_stratum=stage.cluster_stratum,
                n_strata=stage.n_strata,
                npsu=stage.npsu,
                popsize=popsize[_first_index(stage.cluster, stage.n_clusters)],
                cluster_parent=stage.cluster_parent,
                stratum_parent=stage.stratum_parent,
                stratum_labels=stage.stratum_labels,
            )
        weights_from_fpc = [p / n for p, n in zip(popsizes, sampsizes)]
    else:
        weights_from_fpc = []
    return Structure(stages=tuple(stages), has_strata=bool(stratum_raw), has_fpc=bool(fpc)), weights_from_fpc
