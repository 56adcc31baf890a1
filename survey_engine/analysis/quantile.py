"""Quantiles with Woodruff confidence intervals (R's ``svyquantile``, survey ≥ 4.1).

The point estimate inverts the weighted empirical CDF F̂(t) = Σ w·1[y ≤ t] / Σ w with one of
R's ``qrule`` rules (Hyndman & Fan 1996 types 1–9 adapted to weights; ``math`` = type 1,
``school`` = type 2, ``shahvaish`` = Shah & Vaish 2006).  The interval is Woodruff's (1952;
Lumley 2010, §2.4.1): estimate p̂ = F̂(q̂) as a design-based mean with its SE, form the
Wald interval p̂ ∓ t_{df} · SE(p̂), and map both ends back through the quantile rule.  The
reported SE is (upper − lower) / (2 t_{df}), as R reports it.  df is that of the rows used
(#PSU − #strata; replicate designs: rank of the replicate weights − 1).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import stats

from survey_engine.analysis.codes import EstimationErrorCode
from survey_engine.analysis.estimators import domain_codes, numeric_column
from survey_engine.analysis.results import Estimate
from survey_engine.errors import EstimationError

__all__ = ["quantile", "QRULES", "weighted_quantile"]

Rule = Callable[[np.ndarray, np.ndarray, float], float]


def _sorted(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(x, kind="stable")
    return x[order], w[order]


def _cumsum(w: np.ndarray) -> np.ndarray:
    """Running sums accumulated in extended precision, as R's ``cumsum`` and ``sum`` do.

    The exact-boundary tests of the step rules (``wlow == 0``) then fall where R's do.
    """
    return np.cumsum(w.astype(np.longdouble)).astype(float)


def _qs(x: np.ndarray, w: np.ndarray, p: float) -> tuple[float, float, int, float, float]:
    """R's ``qs``: (qlow, qup, ilow (1-based), wlow, wup) around p on sorted x."""
    cumw = _cumsum(w)
    total = float(cumw[-1])
    hits = np.flatnonzero(cumw <= p * total)
    pos = int(hits[-1]) if hits.size else 0
    nxt = pos if pos == x.size - 1 else pos + 1
    return x[pos], x[nxt], pos + 1, p - cumw[pos] / total, cumw[nxt] / total - p


def _math(x: np.ndarray, w: np.ndarray, p: float) -> float:
    qlow, qup, _, wlow, _ = _qs(*_sorted(x, w), p)
    return float(qlow if wlow == 0 else qup)


def _school(x: np.ndarray, w: np.ndarray, p: float) -> float:
    qlow, qup, _, wlow, _ = _qs(*_sorted(x, w), p)
    return float((qlow + qup) / 2 if wlow == 0 else qup)


def _hf3(x: np.ndarray, w: np.ndarray, p: float) -> float:
    ux, inverse = np.unique(x, return_inverse=True)
    uw = np.bincount(inverse, weights=w)
    qlow, qup, ilow, wlow, _ = _qs(ux, uw, p)
    return float(qlow if (wlow == 0 and ilow % 2 == 0) else qup)


def _hf4(x: np.ndarray, w: np.ndarray, p: float) -> float:
    qlow, qup, _, wlow, wup = _qs(*_sorted(x, w), p)
    gamma = wlow / (wup + wlow)
    return float(qlow * (1 - gamma) + qup * gamma)


