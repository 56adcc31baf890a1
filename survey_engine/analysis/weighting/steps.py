"""Weighting steps on designs: post-stratify, rake, calibrate, trim.

Each step takes a :class:`~survey_engine.analysis.design.Design` (or a ``ReplicateDesign``)
and returns a new one; nothing is changed in place.  On a ``Design`` the step appends the
variance adjustment of :mod:`.variance`, so standard errors account for the weighting as in
R's survey (Lumley 2010, ch. 7).  On a replicate design the full-sample weights and every
replicate column are adjusted the same way and no other variance adjustment is needed, as
R's survey does for ``svyrep.design`` objects.

``fit_*`` return a :class:`WeightingFit` with the convergence report; the short forms return
only the design and raise (or warn) when an iterative fit did not converge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from survey_engine.analysis.weighting.calibration import CalibrationMethod, calibration_g
from survey_engine.analysis.weighting.codes import WeightingErrorCode
from survey_engine.analysis.weighting.convergence import Convergence, OnNonConvergence, enforce
from survey_engine.analysis.weighting.ipf import rake_codes
from survey_engine.analysis.weighting.margins import (
    CodedMargin, calibration_matrix, check_grand_totals, code_margin, raise_problems)
from survey_engine.analysis.weighting.trimming import (
    TrimRedistribution, TrimScale, trim_bounds, trim_weights)
from survey_engine.analysis.weighting.variance import Calibration, PostStratification, Raking
from survey_engine.errors import Problem, WeightingError

if TYPE_CHECKING:
    from survey_engine.analysis.design import Design
    from survey_engine.analysis.replicate import ReplicateDesign

#: A design of either kind; every step returns the same kind it was given.
D = TypeVar("D", "Design", "ReplicateDesign")

__all__ = ["WeightingFit", "fit_poststratify", "fit_rake", "fit_calibrate", "fit_trim",
           "poststratify", "rake", "calibrate", "trim"]


@dataclass(frozen=True, slots=True)
class WeightingFit:
    """A weighted design with the report of how its weights were obtained."""

    design: Design | ReplicateDesign
    step: str
    convergence: Convergence
    replicate_convergence: tuple[Convergence, ...] = ()


def _is_replicate(design: Design | ReplicateDesign) -> bool:
    return hasattr(design, "_adjusted_replicates")


def _replicates(design: ReplicateDesign) -> np.ndarray:
    return np.asarray(design.replicate_weights, dtype=float)


def _check_weights(weights: np.ndarray, where: str) -> None:
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise WeightingError(f"{where}: the design's weights must be finite and >= 0 before "
                             "weighting; fix the input weights", WeightingErrorCode.BAD_WEIGHTS)


def fit_poststratify(design: Design | ReplicateDesign,
                     variable: str | tuple[str, ...] | list[str], totals: Mapping,
                     partial: bool = False) -> WeightingFit:
    """Post-stratify to population counts (Holt & Smith 1979; R's ``postStratify``).

    ``variable`` is one column or a list of columns (their cross-classification: totals keyed
    by tuples or nested mappings).  Each record's weight is multiplied by N_h / N̂_h of its
    post-stratum.  ``partial=True`` ignores population cells with no sample record.
    """
    w0 = design.weights
    _check_weights(w0, "poststratify")
    margin = code_margin(design.data, variable, totals, w0, partial=partial)
    assert margin is not None
    w1, misfit = _poststratify_column(w0, margin, "")
    convergence = Convergence("post-stratification", 1, True, misfit, 0.0)
    if _is_replicate(design):
        reps = _replicates(design)
        new = np.column_stack([_poststratify_column(reps[:, r], margin, f" in replicate {r + 1}")[0]
                               for r in range(reps.shape[1])])
        return WeightingFit(design._adjusted_replicates(w1, new), "poststratify", convergence)
    adjustment = PostStratification(margin.codes, margin.n_levels, w0, w1, margin.variable)
    return WeightingFit(design._adjusted(w1, adjustment), "poststratify", convergence)


def _poststratify_column(w: np.ndarray, margin: CodedMargin, where: str) -> tuple[np.ndarray, float]:
    sample = np.bincount(margin.codes, weights=w, minlength=margin.n_levels)
    empty = (sample <= 0) & (margin.targets > 0)
    if empty.any():
        level = margin.levels[int(np.argmax(empty))]
        raise WeightingError(f"[{margin.variable}={level}] level '{level}' has a positive "
                             f"population total but zero sample weight{where}; collapse it with a "
                             "neighbouring level", WeightingErrorCode.EMPTY_CELL)
    factor = np.divide(margin.targets, sample, out=np.zeros_like(sample), where=sample > 0)
    new = w * factor[margin.codes]
    achieved = np.bincount(margin.codes, weights=new, minlength=margin.n_levels)
    misfit = float(np.max(np.abs(achieved - margin.targets) / (1.0 + margin.targets)))
    return new, misfit


def _code_margins(design: Design | ReplicateDesign, margins: Mapping, w0: np.ndarray) -> list[CodedMargin]:
    if not isinstance(margins, Mapping) or not margins:
        raise WeightingError("rake: margins must be a non-empty mapping of variable to a mapping "
                             "of level to population count", WeightingErrorCode.BAD_TARGETS)
    problems: list[Problem] = []
    coded = []
    for variable, totals in margins.items():
        if not isinstance(totals, Mapping):
            problems.append(Problem(f"[{variable}]", f"the margin of '{variable}' must be a "
                                    "mapping of level to population count",
                                    WeightingErrorCode.BAD_TARGETS))
            continue
        margin = code_margin(design.data, variable, totals, w0, problems=problems)
        if margin is not None:
            coded.append(margin)
    raise_problems(problems)
    check_grand_totals(coded)
    return coded


def fit_rake(design: Design | ReplicateDesign, margins: Mapping, *, tol: float = 1e-10,
             max_iter: int = 1000,
             on_nonconvergence: OnNonConvergence | str = OnNonConvergence.RAISE) -> WeightingFit:
    """Rake to marginal counts by iterative proportional fitting (Deming & Stephan 1940).

    ``margins`` maps each variable (or a tuple of variables for a cross-classified margin) to
    its level counts, which must all sum to the same population total.  Iterates until every
    margin is within ``tol`` (relative to 1 + target) or ``max_iter`` sweeps.  The variance
    adjustment is R's ``rake`` one (:class:`~.variance.Raking`).
    """
    w0 = design.weights
    _check_weights(w0, "rake")
    coded = _code_margins(design, margins, w0)
    codes = [m.codes for m in coded]
    targets = [m.targets for m in coded]
    names = [m.variable for m in coded]
    levels = [m.levels for m in coded]
    how = "raise max_iter, or check that the margins can be met together"
    w1, convergence = rake_codes(w0, codes, targets, tol=tol, max_iter=max_iter, names=names,
                                 level_names=levels)
    enforce(convergence, "rake", how, on_nonconvergence)
    if _is_replicate(design):
        reps, rep_conv = rake_codes(_replicates(design), codes, targets, tol=tol,
                                    max_iter=max_iter, names=names, level_names=levels)
        enforce(rep_conv, "rake (replicate weights)", how, on_nonconvergence)
        return WeightingFit(design._adjusted_replicates(w1, reps), "rake", convergence, (rep_conv,))
    adjustment = Raking(tuple(codes), tuple(m.n_levels for m in coded), w1, tuple(names),
                        convergence)
    return WeightingFit(design._adjusted(w1, adjustment), "rake", convergence)


def fit_calibrate(design: Design | ReplicateDesign, totals: Mapping,
                  method: CalibrationMethod | str = "linear",
                  bounds: tuple[float, float] | None = None, *, tol: float = 1e-10,
                  max_iter: int = 50,
                  on_nonconvergence: OnNonConvergence | str = OnNonConvergence.RAISE
                  ) -> WeightingFit:
    """Calibrate to population totals (Deville & Särndal 1992; R's ``calibrate``).

    ``totals`` mixes categorical margins (mapping of level to count) and numeric totals
    (a number for a numeric column), e.g. ``{"stype": {"E": 4421, "H": 755, "M": 1018},
    "api99": 3914069}``.  ``method`` is ``"linear"`` (GREG), ``"raking"`` or ``"logit"``;
    ``bounds=(lo, hi)`` bound g = new/old weight (required for logit).  Standard errors use
    the GREG residuals (:class:`~.variance.Calibration`).
    """
    try:
        method = CalibrationMethod(method)
    except ValueError:
        raise WeightingError(f"calibrate: method {method!r} is not known; use one of "
                             f"{', '.join(m.value for m in CalibrationMethod)}",
                             WeightingErrorCode.BAD_OPTION) from None
    w0 = design.weights
    _check_weights(w0, "calibrate")
    x, population, names, _ = calibration_matrix(design.data, totals, w0)
    how = "raise max_iter, widen the bounds, or check that the totals are attainable"
    g, convergence = calibration_g(x, w0, population, method, bounds, tol=tol, max_iter=max_iter)
    enforce(convergence, "calibrate", how, on_nonconvergence)
    w1 = w0 * g
    if _is_replicate(design):
        reps = _replicates(design)
        columns, reports = [], []
        for r in range(reps.shape[1]):
            g_r, conv_r = calibration_g(x, reps[:, r], population, method, bounds, tol=tol,
                                        max_iter=max_iter)
            enforce(conv_r, f"calibrate (replicate {r + 1})", how, on_nonconvergence)
            columns.append(reps[:, r] * g_r)
            reports.append(conv_r)
        return WeightingFit(design._adjusted_replicates(w1, np.column_stack(columns)),
                            "calibrate", convergence, tuple(reports))
    adjustment = Calibration(x, w0, w1, names, convergence)
    return WeightingFit(design._adjusted(w1, adjustment), "calibrate", convergence)


def fit_trim(design: Design | ReplicateDesign, lower: float | None = None, upper: float | None = None, *,
             scale: TrimScale | str = TrimScale.ABSOLUTE, strict: bool = True,
             redistribute: TrimRedistribution | str = TrimRedistribution.EQUAL,
             max_iter: int = 1000,
             on_nonconvergence: OnNonConvergence | str = OnNonConvergence.RAISE) -> WeightingFit:
    """Trim weights into [lower, upper] as R's ``trimWeights`` (see :mod:`.trimming`).

    With ``scale="median"`` the bounds are multiples of the median weight.  Variance
    adjustments of earlier steps are kept, as in R (trimming only changes the weights).
    """
    w0 = design.weights
    _check_weights(w0, "trim")
    lo, hi = trim_bounds(w0, lower, upper, scale)
    how = "raise max_iter or widen the bounds"
    w1, convergence = trim_weights(w0, lo, hi, strict=strict, redistribute=redistribute,
                                   max_iter=max_iter)
    enforce(convergence, "trim", how, on_nonconvergence)
    if _is_replicate(design):
        reps = _replicates(design)
        columns, reports = [], []
        for r in range(reps.shape[1]):
            col, conv_r = trim_weights(reps[:, r], lo, hi, strict=strict,
                                       redistribute=redistribute, max_iter=max_iter,
                                       where=f"trim (replicate {r + 1})")
            enforce(conv_r, f"trim (replicate {r + 1})", how, on_nonconvergence)
            columns.append(col)
            reports.append(conv_r)
        return WeightingFit(design._adjusted_replicates(w1, np.column_stack(columns)), "trim",
                            convergence, tuple(reports))
    return WeightingFit(design._adjusted(w1, None), "trim", convergence)


def poststratify(design: D, variable: str | tuple[str, ...] | list[str], totals: Mapping,
                 partial: bool = False) -> D:
    """Post-stratified copy of ``design``; see :func:`fit_poststratify`."""
    return fit_poststratify(design, variable, totals, partial).design


def rake(design: D, margins: Mapping, **options: Any) -> D:
    """Raked copy of ``design``; see :func:`fit_rake` for the options."""
    return fit_rake(design, margins, **options).design


def calibrate(design: D, totals: Mapping, method: CalibrationMethod | str = "linear",
              bounds: tuple[float, float] | None = None, **options: Any) -> D:
    """Calibrated copy of ``design``; see :func:`fit_calibrate` for the options."""
    return fit_calibrate(design, totals, method, bounds, **options).design


def trim(design: D, lower: float | None = None, upper: float | None = None,
         **options: Any) -> D:
    """Trimmed copy of ``design``; see :func:`fit_trim` for the options."""
    return fit_trim(design, lower, upper, **options).design
