"""The survey design object: validated once at construction, immutable afterwards.

``Design`` mirrors R's ``svydesign`` (Lumley 2004, 2010): one- or multi-stage cluster
sampling with optional stratification, weights or selection probabilities, and finite
population corrections per stage.  Cluster and stratum codes are factorised once (see
:mod:`survey_engine.analysis._structure`) so that estimators only run ``np.bincount``.

Weighting steps return new designs; a domain (``subset``) keeps every row and zeroes the
weights outside the domain, so that the variance still uses the full design.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from survey_engine.analysis._structure import Structure, build_structure
from survey_engine.analysis.adjustment import VarianceAdjustment, apply_adjustments
from survey_engine.analysis.codes import DesignErrorCode
from survey_engine.analysis.survey_methods import Columns, SurveyMethods, as_list
from survey_engine.analysis.taylor import LonelyPSU, check_lonely, cluster_totals, multistage_variance
from survey_engine.errors import DesignError

if TYPE_CHECKING:
    from survey_engine.analysis.replicate import ReplicateDesign

__all__ = ["Design", "LonelyPSU"]

def check_columns(data: pd.DataFrame, named: Mapping[str, list[str]]) -> None:
    """Raise one :class:`DesignError` listing every unknown column per argument."""
    problems = [
        f"{arg}: column {c!r} is not in the data"
        for arg, columns in named.items()
        for c in columns
        if c not in data.columns
    ]
    if problems:
        raise DesignError(
            "; ".join(problems) + f". Available columns: {', '.join(map(str, data.columns[:30]))}.",
            DesignErrorCode.UNKNOWN_COLUMN,
        )


def check_missing(data: pd.DataFrame, named: Mapping[str, list[str]]) -> None:
    """Raise one :class:`DesignError` naming each design column with missing values and the count."""
    problems = []
    for arg, columns in named.items():
        for c in columns:
            count = int(data[c].isna().sum())
            if count:
                problems.append(f"{arg} column {c!r} has {count} missing value(s)")
    if problems:
        raise DesignError(
            "; ".join(problems) + "; design variables must be complete — fill them in or drop those rows.",
            DesignErrorCode.MISSING_VALUES,
        )


def positive_weights(data: pd.DataFrame, column: str) -> np.ndarray:
    """The weight column as floats; every value finite and > 0, else :class:`DesignError`."""
    try:
        w = data[column].to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise DesignError(
            f"weights column {column!r} is not numeric ({exc}); give numeric sampling weights.",
            DesignErrorCode.NONPOSITIVE_WEIGHT,
        ) from exc
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        raise DesignError(
            f"weights column {column!r}: {int(bad.sum())} row(s) have a weight that is not a positive "
            f"finite number (first: row {int(np.argmax(bad))}, value {w[np.argmax(bad)]!r}); "
            "sampling weights must be > 0 — drop those rows or fix the weights.",
            DesignErrorCode.NONPOSITIVE_WEIGHT,
        )
    return w


class Design(SurveyMethods):
    """A complex survey design over a DataFrame (R's ``svydesign``).

    Parameters: ``ids`` cluster column(s) by stage (``None``: each row is a PSU);
    ``strata`` stratum column(s) by stage; ``weights`` a sampling-weight column, or
    ``probs`` selection-probability column(s) by stage (multiplied); ``fpc`` population
    sizes or sampling fractions by stage; ``nest`` makes cluster ids unique within strata;
    ``lonely_psu`` what to do with single-PSU strata.  Without weights and probs, weights
    come from the fpc (∏ N_s/n_s) or are 1.
    """

    __slots__ = ("_data", "_weights", "_structure", "_lonely", "_domain", "_adjustments", "_cache", "_spec")

    def __init__(
        self,
        data: pd.DataFrame,
        ids: Columns = None,
        strata: Columns = None,
        weights: str | None = None,
        probs: Columns = None,
        fpc: Columns = None,
        nest: bool = False,
        lonely_psu: LonelyPSU | str = LonelyPSU.FAIL,
    ) -> None:
        if not isinstance(data, pd.DataFrame):
            raise DesignError("data: expected a pandas DataFrame.", DesignErrorCode.BAD_OPTION)
        lonely = _lonely(lonely_psu)
        id_cols, strata_cols = as_list(ids), as_list(strata)
        prob_cols, fpc_cols = as_list(probs), as_list(fpc)
        weight_cols = as_list(weights)
        named = {"ids": id_cols, "strata": strata_cols, "weights": weight_cols, "probs": prob_cols, "fpc": fpc_cols}
        check_columns(data, named)
        if weight_cols and prob_cols:
            raise DesignError(
                "weights and probs: give sampling weights or selection probabilities, not both.",
                DesignErrorCode.WEIGHTS_AND_PROBS,
            )
        check_missing(data, named)
        if not data.index.equals(pd.RangeIndex(len(data))):
            data = data.reset_index(drop=True)  # positions are the row ids everywhere below
        structure, fpc_weights = build_structure(data, id_cols, strata_cols, fpc_cols, nest)
        check_lonely(structure, lonely)
        if weight_cols:
            w = positive_weights(data, weight_cols[0])
        elif prob_cols:
            w = np.ones(len(data))
            for column in prob_cols:
                p = data[column].to_numpy(dtype=float)
                bad = ~((p > 0) & (p <= 1))
                if bad.any():
                    raise DesignError(
                        f"probs column {column!r}: {int(bad.sum())} row(s) outside (0, 1]; selection "
                        "probabilities must be > 0 and at most 1.",
                        DesignErrorCode.INVALID_PROBABILITY,
                    )
                w = w / p
        elif fpc_weights:
            w = np.prod(np.vstack(fpc_weights), axis=0)
        else:
            w = np.ones(len(data))
        self._data = data
        self._weights = w
        self._structure = structure
        self._lonely = lonely
        self._domain: np.ndarray | None = None
        self._adjustments: tuple[VarianceAdjustment, ...] = ()
        self._cache: dict[Any, Any] = {}  # domain codes by ``by`` columns (data never changes)
        self._spec = {"ids": id_cols, "strata": strata_cols, "weights": weight_cols[0] if weight_cols else None,
                      "probs": prob_cols, "fpc": fpc_cols, "nest": nest, "lonely_psu": lonely.value}

    # -- copies ------------------------------------------------------------------------------
    def assign(self, **columns: Any) -> Design:
        """A new design whose data has these extra or replaced columns (same rows, same design),
        e.g. satisfaction scores or indicators derived from the answers."""
        spec = self._spec
        design_columns = {c for key in ("ids", "strata", "probs", "fpc") for c in spec[key]} | {spec["weights"]}
        for name in columns:
            if name in design_columns:
                raise DesignError(f"{name!r} is a design column; it cannot be replaced by assign().",
                                  DesignErrorCode.BAD_OPTION)
        # a fresh cache: replaced columns may have been factorised as ``by`` domains
        return self._copy(_data=self._data.assign(**columns), _cache={})

    def _copy(self, **changes: Any) -> Design:
        new = object.__new__(Design)
        for slot in Design.__slots__:
            object.__setattr__(new, slot, changes.get(slot, getattr(self, slot)))
        return new

    def _adjusted(self, weights: np.ndarray, adjustment: VarianceAdjustment | None) -> Design:
        """A new design with these weights and, if given, one more variance adjustment."""
        w = np.asarray(weights, dtype=float)
        if w.shape != self._weights.shape:
            raise DesignError(
                f"weights: expected {self._weights.size} values, got {w.size}.", DesignErrorCode.BAD_OPTION
            )
        extra = () if adjustment is None else (adjustment,)
        return self._copy(_weights=w.copy(), _adjustments=self._adjustments + extra)

    def __setattr__(self, name: str, value: Any) -> None:
        if hasattr(self, "_spec"):
            raise AttributeError("Design is immutable; weighting steps and subset() return a new design.")
        object.__setattr__(self, name, value)

    # -- read-only views -----------------------------------------------------------------------
    @property
    def adjustments(self) -> tuple[VarianceAdjustment, ...]:
        """Variance adjustments applied (in order) by weighting steps."""
        return self._adjustments

    @property
    def structure(self) -> Structure:
        """Factorised clusters and strata by stage."""
        return self._structure

    @property
    def lonely_psu(self) -> LonelyPSU:
        """The lonely-PSU policy."""
        return self._lonely

    @property
    def domain(self) -> np.ndarray | None:
        """Boolean mask of the ``subset`` domain, or None for the whole sample."""
        return None if self._domain is None else self._domain.copy()

    @property
    def df(self) -> int:
        """Design degrees of freedom: #PSU − #strata among rows with non-zero weight (R's ``degf``)."""
        return self._df_for(self.weights != 0)

    def _df_for(self, include: np.ndarray) -> int:
        """#PSU − #strata among the rows in ``include`` (R's ``degf`` of that subset)."""
        first = self._structure.stages[0]
        psus = np.bincount(first.cluster, weights=include, minlength=first.n_clusters) > 0
        strata = np.bincount(first.cluster_stratum[psus], minlength=first.n_strata) > 0
        return int(psus.sum() - strata.sum())

    def __repr__(self) -> str:
        stages = self._structure.stages
        return (f"Design(n={self.n}, stages={len(stages)}, psus={stages[0].n_clusters}, "
                f"strata={stages[0].n_strata}, fpc={self._structure.has_fpc}, "
                f"lonely_psu={self._lonely.value}, adjustments={len(self._adjustments)})")

    # -- variance engine used by the estimators ------------------------------------------------
    def _variance(self, z: np.ndarray, full: bool = False,
                  rows: tuple[np.ndarray, np.ndarray, int] | None = None) -> np.ndarray:
        """Variance of the total of the weighted linearised values ``z`` (n or n×p)."""
        z = apply_adjustments(z, self._adjustments)
        return multistage_variance(self._structure, cluster_totals(self._structure, z), self._lonely, full, rows)

    def _domain_variance(self, kind: str, y: np.ndarray, x: np.ndarray | None, include: np.ndarray,
                         dcode: np.ndarray, n_domains: int, est: np.ndarray, den: np.ndarray,
                         wm: np.ndarray | None = None) -> np.ndarray:
        """Linearisation variance per domain of a total, mean (x None) or ratio (see ``estimators``).

        ``y`` and ``x`` are zero outside ``include``; ``wm`` (weights × include) may be passed in.
        """
        w = np.where(include, self._weights, 0.0) if wm is None else wm
        rows = (include, dcode, n_domains)
        if n_domains == 1:
            # one domain: scalars instead of gathers; Var(z / X) = Var(z) / X²
            if kind == "total":
                return np.atleast_1d(self._variance(w * y, rows=rows))
            centred = y - est[0] if x is None else y - est[0] * x
            with np.errstate(invalid="ignore", divide="ignore"):
                return np.atleast_1d(self._variance(w * centred, rows=rows)) / den[0] ** 2
        if kind == "total":
            z = w * y
        else:
            # empty domains (den 0) have no weight; finite stand-ins keep z finite
            safe_est = np.where(np.isfinite(est), est, 0.0)
            safe_den = np.where(den != 0, den, 1.0)
            z = w * ((y - safe_est[dcode]) if x is None else (y - safe_est[dcode] * x)) / safe_den[dcode]
        if not self._adjustments:
            stage = self._structure.variance_stages[-1]
            k = stage.n_clusters
            totals = np.bincount(stage.cluster * n_domains + dcode, weights=z, minlength=k * n_domains)
            return multistage_variance(self._structure, totals.reshape(k, n_domains), self._lonely, rows=rows)
        matrix = np.zeros((z.size, n_domains))
        matrix[np.arange(z.size), dcode] = z
        return self._variance(matrix, rows=rows)

    # -- replicate weights --------------------------------------------------------------------------
    def replicate(self, type: str = "JK1", **options: Any) -> ReplicateDesign:
        """Replicate-weight version of this design (R's ``as.svrepdesign``)."""
        from survey_engine.analysis.make_replicates import make_replicates

        return make_replicates(self, type, **options)

    # -- weighting delegates (implemented in survey_engine.analysis.weighting) --------------------


def _lonely(value: LonelyPSU | str) -> LonelyPSU:
    """Accept the Enum or its string value."""
    if isinstance(value, LonelyPSU):
        return value
    try:
        return LonelyPSU(str(value).lower())
    except ValueError:
        raise DesignError(
            f"lonely_psu {value!r} is not known; use one of {', '.join(m.value for m in LonelyPSU)}.",
            DesignErrorCode.BAD_OPTION,
        ) from None
