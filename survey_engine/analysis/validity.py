"""Validity helpers for multi-item scales: correlations, KMO, Bartlett's test, factor loadings.

Each function takes a DataFrame whose columns are items (numeric, missing values as NaN) and
reproduces the matching function of R's ``psych`` package (Revelle, *psych: Procedures for
Psychological, Psychometric, and Personality Research*, version 2.2.9):

* :func:`correlation_matrix` — ``cor(x, use = "pairwise" | "complete.obs", method = ...)``;
* :func:`kmo` — ``psych::KMO`` (Kaiser 1970; Kaiser & Rice 1974);
* :func:`bartlett_sphericity` — ``psych::cortest.bartlett`` (Bartlett 1950, 1951);
* :func:`factor_loadings` — ``psych::fa`` with ``fm = "minres"`` (Harman & Jones 1966) or
  ``"ml"`` (Jöreskog 1967), unrotated or with ``stats::varimax`` (Kaiser 1958).

``psych::fa`` stops its L-BFGS-B optimiser at R's default tolerance, so its printed loadings
sit about 1e-6 (minres) from the exact minimiser of its own criterion, and ``stats::varimax``
stops at ``eps = 1e-5`` (loadings about 1e-3 from the converged rotation).  Here both are run
to convergence; the tests compare with R runs converged the same way (tests/fixtures/r/).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from survey_engine.analysis._items import (
    CorrelationMethod,
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
    pair_counts,
    pearson,
    smc,
)

__all__ = [
    "ReliabilityErrorCode",
    "MissingData",
    "CorrelationMethod",
    "FactorMethod",
    "Rotation",
    "CorrelationResult",
    "KMOResult",
    "BartlettResult",
    "FactorResult",
    "correlation_matrix",
    "kmo",
    "bartlett_sphericity",
    "factor_loadings",
]


@dataclass(frozen=True, slots=True)
class CorrelationResult:
    """Item correlation matrix and the number of rows behind each entry."""

    matrix: pd.DataFrame
    n: pd.DataFrame
    method: CorrelationMethod
    missing: MissingData


def correlation_matrix(
    items: pd.DataFrame,
    method: CorrelationMethod | str = CorrelationMethod.PEARSON,
    missing: MissingData | str = MissingData.PAIRWISE,
    weights: Any = None,
) -> CorrelationResult:
    """Pearson or Spearman correlations of the items, pairwise or listwise (R's ``cor``).

    Spearman's rho is the Pearson correlation of ranks (average ranks for ties); with
    pairwise deletion the ranks are taken within each pair's complete rows, as R does.
    Weights apply to Pearson correlations only.
    """
    method = option(CorrelationMethod, method, "method")
    missing = option(MissingData, missing, "missing")
    x, names = item_matrix(items, "correlation_matrix")
    w = check_weights(weights, x.shape[0], "correlation_matrix")
    if w is not None and method is CorrelationMethod.SPEARMAN:
        raise error(ReliabilityErrorCode.BAD_OPTION,
                    "correlation_matrix: weights are supported for method='pearson' only; "
                    "drop weights or use Pearson correlations.")
    if missing is MissingData.LISTWISE:
        x, w = listwise(x, w)
    n = pair_counts(x)
    if method is CorrelationMethod.PEARSON:
        r = pearson(x, w)
    else:
        frame = pd.DataFrame(x)
        if not np.isnan(x).any():  # ranks of whole columns: one vectorised pass
            r = pearson(frame.rank().to_numpy(), None)
        else:
            r = frame.corr(method="spearman", min_periods=2).to_numpy()
    return CorrelationResult(
        matrix=pd.DataFrame(r, index=names, columns=names),
        n=pd.DataFrame(n.astype(int), index=names, columns=names),
        method=method,
        missing=missing,
    )


def _item_correlations(
    items: pd.DataFrame, missing: Any, where: str
) -> tuple[np.ndarray, list[str], int]:
    """Pairwise (or listwise) Pearson correlations of unweighted items, all defined."""
    missing = option(MissingData, missing, "missing")
    x, names = item_matrix(items, where)
    if missing is MissingData.LISTWISE:
        x, _ = listwise(x, None)
    r = pearson(x, None)
    if not np.all(np.isfinite(r)):
        raise error(ReliabilityErrorCode.NO_VARIANCE,
                    f"{where}: some correlations are undefined (an item without variance or a "
                    "pair of items never answered together); remove such items.")
    return r, names, x.shape[0]


def _check_invertible(r: np.ndarray, where: str) -> None:
    # R's solve() refuses matrices with reciprocal condition number below machine epsilon
    if not np.linalg.cond(r) < 1.0 / np.finfo(float).eps:
        raise error(ReliabilityErrorCode.SINGULAR,
                    f"{where}: the correlation matrix is singular; remove items that are "
                    "copies or linear combinations of others.")


@dataclass(frozen=True, slots=True)
class KMOResult:
    """Kaiser–Meyer–Olkin measure of sampling adequacy: overall and per item."""

    msa: float
    msa_items: pd.Series


def kmo(items: pd.DataFrame, missing: MissingData | str = MissingData.PAIRWISE) -> KMOResult:
    """Kaiser–Meyer–Olkin MSA from the pairwise correlations, as ``psych::KMO``.

    With R the correlations and Q the anti-image (partial) correlations from R⁻¹
    (off-diagonals only), MSA = ΣR² / (ΣR² + ΣQ²), and MSA_i the same over column i
    (Kaiser 1970; Kaiser & Rice 1974).
    """
    r, names, _ = _item_correlations(items, missing, "kmo")
    _check_invertible(r, "kmo")
    q = np.linalg.inv(r)
    q = cov2cor(q)
    np.fill_diagonal(q, 0.0)
    r0 = r.copy()
    np.fill_diagonal(r0, 0.0)
    r2, q2 = (r0**2).sum(axis=0), (q**2).sum(axis=0)
    return KMOResult(
        msa=float(r2.sum() / (r2.sum() + q2.sum())),
        msa_items=pd.Series(r2 / (r2 + q2), index=names, name="msa"),
    )


@dataclass(frozen=True, slots=True)
class BartlettResult:
    """Bartlett's test that the correlation matrix is an identity matrix."""

    chi2: float
    df: int
    p_value: float
    n: int


def bartlett_sphericity(
    items: pd.DataFrame, n: int | None = None, missing: MissingData | str = MissingData.PAIRWISE
) -> BartlettResult:
    """Bartlett's sphericity test, as ``psych::cortest.bartlett`` on raw data.

    χ² = −ln|R| · (n − 1 − (2p + 5)/6) on p(p − 1)/2 degrees of freedom (Bartlett 1950,
    1951); ``n`` defaults to the number of rows used (all rows, or complete rows listwise).
    """
    r, _, rows = _item_correlations(items, missing, "bartlett_sphericity")
    n = rows if n is None else int(n)
    p = r.shape[0]
    _check_invertible(r, "bartlett_sphericity")
    sign, logdet = np.linalg.slogdet(r)
    if sign <= 0:
        raise error(ReliabilityErrorCode.SINGULAR,
                    "bartlett_sphericity: the pairwise correlation matrix is not positive "
                    "definite; use missing='listwise' or remove items that are rarely answered.")
    chi2 = -logdet * (n - 1 - (2 * p + 5) / 6)
    df = p * (p - 1) // 2
    return BartlettResult(chi2=float(chi2), df=df, p_value=float(stats.chi2.sf(chi2, df)), n=n)


@dataclass(frozen=True, slots=True)
class FactorResult:
    """An exploratory factor solution (orthogonal), with how its fit converged.

    ``loadings`` is items × factors (columns MR1.. for minres, ML1.. for ml), oriented as
    psych does: every column has a positive sum, columns ordered by sum of squared loadings.
    """

    loadings: pd.DataFrame
    communalities: pd.Series
    uniquenesses: pd.Series
    variance: pd.DataFrame  # rows: ss_loadings, proportion_var, cumulative_var
    method: FactorMethod
    rotation: Rotation
    n_obs: int
    objective: float
    iterations: int
    converged: bool
    max_gradient: float


_PSI_BOUNDS = (0.005, 1.0)  # psych::fa's L-BFGS-B bounds on the uniquenesses


def _minres_objective(psi: np.ndarray, r: np.ndarray, nf: int) -> tuple[float, np.ndarray]:
    """Σ of squared eigenvalues beyond the nf-th of R with diagonal 1 − ψ, and its gradient.

    Minimising over ψ the residual of the best rank-nf approximation of R − diag(ψ) is the
    minres (ULS on the off-diagonal) criterion of Harman & Jones (1966); by the envelope
    theorem the gradient is −2·diag(R − ψ − ΛΛᵀ).
    """
    s = r.copy()
    np.fill_diagonal(s, 1.0 - psi)
    vals, vecs = np.linalg.eigh(s)
    vals, vecs = vals[::-1], vecs[:, ::-1]
    h2 = (vecs[:, :nf] ** 2 * np.maximum(vals[:nf], 0.0)).sum(axis=1)
    return float((vals[nf:] ** 2).sum()), -2.0 * (1.0 - psi - h2)


def _ml_objective(psi: np.ndarray, r: np.ndarray, nf: int) -> tuple[float, np.ndarray]:
    """Jöreskog's (1967) ML discrepancy in ψ and its gradient, as psych's FAfn/FAgr."""
    sc = 1.0 / np.sqrt(psi)
    vals, vecs = np.linalg.eigh(r * sc[:, None] * sc[None, :])
    vals, vecs = vals[::-1], vecs[:, ::-1]
    e = vals[nf:]
    f = -(np.sum(np.log(e) - e) - nf + r.shape[0])
    load = np.sqrt(psi)[:, None] * vecs[:, :nf] * np.sqrt(np.maximum(vals[:nf] - 1.0, 0.0))
    grad = ((load**2).sum(axis=1) + psi - np.diag(r)) / psi**2
    return float(f), grad


def _loadings(psi: np.ndarray, r: np.ndarray, nf: int, method: FactorMethod) -> np.ndarray:
    if method is FactorMethod.MINRES:
        vals, vecs = np.linalg.eigh(r - np.diag(psi))
        vals, vecs = vals[::-1], vecs[:, ::-1]
        return vecs[:, :nf] * np.sqrt(np.maximum(vals[:nf], 0.0))
    sc = 1.0 / np.sqrt(psi)
    vals, vecs = np.linalg.eigh(r * sc[:, None] * sc[None, :])
    vals, vecs = vals[::-1], vecs[:, ::-1]
    return np.sqrt(psi)[:, None] * vecs[:, :nf] * np.sqrt(np.maximum(vals[:nf] - 1.0, 0.0))


def fit_factors(r: np.ndarray, nf: int, method: FactorMethod) -> tuple[np.ndarray, dict[str, Any]]:
    """Fit nf factors to the correlation matrix ``r``; return unrotated loadings and fit info.

    L-BFGS-B over the uniquenesses ψ in [0.005, 1] from ψ = 1 − SMC, as ``psych::fa``,
    but with exact gradients and tolerances near machine precision.
    """
    fun = _minres_objective if method is FactorMethod.MINRES else _ml_objective
    res = optimize.minimize(
        fun, 1.0 - smc(r), args=(r, nf), jac=True, method="L-BFGS-B",
        bounds=[_PSI_BOUNDS] * r.shape[0],
        options={"ftol": 0.0, "gtol": 1e-11, "maxiter": 10_000},
    )
    psi = res.x
    grad = res.jac.copy()
    at_lower, at_upper = psi <= _PSI_BOUNDS[0], psi >= _PSI_BOUNDS[1]
    grad[(at_lower & (grad > 0)) | (at_upper & (grad < 0))] = 0.0  # projected gradient
    max_grad = float(np.max(np.abs(grad)))
    converged = bool(max_grad < 1e-6)
    if not converged:
        raise error(ReliabilityErrorCode.NO_CONVERGENCE,
                    f"factor_loadings: the {method.value} fit of {nf} factor(s) did not converge "
                    f"(largest gradient {max_grad:.3g} after {res.nit} iterations); try fewer "
                    "factors or remove items that are nearly collinear.")
    info = {"objective": float(res.fun), "iterations": int(res.nit),
            "converged": converged, "max_gradient": max_grad}
    return _loadings(psi, r, nf, method), info


def varimax(loadings: np.ndarray, eps: float = 1e-14, max_iter: int = 1000) -> np.ndarray:
    """Kaiser-normalised varimax rotation, the algorithm of R's ``stats::varimax``.

    R stops at a relative gain below ``eps = 1e-5``; the default here runs to convergence.
    """
    nf = loadings.shape[1]
    if nf < 2:
        return loadings.copy()
    sc = np.sqrt((loadings**2).sum(axis=1))
    x = loadings / sc[:, None]
    p = x.shape[0]
    rot = np.eye(nf)
    d = 0.0
    for _ in range(max_iter):
        z = x @ rot
        b = x.T @ (z**3 - z * ((z**2).sum(axis=0) / p))
        u, s, vt = np.linalg.svd(b)
        rot = u @ vt
        d_past, d = d, float(s.sum())
        if d < d_past * (1.0 + eps):
            break
    return (x @ rot) * sc[:, None]


def orient(loadings: np.ndarray) -> np.ndarray:
    """psych's conventions: each factor's loadings sum positive, factors by decreasing SS."""
    signs = np.where(loadings.sum(axis=0) < 0, -1.0, 1.0)
    oriented = loadings * signs
    order = np.argsort(-(oriented**2).sum(axis=0), kind="stable")
    return oriented[:, order]


def factor_loadings(
    items: pd.DataFrame,
    n_factors: int = 1,
    rotation: Rotation | str | None = Rotation.VARIMAX,
    method: FactorMethod | str = FactorMethod.MINRES,
    missing: MissingData | str = MissingData.PAIRWISE,
) -> FactorResult:
    """Exploratory factor loadings from the item correlations, as ``psych::fa``.

    ``method="minres"`` minimises the squared off-diagonal residuals (Harman & Jones 1966;
    psych's default), ``"ml"`` the maximum-likelihood discrepancy (Jöreskog 1967);
    ``rotation="varimax"`` applies Kaiser's (1958) normalised varimax, ``None`` keeps the
    principal-axis orientation.  Raises with code ``NO_CONVERGENCE`` if the fit does not
    converge.
    """
    method = option(FactorMethod, method, "method")
    rotation = option(Rotation, rotation, "rotation")
    r, names, rows = _item_correlations(items, missing, "factor_loadings")
    if not 1 <= int(n_factors) < len(names):
        raise error(ReliabilityErrorCode.BAD_OPTION,
                    f"factor_loadings: n_factors={n_factors} must be between 1 and "
                    f"{len(names) - 1} for {len(names)} items.")
    nf = int(n_factors)
    lam, info = fit_factors(r, nf, method)
    if rotation is Rotation.VARIMAX:
        lam = varimax(lam)
    lam = orient(lam)
    prefix = "MR" if method is FactorMethod.MINRES else "ML"
    cols = [f"{prefix}{k + 1}" for k in range(nf)]
    h2 = (lam**2).sum(axis=1)
    ss = (lam**2).sum(axis=0)
    variance = pd.DataFrame(
        [ss, ss / len(names), np.cumsum(ss) / len(names)],
        index=["ss_loadings", "proportion_var", "cumulative_var"], columns=cols,
    )
    return FactorResult(
        loadings=pd.DataFrame(lam, index=names, columns=cols),
        communalities=pd.Series(h2, index=names, name="h2"),
        uniquenesses=pd.Series(1.0 - h2, index=names, name="u2"),
        variance=variance, method=method, rotation=rotation, n_obs=rows, **info,
    )
