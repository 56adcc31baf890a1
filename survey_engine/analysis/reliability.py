"""Internal-consistency reliability of a multi-item scale: Cronbach's alpha and relatives.

:func:`cronbach_alpha` reproduces ``psych::alpha`` (Revelle, psych 2.2.9) and adds
McDonald's omega total from a one-factor minres model, as ``psych::omega(x, nfactors = 1)``.
Formulas, for k items with (keyed) covariance matrix C and correlation matrix R:

* raw alpha = k/(k − 1) · (1 − tr C / ΣC) (Cronbach 1951); standardised alpha is the same
  on R, = k·r̄ / (1 + (k − 1)·r̄) with r̄ the average inter-item correlation;
* Guttman's (1945) lambda-6 = 1 − Σ(1 − smc_i)/ΣR, smc_i the squared multiple correlation
  of item i on the others (psych's ``G6(smc)``);
* Feldt interval: 1 − (1 − α)·F(q; n − 1, (n − 1)(k − 1)) at q = 1 − p/2 and p/2 (Feldt
  1965; Feldt, Woodruff & Salih 1987), n = number of rows, as ``psych::alpha.ci``;
* ase: the asymptotic standard error of Duhachek & Iacobucci (2004), as psych;
* omega total = 1 − Σ(1 − λ_i²)/ΣR with λ one-factor minres loadings (McDonald 1999);
* item statistics: raw.r (item with the mean score), std.r = ΣⱼR_ij/√ΣR, r.cor (same with
  smc on the diagonal), r.drop (item with the sum of the other items, from C).

Reverse-keyed items are reflected as (max + min) − x with max and min taken over all item
responses, as psych does, or over the questionnaire's ``scale=(low, high)`` when given.
Missing data: ``"pairwise"`` (psych's default: each covariance over the rows where both items
are present) or ``"listwise"`` (rows with any missing item are dropped first, equal to
``psych::alpha(na.omit(x))``).  Optional ``weights`` give weighted covariances (divisor
V1 − V2/V1, so unit weights reproduce the unweighted result), weighted item and total
means/SDs and weighted item–total correlations; n in the Feldt interval stays the row count.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from survey_engine.analysis._items import (
    FactorMethod,
    MissingData,
    ReliabilityErrorCode,
    Rotation,
    check_weights,
    cov2cor,
    error,
    item_matrix,
    listwise,
    option,
    pairwise_moments,
    smc,
)
from survey_engine.analysis.validity import FactorResult, fit_factors, orient
from survey_engine.errors import EstimationError

if TYPE_CHECKING:
    from survey_engine.instruments.model import Questionnaire

__all__ = ["AlphaResult", "cronbach_alpha", "dimension_alpha"]

_DROP_COLUMNS = [
    "alpha_if_deleted", "std_alpha_if_deleted", "g6_if_deleted", "average_r_if_deleted",
    "s_n_if_deleted", "alpha_se_if_deleted", "var_r_if_deleted", "median_r_if_deleted",
]


@dataclass(frozen=True, slots=True)
class AlphaResult:
    """Reliability of one scale; ``items`` holds per-item statistics (index: item names).

    ``items`` columns: reversed, n, r_raw, r_std, r_cor, r_drop, mean, sd (psych's
    ``item.stats``) and alpha_if_deleted, std_alpha_if_deleted, g6_if_deleted,
    average_r_if_deleted, s_n_if_deleted, alpha_se_if_deleted, var_r_if_deleted,
    median_r_if_deleted (psych's ``alpha.drop``).  ``mean``/``sd`` describe the respondents'
    mean item score (psych's default ``cumulative = FALSE``).
    """

    alpha: float
    std_alpha: float
    g6: float
    average_r: float
    median_r: float
    var_r: float
    s_n: float
    ase: float
    mean: float
    sd: float
    ci: tuple[float, float]
    level: float
    omega_total: float
    n_obs: int
    n_items: int
    missing: MissingData
    weighted: bool
    reverse: tuple[str, ...]
    items: pd.DataFrame = field(repr=False)
    omega_fit: FactorResult | None = field(repr=False, default=None)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict; ``items`` as {item: {statistic: value}}."""
        items = self.items.astype({"reversed": bool, "n": int})
        return {
            "alpha": self.alpha, "std_alpha": self.std_alpha, "g6": self.g6,
            "average_r": self.average_r, "median_r": self.median_r, "var_r": self.var_r,
            "s_n": self.s_n, "ase": self.ase, "mean": self.mean, "sd": self.sd,
            "ci_low": self.ci[0], "ci_high": self.ci[1], "level": self.level,
            "omega_total": self.omega_total, "n_obs": self.n_obs, "n_items": self.n_items,
            "missing": self.missing.value, "weighted": self.weighted,
            "reverse": list(self.reverse),
            "items": {
                str(name): {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
                for name, row in items.to_dict(orient="index").items()
            },
        }

    def __str__(self) -> str:
        pct = f"{self.level:.0%}"
        head = (
            f"Reliability of {self.n_items} items, n = {self.n_obs} ({self.missing.value}"
            f"{', weighted' if self.weighted else ''})\n"
            f"  alpha {self.alpha:.3f}  [{pct} Feldt CI {self.ci[0]:.3f}, {self.ci[1]:.3f}]"
            f"  std.alpha {self.std_alpha:.3f}  G6(smc) {self.g6:.3f}"
            f"  omega.tot {self.omega_total:.3f}\n"
            f"  average_r {self.average_r:.3f}  median_r {self.median_r:.3f}"
            f"  mean {self.mean:.2f}  sd {self.sd:.2f}\n"
        )
        table = self.items[["n", "r_raw", "r_std", "r_cor", "r_drop", "mean", "sd",
                            "alpha_if_deleted", "std_alpha_if_deleted", "g6_if_deleted"]].copy()
        table.index = [f"{i}-" if rev else str(i)
                       for i, rev in zip(self.items.index, self.items["reversed"])]
        table["n"] = table["n"].astype(int)
        return head + table.to_string(float_format=lambda v: f"{v:.3f}")


def _alpha_stats(c: np.ndarray, r: np.ndarray, n_obs: int) -> np.ndarray:
    """psych's ``alpha.1``: raw, std, G6, av.r, S/N, ase, var.r, med.r of one item set."""
    k = c.shape[0]
    sum_c, tr_c, sum_r = c.sum(), np.trace(c), r.sum()
    raw = (1.0 - tr_c / sum_c) * k / (k - 1)
    std = (1.0 - k / sum_r) * k / (k - 1)
    g6 = 1.0 - (k - smc(r).sum()) / sum_r
    av_r = (sum_r - k) / (k * (k - 1))
    off = r[np.tril_indices(k, -1)]
    var_r = float(np.var(off, ddof=1)) if off.size > 1 else np.nan
    cc = c @ c
    q = (2.0 * k**2 / ((k - 1) ** 2 * sum_c**3)) * (
        sum_c * (np.trace(cc) + tr_c**2) - 2.0 * tr_c * cc.sum()
    )
    return np.array([raw, std, g6, av_r, k * av_r / (1.0 - av_r), np.sqrt(q / n_obs),
                     var_r, float(np.median(off))])


def _wmean_sd(v: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Column means and SDs over present values (weighted: divisor V1 − V2/V1)."""
    present = ~np.isnan(v)
    wv = np.ones(v.shape[0]) if w is None else w
    wm = present * wv[:, None]
    v1, v2 = wm.sum(axis=0), (wm * wv[:, None]).sum(axis=0)
    v0 = np.where(present, v, 0.0)
    mean = (wm * v0).sum(axis=0) / v1
    ss = (wm * np.where(present, v0 - mean, 0.0) ** 2).sum(axis=0)
    return mean, np.sqrt(ss / (v1 - v2 / v1))


def _scale(scale: tuple[float, float]) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in scale)
    except (TypeError, ValueError):
        low = high = np.nan
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise error(ReliabilityErrorCode.BAD_OPTION,
                    f"cronbach_alpha: scale={scale!r} must be (lowest, highest) response code, "
                    "e.g. (1, 5) for a five-point scale.")
    return low, high


def _keys(names: list[str], reverse: Sequence[str] | str | None) -> np.ndarray:
    if reverse is None:
        reverse = ()
    if isinstance(reverse, str):
        reverse = (reverse,)
    unknown = [str(r) for r in reverse if str(r) not in names]
    if unknown:
        raise error(ReliabilityErrorCode.UNKNOWN_ITEM,
                    f"cronbach_alpha: reverse-keyed item(s) {', '.join(map(repr, unknown))} are "
                    f"not among the item columns {names}; fix the names in reverse=.")
    wanted = {str(r) for r in reverse}
    return np.array([-1.0 if nm in wanted else 1.0 for nm in names])


def cronbach_alpha(
    items: pd.DataFrame,
    reverse: Sequence[str] | str | None = (),
    missing: MissingData | str = MissingData.PAIRWISE,
    *,
    scale: tuple[float, float] | None = None,
    weights: Any = None,
    level: float = 0.95,
) -> AlphaResult:
    """Cronbach's alpha with psych's companions (see the module docstring for formulas).

    ``items``: one numeric column per item (NaN = missing); ``reverse``: names of
    reverse-keyed items; ``scale``: the response scale (low, high) used to reflect them
    (default: the observed min and max over all items, as psych); ``weights``: optional
    positive row weights; ``level``: confidence level of the Feldt interval.
    """
    missing = option(MissingData, missing, "missing")
    x, names = item_matrix(items, "cronbach_alpha")
    w = check_weights(weights, x.shape[0], "cronbach_alpha")
    keys = _keys(names, reverse)
    bounds = None if scale is None else _scale(scale)
    if not 0.0 < level < 1.0:
        raise error(ReliabilityErrorCode.BAD_OPTION,
                    f"cronbach_alpha: level={level!r} must lie strictly between 0 and 1.")
    if missing is MissingData.LISTWISE:
        x, w = listwise(x, w)
    n_obs, k = x.shape
    if n_obs <= k:
        raise error(ReliabilityErrorCode.TOO_FEW_OBSERVATIONS,
                    f"cronbach_alpha: {n_obs} usable rows for {k} items; alpha needs more rows "
                    "than items (with listwise deletion, check which items are often missing).")
    if (keys < 0).any():
        low, high = (np.nanmin(x), np.nanmax(x)) if bounds is None else bounds
        x = np.where(keys < 0, (low + high) - x, x)
    # psych's total is the mean of the answered items (rowMeans(na.rm = TRUE))
    answered = ~np.isnan(x)
    with np.errstate(invalid="ignore"):
        total = np.where(answered, x, 0.0).sum(axis=1) / answered.sum(axis=1)
    # one pass over the data: reflecting items flips their covariances' signs, so C here is
    # psych's key-multiplied C; the pair-wise correlations feed raw.r and omega
    cov_all, cor_all = pairwise_moments(np.column_stack([total, x]), w)
    c, r_pairwise, raw_r = cov_all[1:, 1:], cor_all[1:, 1:], cor_all[0, 1:]
    variances = np.diag(c)
    flat = [nm for nm, v in zip(names, variances) if not (np.isfinite(v) and v > 0)]
    if flat or not np.all(np.isfinite(c)):
        raise error(ReliabilityErrorCode.NO_VARIANCE,
                    f"cronbach_alpha: item(s) {', '.join(map(repr, flat)) or '(a pair)'} have no "
                    "variance or are never answered together with another item; remove them.")
    r = cov2cor(c)

    # a scale whose items correlate negatively gives NaN for the roots, as in R
    with np.errstate(invalid="ignore", divide="ignore"):
        total_stats = _alpha_stats(c, r, n_obs)
        drop = np.full((k, len(_DROP_COLUMNS)), np.nan)
        if k > 2:
            for i in range(k):  # k small submatrices; the data are never looped over
                keep = np.arange(k) != i
                drop[i] = _alpha_stats(c[np.ix_(keep, keep)], r[np.ix_(keep, keep)], n_obs)

    (t_mean,), (t_sd,) = _wmean_sd(total[:, None], w)
    rc = r.copy()
    np.fill_diagonal(rc, smc(r))
    rest_cov = c.sum(axis=0) - variances
    rest_var = c.sum() - 2.0 * c.sum(axis=0) + variances
    with np.errstate(invalid="ignore", divide="ignore"):
        std_r = r.sum(axis=0) / np.sqrt(r.sum())
        r_cor = rc.sum(axis=0) / np.sqrt(rc.sum())
        r_drop = rest_cov / np.sqrt(variances * rest_var)
    item_mean, item_sd = _wmean_sd(x, w)

    table = pd.DataFrame(
        {"reversed": keys < 0, "n": answered.sum(axis=0), "r_raw": raw_r, "r_std": std_r,
         "r_cor": r_cor, "r_drop": r_drop, "mean": item_mean, "sd": item_sd},
        index=pd.Index(names, name="item"),
    )
    table[_DROP_COLUMNS] = drop

    alpha = float(total_stats[0])
    p = 1.0 - level
    df1, df2 = n_obs - 1, (n_obs - 1) * (k - 1)
    ci = (float(1.0 - (1.0 - alpha) * stats.f.ppf(1.0 - p / 2, df1, df2)),
          float(1.0 - (1.0 - alpha) * stats.f.ppf(p / 2, df1, df2)))

    omega, omega_fit = _omega_total(r_pairwise, names, n_obs)
    return AlphaResult(
        alpha=alpha, std_alpha=float(total_stats[1]), g6=float(total_stats[2]),
        average_r=float(total_stats[3]), median_r=float(total_stats[7]),
        var_r=float(total_stats[6]), s_n=float(total_stats[4]), ase=float(total_stats[5]),
        mean=float(t_mean), sd=float(t_sd), ci=ci, level=level, omega_total=omega,
        n_obs=int(n_obs), n_items=k, missing=missing, weighted=w is not None,
        reverse=tuple(nm for nm, kk in zip(names, keys) if kk < 0), items=table,
        omega_fit=omega_fit,
    )


def _omega_total(
    r: np.ndarray, names: list[str], n_obs: int
) -> tuple[float, FactorResult | None]:
    """McDonald's (1999) omega total from a one-factor minres fit to the keyed correlations.

    As ``psych::omega(x, nfactors = 1, key = keys)``: R from ``cor(x, use = "pairwise")``
    of the (already reflected) items, ω_t = 1 − Σu²/ΣR with u² = 1 − λ².  If the fit does
    not converge, omega is NaN and a RuntimeWarning says why.
    """
    try:
        lam, info = fit_factors(r, 1, FactorMethod.MINRES)
    except EstimationError as exc:
        warnings.warn(f"cronbach_alpha: omega_total is NaN because {exc}", RuntimeWarning,
                      stacklevel=3)
        return float("nan"), None
    lam = orient(lam)
    h2 = lam[:, 0] ** 2
    omega = float(1.0 - (1.0 - h2).sum() / r.sum())
    fit = FactorResult(
        loadings=pd.DataFrame(lam, index=names, columns=["MR1"]),
        communalities=pd.Series(h2, index=names, name="h2"),
        uniquenesses=pd.Series(1.0 - h2, index=names, name="u2"),
        variance=pd.DataFrame([[h2.sum()], [h2.sum() / len(names)], [h2.sum() / len(names)]],
                              index=["ss_loadings", "proportion_var", "cumulative_var"],
                              columns=["MR1"]),
        method=FactorMethod.MINRES, rotation=Rotation.NONE, n_obs=n_obs, **info,
    )
    return omega, fit



def dimension_alpha(
    questionnaire: Questionnaire,
    data: pd.DataFrame,
    dimension: str,
    missing: MissingData | str = MissingData.PAIRWISE,
    *,
    weights: Any = None,
    level: float = 0.95,
) -> AlphaResult:
    """:func:`cronbach_alpha` of one scoring dimension of a questionnaire.

    The items are the dimension's items (columns of ``data`` named by item id); the
    questionnaire's ``scoring.reverse`` items among them are reflected within the item's
    rating scale (start + end − x); the scale's "not applicable" code counts as missing.
    """
    scoring = questionnaire.scoring
    dims = {d.id: d for d in (scoring.dimensions if scoring else ())}
    if dimension not in dims:
        raise error(ReliabilityErrorCode.UNKNOWN_DIMENSION,
                    f"dimension_alpha: questionnaire {questionnaire.id!r} has no scoring dimension "
                    f"{dimension!r}; use one of {sorted(dims)}.")
    ids = list(dims[dimension].items)
    absent = [i for i in ids if i not in data.columns]
    if absent:
        raise error(ReliabilityErrorCode.UNKNOWN_ITEM,
                    f"dimension_alpha: dimension {dimension!r} item(s) {absent} are not columns "
                    "of the data; export the answers with one column per item id.")
    bounds: set[tuple[int, int]] = set()
    columns = {}
    for item in ids:
        scale = questionnaire.question(item).scale
        if scale is None:
            raise error(ReliabilityErrorCode.NOT_NUMERIC,
                        f"dimension_alpha: item {item!r} has no rating scale.")
        low, high = scale.values[0], scale.values[-1]
        bounds.add((low, high))
        col = data[item]
        if scale.not_applicable is not None:
            col = col.mask(col.astype(str) == scale.not_applicable.code)
        try:
            col = pd.to_numeric(col)
        except (TypeError, ValueError):
            raise error(ReliabilityErrorCode.NOT_NUMERIC,
                        f"dimension_alpha: column {item!r} holds values that are neither scale "
                        "values nor the not-applicable code; recode them first.") from None
        outside = col.notna() & ~col.between(low, high)
        if outside.any():
            raise error(ReliabilityErrorCode.OUT_OF_SCALE,
                        f"dimension_alpha: column {item!r} has {int(outside.sum())} value(s) "
                        f"outside its scale {low}..{high} (first at row "
                        f"{col.index[outside.to_numpy()][0]!r}); fix or blank them.")
        columns[item] = col.astype(float)
    if len(bounds) > 1:
        raise error(ReliabilityErrorCode.OUT_OF_SCALE,
                    f"dimension_alpha: items of {dimension!r} use different scales "
                    f"{sorted(bounds)}; alpha needs items on one scale.")
    reverse = [i for i in ids if scoring is not None and i in scoring.reverse]
    return cronbach_alpha(pd.DataFrame(columns), reverse=reverse, missing=missing,
                          scale=bounds.pop(), weights=weights, level=level)
