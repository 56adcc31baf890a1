"""Shared building blocks of reliability and validity analysis (private).

Input checks, option parsing, pairwise-complete (weighted) moments and squared multiple
correlations, following R's ``cov``/``cor`` (``use = "pairwise"``) and ``psych::smc``
(Revelle, psych 2.2.9).
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import numpy as np
import pandas as pd

from survey_engine.errors import EstimationError

__all__ = [
    "ReliabilityErrorCode",
    "MissingData",
    "CorrelationMethod",
    "FactorMethod",
    "Rotation",
    "option",
    "error",
    "item_matrix",
    "check_weights",
    "listwise",
    "pairwise_moments",
    "covariance",
    "pearson",
    "pair_counts",
    "cov2cor",
    "smc",
]


class ReliabilityErrorCode(Enum):
    """Why a reliability or validity statistic could not be computed."""

    NOT_A_FRAME = "not_a_frame"
    TOO_FEW_ITEMS = "too_few_items"
    NOT_NUMERIC = "not_numeric"
    UNKNOWN_ITEM = "unknown_item"
    UNKNOWN_DIMENSION = "unknown_dimension"
    OUT_OF_SCALE = "out_of_scale"
    NO_VARIANCE = "no_variance"
    TOO_FEW_OBSERVATIONS = "too_few_observations"
    BAD_WEIGHTS = "bad_weights"
    BAD_OPTION = "bad_option"
    SINGULAR = "singular"
    NO_CONVERGENCE = "no_convergence"


class MissingData(Enum):
    """How missing item responses are handled."""

    PAIRWISE = "pairwise"  # each covariance from the rows where both items are present (psych)
    LISTWISE = "listwise"  # drop every row with any missing item first


class CorrelationMethod(Enum):
    """Which correlation coefficient."""

    PEARSON = "pearson"
    SPEARMAN = "spearman"


class FactorMethod(Enum):
    """How factors are extracted (psych's ``fm``)."""

    MINRES = "minres"  # psych's default: unweighted least squares on the off-diagonal
    ML = "ml"  # maximum likelihood


class Rotation(Enum):
    """Rotation applied to extracted factors (``None`` is accepted for NONE)."""

    NONE = "none"
    VARIMAX = "varimax"


def error(code: ReliabilityErrorCode, message: str) -> EstimationError:
    """The error raised by this area: an EstimationError carrying a ReliabilityErrorCode."""
    return EstimationError(message, code)


def option(enum: type[Enum], value: Any, name: str) -> Any:
    """Parse a method choice given as an Enum member or its string value."""
    if isinstance(value, enum):
        return value
    if value is None and enum is Rotation:
        return Rotation.NONE
    try:
        return enum(value)
    except ValueError:
        accepted = ", ".join(repr(m.value) for m in enum)  # type: ignore[attr-defined]
        raise error(
            ReliabilityErrorCode.BAD_OPTION,
            f"{name}={value!r} is not a known option; use one of {accepted}.",
        ) from None


def item_matrix(items: Any, where: str) -> tuple[np.ndarray, list[str]]:
    """Check ``items`` (DataFrame of >= 2 numeric columns) and return it as floats + names."""
    if not isinstance(items, pd.DataFrame):
        raise error(
            ReliabilityErrorCode.NOT_A_FRAME,
            f"{where}: items must be a pandas DataFrame with one column per item, "
            f"got {type(items).__name__}; wrap the data in pd.DataFrame(...).",
        )
    names = [str(c) for c in items.columns]
    if len(names) < 2:
        raise error(
            ReliabilityErrorCode.TOO_FEW_ITEMS,
            f"{where}: {len(names)} item column(s) given; pass at least two items.",
        )
    bad = [c for c in items.columns if not pd.api.types.is_numeric_dtype(items[c])
           or pd.api.types.is_bool_dtype(items[c])]
    if bad:
        raise error(
            ReliabilityErrorCode.NOT_NUMERIC,
            f"{where}: item column(s) {', '.join(map(repr, bad))} are not numeric; "
            "code the answers as numbers (missing as NaN) first.",
        )
    x = items.to_numpy(dtype=float, na_value=np.nan)
    answered = (~np.isnan(x)).sum(axis=0)
    sparse = [nm for nm, a in zip(names, answered) if a < 2]
    if sparse:
        raise error(
            ReliabilityErrorCode.TOO_FEW_OBSERVATIONS,
            f"{where}: item(s) {', '.join(map(repr, sparse))} have fewer than two answers; "
            "remove them from the scale.",
        )
    return x, names


def check_weights(weights: Any, n: int, where: str) -> np.ndarray | None:
    """Return weights as a float array of length ``n`` (positive, finite), or None."""
    if weights is None:
        return None
    w = np.asarray(weights, dtype=float).reshape(-1)
    if w.shape[0] != n or not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise error(
            ReliabilityErrorCode.BAD_WEIGHTS,
            f"{where}: weights must be {n} positive finite numbers, one per row "
            f"(got {w.shape[0]}); drop rows with a missing or zero weight first.",
        )
    return w


def listwise(x: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """Keep the rows with no missing item (and their weights); at least two must remain."""
    keep = ~np.isnan(x).any(axis=1)
    if keep.sum() < 2:
        raise error(
            ReliabilityErrorCode.TOO_FEW_OBSERVATIONS,
            f"listwise deletion leaves {int(keep.sum())} complete row(s); use "
            "missing='pairwise' or drop the items that are most often missing.",
        )
    return x[keep], (None if w is None else w[keep])


def pairwise_moments(x: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Pairwise-complete (weighted) covariances and correlations of the columns of ``x``.

    For items i, j and the rows where both are present, with weights w (1 if None):
    cov_ij = Σ w (x_i − m_i)(x_j − m_j) / (V1 − V2/V1), V1 = Σ w, V2 = Σ w², means m over
    the same rows (R's ``cov(use = "pairwise")``; ``cov.wt(method = "unbiased")`` with
    weights, which for unit weights is the usual n − 1 divisor).  The correlation divides by
    the two standard deviations over the same rows, as R's ``cor(use = "pairwise")``;
    ``cov2cor`` of the covariance instead uses each item's own variance (psych's alpha).
    """
    present = ~np.isnan(x)
    p = x.shape[1]
    # centring on the column means first keeps the raw-moment sums accurate
    xc = np.where(present, x - np.nanmean(x, axis=0), 0.0)
    m = present.astype(float)
    wv = np.ones(x.shape[0]) if w is None else w
    xw = xc * wv[:, None]
    # one product gives the pair sums of w, w², w·x and w·x² (sx[i, j]: rows with i and j)
    blocks = [m * wv[:, None], xw, xw * xc] + ([] if w is None else [m * (wv**2)[:, None]])
    sums = np.hstack(blocks).T @ m
    v1, sx, sxx = sums[:p], sums[p:2 * p], sums[2 * p:3 * p]
    v2 = v1 if w is None else sums[3 * p:]
    sxy = xw.T @ xc
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = v1 - v2 / v1
        cov = (sxy - sx * sx.T / v1) / denom
        var_i = (sxx - sx * sx / v1) / denom
        r = cov / np.sqrt(var_i * var_i.T)
    np.fill_diagonal(r, 1.0)
    return cov, r


def covariance(x: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Pairwise-complete (weighted) covariance matrix; see :func:`pairwise_moments`."""
    return pairwise_moments(x, w)[0]


def pearson(x: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """Pairwise-complete (weighted) Pearson correlations (R's ``cor(use = "pairwise")``)."""
    return pairwise_moments(x, w)[1]


def pair_counts(x: np.ndarray) -> np.ndarray:
    """Number of rows where both items are present, for every pair."""
    m = (~np.isnan(x)).astype(float)
    return m.T @ m


def cov2cor(c: np.ndarray) -> np.ndarray:
    s = 1.0 / np.sqrt(np.diag(c))
    r = c * s[:, None] * s[None, :]
    np.fill_diagonal(r, 1.0)
    return r


def smc(r: np.ndarray) -> np.ndarray:
    """Squared multiple correlations 1 − 1/diag(R⁺), clipped to [0, 1] as ``psych::smc``."""
    inv = np.linalg.pinv(r, rcond=np.sqrt(np.finfo(float).eps), hermitian=True)
    return np.clip(1.0 - 1.0 / np.diag(inv), 0.0, 1.0)
