"""Means, totals, ratios and proportions, overall or by domain, for any design.

All four are ratio estimators R̂ = ∑ w·y / ∑ w·x evaluated per variable and domain
(x ≡ 1 for means and proportions, no denominator for totals).  Their linearised values
(Woodruff 1971; Särndal et al. 1992, §5.5; Lumley 2010, §2.2) are

    total:        z_i = w_i y_i
    mean, ratio:  z_i = w_i (y_i − R̂ x_i) / ∑ w x

and the variance is that of the estimated total of z under the design (Taylor designs) or
the replicate variance of the re-computed estimates (replicate designs).

Domains (``by=`` and ``subset``) multiply the weights by the domain indicator and keep every
row, so the variance uses the full design (Lumley 2010, §2.3; R's ``svyby``).  Missing values
are dropped per variable: a row with a missing value of variable y is outside the domain
for y only (R's ``na.rm=TRUE`` applied one variable at a time); counts are reported in
``Estimate.n_missing``.  For a ratio a row needs both values.

Design effects compare with simple random sampling without replacement of the same size
(Kish 1965; R's ``deff=TRUE``):  Var_srs(mean) = s²_w (N̂ − n)/(N̂ n), with
s²_w = n/(n−1) · ∑w(y−ȳ)²/∑w; Var_srs(total) = N̂² Var_srs(mean); for a ratio s²_w is taken
of the linearised residual (y − R̂x)/X̂.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from survey_engine.analysis.codes import DesignErrorCode, EstimationErrorCode
from survey_engine.analysis.results import Estimate
from survey_engine.errors import DesignError, EstimationError

__all__ = ["estimate", "domain_mask", "domain_codes", "numeric_column", "DomainVariance"]


class DomainVariance(Protocol):
    """What a design provides to the estimators."""

    @property
    def data(self) -> pd.DataFrame: ...

    @property
    def weights(self) -> np.ndarray: ...

    @property
    def df(self) -> int: ...

    def _domain_variance(self, kind: str, y: np.ndarray, x: np.ndarray | None, include: np.ndarray,
                         dcode: np.ndarray, n_domains: int, est: np.ndarray, den: np.ndarray,
                         wm: np.ndarray | None = None) -> np.ndarray: ...


def domain_mask(data: pd.DataFrame, condition: Any) -> np.ndarray:
    """A boolean row mask from a mask-like or a ``DataFrame.eval`` expression; NA counts as False."""
    if isinstance(condition, str):
        try:
            condition = data.eval(condition)
        except Exception as exc:  # pandas raises many types for a bad expression
            raise DesignError(
                f"subset: cannot evaluate {condition!r} on the data ({exc}); use column names and "
                "comparisons, e.g. \"region == 'north'\".",
                DesignErrorCode.BAD_SUBSET,
            ) from exc
    mask = pd.Series(condition).reset_index(drop=True) if not isinstance(condition, np.ndarray) else pd.Series(condition)
    if len(mask) != len(data):
        raise DesignError(
            f"subset: the condition has {len(mask)} values but the design has {len(data)} rows; "
            "build it from the design's data.",
            DesignErrorCode.BAD_SUBSET,
        )
    return mask.fillna(False).to_numpy(dtype=bool)


def numeric_column(data: pd.DataFrame, column: str, statistic: str) -> np.ndarray:
    """A column as float64 (NaN for missing); non-numeric columns raise :class:`EstimationError`."""
    if column not in data.columns:
        raise EstimationError(
            f"{statistic}: column {column!r} is not in the data; available: "
            f"{', '.join(map(str, data.columns[:30]))}.",
            EstimationErrorCode.UNKNOWN_COLUMN,
        )
    series = data[column]
    if series.dtype == bool:
        return series.to_numpy(dtype=float)
    if not pd.api.types.is_numeric_dtype(series):
        raise EstimationError(
            f"{statistic}: column {column!r} is not numeric ({series.dtype}); use proportion() for "
            "categories or convert the column.",
            EstimationErrorCode.NOT_NUMERIC,
        )
    if series.dtype == np.float64:
        return series.to_numpy()
    return series.to_numpy(dtype=float, na_value=np.nan)


def domain_codes(data: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, list[Any], np.ndarray]:
    """Domain code per row (−1 where a ``by`` value is missing), sorted domain labels, missing mask.

    Hash-based factorisation (no sort of the n rows); only the labels are sorted.
    """
    n = len(data)
    if not by:
        return np.zeros(n, dtype=np.int64), [()], np.zeros(n, dtype=bool)
    for column in by:
        if column not in data.columns:
            raise EstimationError(
                f"by: column {column!r} is not in the data.", EstimationErrorCode.UNKNOWN_COLUMN
            )
    codes_list, labels_list = [], []
    for column in by:
        codes, uniques = pd.factorize(data[column], sort=True)
        codes_list.append(codes.astype(np.int64))
        labels_list.append(list(uniques))
    missing = np.zeros(n, dtype=bool)
    for codes in codes_list:
        missing |= codes < 0
    if len(by) == 1:
        return codes_list[0], [(label,) for label in labels_list[0]], missing
    combined = np.zeros(n, dtype=np.int64)
    for codes, labels in zip(codes_list, labels_list):
        combined = combined * max(len(labels), 1) + np.where(codes < 0, 0, codes)
    combined[missing] = -1
    dcode, used = pd.factorize(combined, sort=True, use_na_sentinel=True)
    dcode = dcode.astype(np.int64)
    if used.size and used[0] == -1:  # the missing rows formed the first group
        dcode = dcode - 1
        used = used[1:]
    labels = []
    for value in used:
        parts = []
        for k in range(len(by) - 1, -1, -1):
            size = max(len(labels_list[k]), 1)
            parts.append(labels_list[k][int(value) % size])
            value //= size
        labels.append(tuple(reversed(parts)))
    return dcode, labels, missing


def cached(design: Any, key: tuple[Any, ...], make: Any) -> Any:
    """Memoise ``make()`` on the design (codes depend only on the data and the structure)."""
    cache = getattr(design, "_cache", None)
    if cache is None:
        return make()
    if key not in cache:
        cache[key] = make()
    return cache[key]


def _columns(data: pd.DataFrame, kind: str, variables: list[str], denominators: list[str] | None
             ) -> list[tuple[tuple[Any, ...], np.ndarray, np.ndarray | None]]:
    """(label, y, x) triples: x is the ratio denominator, None for totals, means and proportions."""
    if not variables:
        raise EstimationError(f"{kind}: give at least one variable.", EstimationErrorCode.BAD_OPTION)
    out: list[tuple[tuple[Any, ...], np.ndarray, np.ndarray | None]] = []
    if kind == "proportion":
        for v in variables:
            if v not in data.columns:
                raise EstimationError(f"proportion: column {v!r} is not in the data.",
                                      EstimationErrorCode.UNKNOWN_COLUMN)
            codes, cats = pd.factorize(data[v], sort=True)
            for j, cat in enumerate(cats):
                y = (codes == j).astype(float)
                y[codes < 0] = np.nan
                out.append(((v, cat), y, None))
        return out
    if kind == "ratio":
        assert denominators is not None
        if not denominators:
            raise EstimationError("ratio: give a denominator variable.", EstimationErrorCode.BAD_OPTION)
        for v in variables:
            y = numeric_column(data, v, kind)
            for d in denominators:
                out.append(((f"{v}/{d}",), y, numeric_column(data, d, kind)))
        return out
    for v in variables:
        out.append(((v,), numeric_column(data, v, kind), None))
    return out


def _sums(codes: np.ndarray, values: np.ndarray, n_dom: int) -> np.ndarray:
    """Sums of ``values`` per domain code (a plain sum when there is one domain)."""
    if n_dom == 1:
        return np.array([values.sum()])
    return np.bincount(codes, weights=values, minlength=n_dom)


MISSING_RULES = ("available", "complete")


def estimate(design: Any, kind: str, variables: list[str], denominators: list[str] | None,
             by: str | Sequence[str] | None, deff: bool, missing: str = "available") -> Estimate:
    """Point estimates, SEs and design effects of ``kind`` for every variable × domain.

    ``missing="available"`` drops missing values per variable; ``"complete"`` drops every row
    with a missing value in any of the variables (R's ``na.rm=TRUE`` on a multi-variable formula).
    """
    if missing not in MISSING_RULES:
        raise EstimationError(
            f"{kind}: missing={missing!r} is not known; use 'available' (per variable) or 'complete' (listwise).",
            EstimationErrorCode.BAD_OPTION,
        )
    data = design.data
    by_list = [by] if isinstance(by, str) else list(by or [])
    dcode, dlabels, _ = cached(design, ("by", tuple(by_list)), lambda: domain_codes(data, by_list))
    n_dom = len(dlabels)
    base_w = design.weights
    usable = (base_w != 0) & (dcode >= 0)
    all_usable = bool(usable.all())
    safe_d = dcode if all_usable else np.where(dcode < 0, 0, dcode)
    labels, values, ses, deffs, ns, nmiss = [], [], [], [], [], []
    columns = _columns(data, kind, variables, denominators)
    listwise = None
    if missing == "complete":
        listwise = np.zeros(len(data), dtype=bool)
        for _, y, x in columns:
            listwise |= np.isnan(y) if x is None else np.isnan(y) | np.isnan(x)
    for label, y, x in columns:
        if listwise is not None:
            missing_rows = listwise
        else:
            missing_rows = np.isnan(y) if x is None else np.isnan(y) | np.isnan(x)
        include = ~missing_rows if all_usable else usable & ~missing_rows
        wm = np.where(include, base_w, 0.0)
        y0 = np.where(include, y, 0.0)
        x0 = None if x is None else np.where(include, x, 0.0)
        num = _sums(safe_d, wm * y0, n_dom) if n_dom > 1 else np.array([wm @ y0])
        psum = _sums(safe_d, wm, n_dom)
        den = psum if x0 is None else (_sums(safe_d, wm * x0, n_dom) if n_dom > 1 else np.array([wm @ x0]))
        with np.errstate(divide="ignore", invalid="ignore"):
            est = num if kind == "total" else num / den
        var = design._domain_variance(kind, y0, x0, include, safe_d, n_dom, est, den, wm=wm)
        count = _sums(safe_d, include, n_dom).astype(float)
        dropped = missing_rows if all_usable else usable & missing_rows
        miss = _sums(safe_d, dropped, n_dom).astype(float)
        d = _deff(kind, y0, x0, wm, safe_d, n_dom, est, den, psum, count, var) if deff else np.full(n_dom, np.nan)
        for k in range(n_dom):
            labels.append(dlabels[k] + label)
            values.append(est[k])
            ses.append(np.sqrt(var[k]))
            deffs.append(d[k])
            ns.append(count[k])
            nmiss.append(miss[k])
    index_names = tuple(by_list) + (("variable", "level") if kind == "proportion" else ("variable",))
    order = _order(labels, len(by_list), n_dom)
    return Estimate(
        statistic=kind,
        labels=tuple(labels[i] if len(labels[i]) > 1 else labels[i][0] for i in order),
        index_names=index_names,
        values=np.asarray(values)[order],
        ses=np.asarray(ses)[order],
        df=float(design.df),
        deffs=np.asarray(deffs, dtype=float)[order],
        n=np.asarray(ns)[order].astype(np.int64),
        n_missing=np.asarray(nmiss)[order].astype(np.int64),
    )


def _order(labels: list[tuple[Any, ...]], n_by: int, n_dom: int) -> np.ndarray:
    """Row order: domains outermost (as ``svyby``), then variables in the order given."""
    m = len(labels)
    if n_by == 0:
        return np.arange(m)
    n_cols = m // n_dom
    return np.arange(m).reshape(n_cols, n_dom).T.ravel()


def _deff(kind: str, y: np.ndarray, x: np.ndarray | None, wm: np.ndarray, dcode: np.ndarray, n_dom: int,
          est: np.ndarray, den: np.ndarray, psum: np.ndarray, count: np.ndarray, var: np.ndarray) -> np.ndarray:
    """Design effect against SRS without replacement (R's ``deff=TRUE``)."""
    if kind == "ratio":
        assert x is not None
        with np.errstate(divide="ignore", invalid="ignore"):
            r = (y - est[dcode] * x) / den[dcode]
            centre = np.bincount(dcode, weights=wm * r, minlength=n_dom) / psum
        resid = r - centre[dcode]
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            centre = np.bincount(dcode, weights=wm * y, minlength=n_dom) / psum
        resid = y - centre[dcode]
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = np.bincount(dcode, weights=wm * resid * resid, minlength=n_dom) / psum * count / (count - 1)
        vsrs = s2 * (psum - count) / (psum * count)
        if kind in ("total", "ratio"):
            vsrs = vsrs * psum**2
        vsrs = np.where(psum < count, np.nan, vsrs)
        return var / vsrs
