"""Confidence intervals for a proportion (R's ``svyciprop``; Korn & Graubard 1998).

With p̂ the design-based mean of the indicator y = 1[variable == level], SE(p̂) its
linearisation or replicate SE, df the design degrees of freedom and t = t_{df, 1−α/2}:

* ``mean``: p̂ ∓ t·SE (Wald).
* ``logit`` / ``xlogit``: expit(logit p̂ ∓ t·SE/(p̂(1−p̂))) — the survey-weighted logistic
  intercept and the delta method give the same interval under linearisation; with replicate
  weights ``logit`` uses the replicate variance of logit(p̂_r), as R's ``svyglm`` does.
* ``asin``: sin²(asin √p̂ ∓ t·SE/(2√(p̂(1−p̂)))) (delta method).
* ``beta`` (Korn & Graubard 1998): effective sample size n* = p̂(1−p̂)/SE², scaled by
  (t_{n−1}/t_{df})²; interval Beta(α/2; n*p̂, n*(1−p̂)+1), Beta(1−α/2; n*p̂+1, n*(1−p̂)).
* ``likelihood``: the Rao–Scott scaled profile likelihood of the intercept-only
  quasi-binomial model (R's ``confint.svyglm(method="likelihood")``): the ends μ solve
  2n·KL(p̂‖μ) = φ·λ·t², with φ the design-weighted variance of the Pearson residuals and
  λ = n·p̂(1−p̂)·Var(logit p̂) the design effect of the intercept.  Here the root is found
  exactly; R interpolates a profile spline, so R's ends differ in about the 5th digit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import optimize, stats

from survey_engine.analysis.codes import EstimationErrorCode
from survey_engine.analysis.results import Estimate
from survey_engine.errors import EstimationError

__all__ = ["ciprop", "CIPROP_METHODS"]

CIPROP_METHODS = ("logit", "likelihood", "asin", "beta", "mean", "xlogit")


def _indicator(design: Any, variable: str, level: Any) -> tuple[np.ndarray, np.ndarray]:
    """(y, include): y = 1[variable == level] (or the 0/1 column itself when level is None)."""
    data = design.data
    if variable not in data.columns:
        raise EstimationError(f"ciprop: column {variable!r} is not in the data.", EstimationErrorCode.UNKNOWN_COLUMN)
    column = data[variable]
    present = column.notna().to_numpy()
    if level is None:
        values = column.to_numpy(dtype=float, na_value=np.nan)
        if not np.all(np.isin(values[present], (0.0, 1.0))):
            raise EstimationError(
                f"ciprop: column {variable!r} is not 0/1; give the level of interest, e.g. level='Yes'.",
                EstimationErrorCode.BAD_OPTION,
            )
        y = np.where(present, values, 0.0)
    else:
        y = (column == level).to_numpy(dtype=float)
        if not y.any() and level not in set(column.dropna().unique()):
            raise EstimationError(
                f"ciprop: {level!r} does not occur in column {variable!r}.", EstimationErrorCode.BAD_OPTION
            )
    return y, present & (design.weights != 0)


def _likelihood(p: float, var_eta: float, y: np.ndarray, w: np.ndarray, crit: float) -> tuple[float, float]:
    n = y.size
    wn = w / w.mean()
    # R's residuals.svyglm(type="pearson") divides the sampling weights back out
    pearson = (y - p) / math.sqrt(p * (1 - p))
    centre = np.sum(w * pearson) / w.sum()
    phi = np.sum(w * (pearson - centre) ** 2) / w.sum() * n / (n - 1)
    lam = var_eta * wn.sum() * p * (1 - p)
    target = phi * lam * crit * crit

    def excess(mu: float) -> float:
        kl = 0.0
        if p > 0:
            kl += p * math.log(p / mu)
        if p < 1:
            kl += (1 - p) * math.log((1 - p) / (1 - mu))
        return 2 * wn.sum() * kl - target

    eps = 1e-15
    low = optimize.brentq(excess, eps, p, xtol=1e-15, rtol=4 * np.finfo(float).eps) if p > eps else 0.0
    high = optimize.brentq(excess, p, 1 - eps, xtol=1e-15, rtol=4 * np.finfo(float).eps) if p < 1 - eps else 1.0
    return low, high


def ciprop(design: Any, variable: str, level: Any = None, method: str = "logit") -> Estimate:
    """Proportion of ``variable == level`` with a ``method`` interval (see the module docstring)."""
    if method not in CIPROP_METHODS:
        raise EstimationError(
            f"ciprop: method {method!r} is not known; use one of {', '.join(CIPROP_METHODS)}.",
            EstimationErrorCode.BAD_OPTION,
        )
    y, include = _indicator(design, variable, level)
    w_all = design.weights
    w = np.where(include, w_all, 0.0)
    total = w.sum()
    if total <= 0:
        raise EstimationError(f"ciprop: no rows with a value of {variable!r}.", EstimationErrorCode.EMPTY_DOMAIN)
    p = float(np.sum(w * y) / total)
    zeros = np.zeros(y.size, dtype=np.int64)
    var = float(design._domain_variance("mean", np.where(include, y, 0.0), None, include, zeros, 1, np.array([p]),
                                        np.array([total]))[0])
    se = math.sqrt(var)
    var_eta = var / (p * (1 - p)) ** 2 if 0 < p < 1 else math.nan
    if hasattr(design, "_replicate_thetas") and 0 < p < 1:
        # R fits the logistic intercept in every replicate: the replicate variance of logit(p_r)
        from survey_engine.analysis.replicate import replicate_variance

        thetas = design._replicate_thetas("mean", np.where(include, y, 0.0), None, include, zeros, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            eta = np.log(thetas / (1 - thetas))
        var_eta = float(replicate_variance(eta, np.array([math.log(p / (1 - p))]), design.scale,
                                           design.rscales, design.mse)[0])
    df = float(design.df)
    n_rows = int(include.sum())
    y_in, w_in = y[include], w_all[include]

    def interval(conf: float) -> tuple[np.ndarray, np.ndarray]:
        alpha = 1 - conf
        crit = float(stats.t.ppf(1 - alpha / 2, df)) if np.isfinite(df) else float(stats.norm.ppf(1 - alpha / 2))
        if p in (0.0, 1.0):
            # No variation: every interval above degenerates (R returns NaN).  Use the exact
            # Clopper-Pearson limit on the rows observed, which Korn & Graubard's interval
            # reduces to when the effective sample size is the actual one.
            edge = (alpha / 2) ** (1 / n_rows)
            lo, hi = (0.0, 1 - edge) if p == 0.0 else (edge, 1.0)
        elif method == "mean":
            lo, hi = p - crit * se, p + crit * se
        elif method in ("logit", "xlogit"):
            eta = math.log(p / (1 - p))
            s = math.sqrt(var_eta) if method == "logit" else se / (p * (1 - p))
            lo, hi = (1 / (1 + math.exp(-(eta - crit * s))), 1 / (1 + math.exp(-(eta + crit * s))))
        elif method == "asin":
            eta, s = math.asin(math.sqrt(p)), se / (2 * math.sqrt(p * (1 - p)))
            lo, hi = math.sin(eta - crit * s) ** 2, math.sin(eta + crit * s) ** 2
        elif method == "beta":
            n_eff = p * (1 - p) / var
            n_eff *= (stats.t.ppf(alpha / 2, n_rows - 1) / stats.t.ppf(alpha / 2, df)) ** 2
            lo = float(stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)) if p > 0 else 0.0
            hi = float(stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))) if p < 1 else 1.0
        else:
            lo, hi = _likelihood(p, var_eta, y_in, w_in, crit)
        return np.array([lo]), np.array([hi])

    return Estimate(
        statistic=f"proportion ({method} interval)",
        labels=((variable, "1" if level is None else level),),
        index_names=("variable", "level"),
        values=np.array([p]),
        ses=np.array([se]),
        df=df,
        deffs=np.array([np.nan]),
        n=np.array([n_rows]),
        n_missing=np.array([int(((w_all != 0) & ~include).sum())]),
        interval=interval,
        interval_method=method,
    )
