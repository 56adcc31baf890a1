"""Nonresponse adjustment: weighting classes and response-propensity classes.

Sample cases carry an AAPOR final disposition (AAPOR Standard Definitions, 2023): respondent
(I, P), eligible nonrespondent (R, NC, O), unknown eligibility (UH, UO) or not eligible (NE).
Within each adjustment class c (Kalton & Flores-Cervantes 2003, §2.1; Valliant, Dever &
Kreuter 2013, §13.3–13.5):

1. unknown eligibility — the weight of the unknown cases is shared among the known cases;
   a share ``e_c`` (AAPOR's e, by default the weighted eligible share among the known cases
   of the class) goes to the eligible cases and ``1 − e_c`` to the ineligible ones;
2. nonresponse — the eligible nonrespondents' weight goes to the respondents:
   factor ``(W_resp + W_nonresp) / W_resp``.

Respondents end with the adjusted weight, ineligible cases keep their step-1 weight (they
estimate the ineligible share of the frame), nonrespondents and unknowns end with 0.
The reported response rate is AAPOR's RR3 (weighted): ``W_I / (W_I + W_R + e · W_U)``.

With :func:`propensity_classes` the classes are quantile groups of the response propensity
estimated by a (design-weighted) logistic regression of response on covariates among the
eligible cases, fitted with statsmodels (Little 1986; Valliant et al. 2013, §13.5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np
import pandas as pd

from survey_engine.analysis.weighting.codes import WeightingErrorCode
from survey_engine.errors import WeightingError

__all__ = ["Disposition", "NonresponseResult", "PropensityModel", "adjust_nonresponse",
           "propensity_classes", "AAPOR_CODES"]


class Disposition(Enum):
    """Final outcome of a sample case, in the four AAPOR groups."""

    RESPONDENT = "respondent"
    NONRESPONDENT = "nonrespondent"
    UNKNOWN = "unknown"
    INELIGIBLE = "ineligible"


AAPOR_CODES: dict[str, Disposition] = {
    "I": Disposition.RESPONDENT, "P": Disposition.RESPONDENT,
    "R": Disposition.NONRESPONDENT, "NC": Disposition.NONRESPONDENT,
    "O": Disposition.NONRESPONDENT,
    "UH": Disposition.UNKNOWN, "UO": Disposition.UNKNOWN,
    "NE": Disposition.INELIGIBLE,
}


@dataclass(frozen=True, slots=True)
class NonresponseResult:
    """Adjusted weights and the per-class factors, rates and counts."""

    weights: np.ndarray
    classes: pd.DataFrame
    eligibility_rate: float
    response_rate: float


def _dispositions(values: Sequence | np.ndarray | pd.Series) -> np.ndarray:
    """Disposition codes 0..3 (order of :class:`Disposition`) from members, values or AAPOR codes."""
    order = list(Disposition)
    lookup = {d.value: i for i, d in enumerate(order)}
    lookup.update({code.lower(): order.index(d) for code, d in AAPOR_CODES.items()})
    positions, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    mapped = np.empty(len(uniques), dtype=np.int64)
    unknown = set()
    for j, value in enumerate(uniques):
        key = value.value if isinstance(value, Disposition) else str(value).strip().lower()
        mapped[j] = lookup.get(key, -1)
        if mapped[j] < 0:
            unknown.add(str(value))
    if unknown:
        accepted = ", ".join([d.value for d in order] + list(AAPOR_CODES))
        raise WeightingError(f"[disposition] unknown disposition(s) {sorted(unknown)[:5]}; use "
                             f"one of {accepted}", WeightingErrorCode.UNKNOWN_LEVEL)
    return mapped[positions]


def adjust_nonresponse(weights: Sequence[float] | np.ndarray, disposition: Sequence | np.ndarray,
                       classes: Sequence | np.ndarray | None = None,
                       eligibility_rate: float | None = None) -> NonresponseResult:
    """Weighting-class nonresponse adjustment with AAPOR eligibility handling (module doc).

    ``classes`` assigns each case to an adjustment class (None: one class).  A class with
    eligible cases but no respondent, or with unknown cases but no known case, cannot be
    adjusted: collapse it with a similar class.  ``eligibility_rate`` overrides AAPOR's e.
    """
    w = np.asarray(weights, dtype=float)
    status = _dispositions(disposition)
    if status.size != w.size:
        raise WeightingError(f"adjust_nonresponse: {status.size} dispositions for {w.size} "
                             "weights", WeightingErrorCode.BAD_OPTION)
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise WeightingError("adjust_nonresponse: weights must be finite and >= 0",
                             WeightingErrorCode.BAD_WEIGHTS)
    if eligibility_rate is not None and not 0 <= eligibility_rate <= 1:
        raise WeightingError(f"adjust_nonresponse: eligibility_rate {eligibility_rate} must lie "
                             "in [0, 1]", WeightingErrorCode.BAD_OPTION)
    labels = pd.Series(np.zeros(w.size, dtype=np.int64) if classes is None else
                       pd.Series(classes, dtype=object).to_numpy())
    if labels.isna().any():
        raise WeightingError("[classes] some cases have no adjustment class; assign every case",
                             WeightingErrorCode.MISSING_VALUES)
    codes, names = pd.factorize(labels, sort=True)
    k = len(names)
    sums = np.bincount(codes * 4 + status, weights=w, minlength=4 * k).reshape(k, 4)
    counts = np.bincount(codes * 4 + status, minlength=4 * k).reshape(k, 4)
    resp, nonresp, unknown, inelig = sums.T
    eligible = resp + nonresp
    known = eligible + inelig
    problems = [f"class {names[c]!r}: {int(counts[c, 2])} case(s) of unknown eligibility but "
                "no case of known eligibility" for c in np.flatnonzero((unknown > 0) & (known <= 0))]
    problems += [f"class {names[c]!r}: eligible cases but no respondent"
                 for c in np.flatnonzero((nonresp > 0) & (resp <= 0))]
    if problems:
        raise WeightingError(f"adjust_nonresponse: {problems[0]}; collapse the class with a "
                             "similar one" + (f" ({len(problems)} classes affected)"
                                              if len(problems) > 1 else ""),
                             WeightingErrorCode.EMPTY_CELL)
    e = (np.divide(eligible, known, out=np.ones(k), where=known > 0) if eligibility_rate is None
         else np.full(k, float(eligibility_rate)))
    if eligibility_rate is not None and np.any(
            (unknown > 0) & (((inelig <= 0) & (e < 1)) | ((eligible <= 0) & (e > 0)))):
        raise WeightingError("adjust_nonresponse: a class with unknown cases has no eligible "
                             "(or no ineligible) case to receive its share e (or 1 − e); "
                             "collapse classes or leave eligibility_rate unset",
                             WeightingErrorCode.EMPTY_CELL)
    f_eligible = 1.0 + np.divide(e * unknown, eligible, out=np.zeros(k), where=eligible > 0)
    f_inelig = 1.0 + np.divide((1.0 - e) * unknown, inelig, out=np.zeros(k), where=inelig > 0)
    f_nonresp = np.divide(eligible, resp, out=np.ones(k), where=resp > 0)
    factor_by_status = np.column_stack([f_eligible * f_nonresp, np.zeros(k), np.zeros(k), f_inelig])
    adjusted = w * factor_by_status[codes, status]
    table = pd.DataFrame({
        "class": list(names), "respondents": counts[:, 0], "nonrespondents": counts[:, 1],
        "unknown": counts[:, 2], "ineligible": counts[:, 3], "eligibility_rate": e,
        "unknown_factor": f_eligible, "nonresponse_factor": f_nonresp,
        "response_rate": np.divide(resp, eligible + e * unknown,
                                   out=np.full(k, np.nan), where=(eligible + e * unknown) > 0),
    })
    total_e_unknown = float(np.sum(e * unknown))
    overall_e = float(eligible.sum() / known.sum()) if known.sum() > 0 else 1.0
    rate = float(resp.sum() / (eligible.sum() + total_e_unknown)) if eligible.sum() > 0 else float("nan")
    return NonresponseResult(adjusted, table, overall_e if eligibility_rate is None
                             else float(eligibility_rate), rate)


@dataclass(frozen=True, slots=True)
class PropensityModel:
    """Fitted response-propensity model and the classes cut from it."""

    propensity: np.ndarray
    classes: np.ndarray
    params: pd.Series
    converged: bool
    n_classes: int


def _design_matrix(data: pd.DataFrame, covariates: Sequence[str]) -> pd.DataFrame:
    missing = [c for c in covariates if c not in data.columns]
    if missing:
        raise WeightingError(f"[{missing[0]}] covariate '{missing[0]}' is not a column of the "
                             "data", WeightingErrorCode.UNKNOWN_VARIABLE)
    frame = data[list(covariates)]
    if frame.isna().any().any():
        column = frame.columns[frame.isna().any()].tolist()[0]
        raise WeightingError(f"[{column}] covariate '{column}' has missing values; impute them "
                             "or drop the covariate", WeightingErrorCode.MISSING_VALUES)
    categorical = [c for c in covariates if not pd.api.types.is_numeric_dtype(frame[c])
                   or pd.api.types.is_bool_dtype(frame[c])]
    matrix = pd.get_dummies(frame, columns=categorical, drop_first=True, dtype=float)
    matrix.insert(0, "const", 1.0)
    return matrix.astype(float)


def propensity_classes(data: pd.DataFrame, disposition: Sequence | np.ndarray,
                       covariates: Sequence[str], weights: Sequence[float] | None = None,
                       n_classes: int = 5) -> PropensityModel:
    """Response propensities by logistic regression and ``n_classes`` quantile classes.

    The model (statsmodels GLM, binomial family, design weights as ``var_weights`` when
    given) is fitted on the eligible cases (respondents vs nonrespondents) and predicted for
    every case; the class limits are propensity quantiles among the eligible cases, so that
    each class holds about as many eligible cases (Valliant et al. 2013, §13.5).
    """
    import statsmodels.api as sm

    status = _dispositions(disposition)
    if n_classes < 1:
        raise WeightingError("propensity_classes: n_classes must be at least 1",
                             WeightingErrorCode.BAD_OPTION)
    matrix = _design_matrix(data.reset_index(drop=True), covariates)
    eligible = status <= 1
    response = (status[eligible] == 0).astype(float)
    if response.min(initial=1.0) == response.max(initial=0.0):
        raise WeightingError("propensity_classes: the eligible cases are all respondents or all "
                             "nonrespondents; a propensity model needs both",
                             WeightingErrorCode.EMPTY_CELL)
    var_weights = None if weights is None else np.asarray(weights, dtype=float)[eligible]
    model = sm.GLM(response, matrix.to_numpy()[eligible], family=sm.families.Binomial(),
                   var_weights=var_weights)
    fit = model.fit()
    propensity = np.asarray(fit.predict(matrix.to_numpy()))
    cuts = np.quantile(propensity[eligible], np.linspace(0, 1, n_classes + 1)[1:-1])
    classes = np.searchsorted(np.unique(cuts), propensity, side="right")
    params = pd.Series(np.asarray(fit.params), index=matrix.columns)
    return PropensityModel(propensity, classes, params, bool(fit.converged),
                           int(np.unique(classes[eligible]).size))