def _interp(pk: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Rule:
    def rule(x: np.ndarray, w: np.ndarray, p: float) -> float:
        xs, ws = _sorted(x, w)
        return float(np.interp(p, pk(_cumsum(ws), ws), xs))

    return rule


def _shahvaish(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """Shah & Vaish (2006) step rule; positions are re-sorted and tied positions averaged,
    as R's ``approx(method="constant", f=0)`` does."""
    xs, ws = _sorted(x, w)
    mean = float(_cumsum(ws)[-1] / ws.size)
    s = _cumsum(ws / mean)
    pk = (s + 0.5 - ws / 2) / (xs.size + 1)
    knots, inverse = np.unique(pk, return_inverse=True)
    ys = np.bincount(inverse, weights=xs) / np.bincount(inverse)
    i = int(np.searchsorted(knots, p, side="right")) - 1
    return float(ys[min(max(i, 0), knots.size - 1)])


QRULES: dict[str, Rule] = {
    "math": _math,
    "hf1": _math,
    "school": _school,
    "hf2": _school,
    "hf3": _hf3,
    "hf4": _hf4,
    "hf5": _interp(lambda c, w: (c - w / 2) / c[-1]),
    "hf6": _interp(lambda c, w: c / (c[-1] + w[-1])),
    "hf7": _interp(lambda c, w: np.concatenate(([0.0], c[:-1])) / c[-2]),
    "hf8": _interp(lambda c, w: (np.concatenate(([0.0], c[:-1])) / 3 + c * 2 / 3) / (c[-1] + w[-1] / 3)),
    "hf9": _interp(lambda c, w: (np.concatenate(([0.0], c[:-1])) * 3 / 8 + c * 5 / 8) / (c[-1] + w[-1] / 4)),
    "shahvaish": _shahvaish,
}


def weighted_quantile(x: np.ndarray, w: np.ndarray, p: float, rule: str = "math") -> float:
    """The ``p`` quantile of ``x`` with weights ``w`` (> 0) under a named ``qrule``."""
    return QRULES[_rule_name(rule)](np.asarray(x, dtype=float), np.asarray(w, dtype=float), p)


def _rule_name(rule: str) -> str:
    if rule not in QRULES:
        raise EstimationError(
            f"quantile: rule {rule!r} is not known; use one of {', '.join(QRULES)}.",
            EstimationErrorCode.BAD_OPTION,
        )
    return rule


def quantile(design: Any, variables: list[str], quantiles: float | Sequence[float], rule: str,
             by: list[str]) -> Estimate:
    """Quantiles of each variable (and domain) with Woodruff intervals."""
    name = _rule_name(rule)
    qrule = QRULES[name]
    probs = [float(quantiles)] if np.isscalar(quantiles) else [float(q) for q in quantiles]  # type: ignore[arg-type]
    for p in probs:
        if not 0.0 <= p <= 1.0:
            raise EstimationError(f"quantile: {p} is not in [0, 1].", EstimationErrorCode.BAD_OPTION)
    data = design.data
    dcode, dlabels, _ = domain_codes(data, by)
    base_w = design.weights
    labels, values, rows = [], [], []
    counts, missing = [], []
    for d, dlabel in enumerate(dlabels):
        for v in variables:
            y = numeric_column(data, v, "quantile")
            nan = np.isnan(y)
            include = (base_w != 0) & ~nan & (dcode == d)
            if not include.any():
                raise EstimationError(
                    f"quantile: no rows with a value of {v!r} in domain {dlabel or 'all'}.",
                    EstimationErrorCode.EMPTY_DOMAIN,
                )
            x, w = y[include], base_w[include]
            df = design._df_for(include)
            zeros = np.zeros(y.size, dtype=np.int64)
            y0 = np.where(include, y, 0.0)
            for p in probs:
                q = qrule(x, w, p)
                ind = ((y0 <= q) & include).astype(float)
                den = np.array([w.sum()])
                est = np.array([np.sum(w * (x <= q)) / den[0]])
                var = design._domain_variance("mean", ind, None, include, zeros, 1, est, den)
                labels.append(dlabel + (v, p))
                rows.append((x, w, float(est[0]), float(np.sqrt(var[0])), df))
                counts.append(int(include.sum()))
                missing.append(int(((base_w != 0) & nan & (dcode == d)).sum()))
                values.append(q)

    def interval(level: float, rows: list[Any] = rows) -> tuple[np.ndarray, np.ndarray]:
        lows, highs = [], []
        for x, w, p_hat, se, df in rows:
            crit = stats.norm.ppf(0.5 + level / 2) if not np.isfinite(df) else stats.t.ppf(0.5 + level / 2, df)
            lo, hi = p_hat - crit * se, p_hat + crit * se
            lows.append(math.nan if (math.isnan(lo) or lo < 0) else qrule(x, w, lo))
            highs.append(math.nan if (math.isnan(hi) or hi > 1) else qrule(x, w, hi))
        return np.asarray(lows), np.asarray(highs)

    low, high = interval(0.95)
    dfs = np.asarray([r[4] for r in rows], dtype=float)
    crit = stats.t.ppf(0.975, dfs)
    ses = (high - low) / (2 * crit)
    index_names = tuple(by) + ("variable", "quantile")
    return Estimate(
        statistic=f"quantile ({name})",
        labels=tuple(labels),
        index_names=index_names,
        values=np.asarray(values, dtype=float),
        ses=ses,
        df=float(dfs[0]) if np.all(dfs == dfs[0]) else dfs,
        deffs=np.full(len(values), np.nan),
        n=np.asarray(counts, dtype=np.int64),
        n_missing=np.asarray(missing, dtype=np.int64),
        interval=interval,
        interval_method="woodruff",
    )
