"""Correlations, KMO, Bartlett and factor loadings against R/psych 2.2.9 (tests/fixtures/r/reliability.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from survey_engine.analysis import (
    FactorMethod,
    ReliabilityErrorCode,
    Rotation,
    bartlett_sphericity,
    correlation_matrix,
    factor_loadings,
    kmo,
)
from survey_engine.errors import EstimationError

R_DIR = Path(__file__).parent.parent / "fixtures" / "r" / "reliability"
FA_CASES = sorted(p.stem for p in R_DIR.glob("fa_*.json"))


def _ref(name: str) -> dict:
    return json.loads((R_DIR / f"{name}.json").read_text())


@pytest.fixture(scope="module")
def bfi(reference_dir: Path) -> pd.DataFrame:
    return pd.read_csv(reference_dir / "data" / "bfi.csv")


@pytest.fixture(scope="module")
def items25(bfi: pd.DataFrame) -> pd.DataFrame:
    return bfi.iloc[:, :25]


@pytest.mark.parametrize(
    ("method", "missing", "key"),
    [("pearson", "pairwise", "pearson_pairwise"), ("spearman", "pairwise", "spearman_pairwise"),
     ("pearson", "listwise", "pearson_listwise")],
)
def test_correlations_match_r(items25: pd.DataFrame, method: str, missing: str, key: str) -> None:
    """Correlation matrices equal R's cor(x, use=..., method=...) on the 25 bfi items."""
    ref = _ref("correlations")
    res = correlation_matrix(items25, method=method, missing=missing)
    np.testing.assert_allclose(res.matrix.to_numpy(), np.array(ref[key]), rtol=1e-6, atol=1e-12)
    assert list(res.matrix.columns) == ref["items"]
    if missing == "listwise":
        assert (res.n.to_numpy() == ref["n_listwise"]).all()
    else:
        assert res.n.loc["A1", "A2"] == items25[["A1", "A2"]].dropna().shape[0]


def test_spearman_complete_data_matches_scipy(items25: pd.DataFrame) -> None:
    """Listwise Spearman correlations equal scipy.stats.spearmanr on the complete rows."""
    res = correlation_matrix(items25.iloc[:, :6], method="spearman", missing="listwise")
    expected = stats.spearmanr(items25.iloc[:, :6].dropna()).statistic
    np.testing.assert_allclose(res.matrix.to_numpy(), expected, rtol=1e-12)


def test_weighted_correlation_by_hand(items25: pd.DataFrame) -> None:
    """Weighted listwise Pearson correlations equal numpy's aweights covariance scaled to correlations."""
    x = items25.iloc[:, :5]
    w = np.random.default_rng(3).uniform(0.2, 5.0, len(x))
    res = correlation_matrix(x, missing="listwise", weights=w)
    keep = x.notna().all(axis=1).to_numpy()
    c = np.cov(x[keep].to_numpy(float), rowvar=False, aweights=w[keep])
    d = np.sqrt(np.diag(c))
    np.testing.assert_allclose(res.matrix.to_numpy(), c / np.outer(d, d), rtol=1e-12)


def test_kmo_matches_psych(items25: pd.DataFrame) -> None:
    """Overall and per-item MSA equal psych::KMO(bfi[1:25])."""
    ref = _ref("kmo_bartlett")
    res = kmo(items25)
    assert res.msa == pytest.approx(ref["msa"], rel=1e-6)
    np.testing.assert_allclose(res.msa_items.to_numpy(), ref["msai"], rtol=1e-6)
    assert list(res.msa_items.index) == ref["items"]


@pytest.mark.parametrize(("missing", "key"), [("pairwise", "bartlett"), ("listwise", "bartlett_listwise")])
def test_bartlett_matches_psych(items25: pd.DataFrame, missing: str, key: str) -> None:
    """χ², df and n equal psych::cortest.bartlett (data, or na.omit correlations with n)."""
    ref = _ref("kmo_bartlett")[key]
    res = bartlett_sphericity(items25, missing=missing)
    assert res.chi2 == pytest.approx(ref["chisq"], rel=1e-6)
    assert (res.df, res.n) == (ref["df"], ref["n"])
    assert res.p_value == pytest.approx(ref["p_value"], abs=1e-300)


def test_bartlett_explicit_n_by_hand(items25: pd.DataFrame) -> None:
    """With n = 100 the statistic is −ln|R|·(99 − (2p + 5)/6) and p its χ² upper tail."""
    x = items25[["A1", "A2", "A3"]]
    res = bartlett_sphericity(x, n=100)
    r = x.corr().to_numpy()
    chi2 = -np.log(np.linalg.det(r)) * (99 - (2 * 3 + 5) / 6)
    assert res.chi2 == pytest.approx(chi2, rel=1e-12)
    assert res.p_value == pytest.approx(stats.chi2.sf(chi2, 3), rel=1e-10)


@pytest.fixture(scope="module", params=FA_CASES)
def fa_case(request: pytest.FixtureRequest, bfi: pd.DataFrame):
    ref = _ref(request.param)
    res = factor_loadings(bfi[ref["items"]], ref["n_factors"], rotation=ref["rotation"],
                          method=ref["method"])
    return ref, res


def test_factor_loadings_match_converged_psych_criterion(fa_case) -> None:
    """Loadings equal psych's fa criterion minimised to convergence in R (and stats::varimax, eps 1e-14)."""
    ref, res = fa_case
    tight = np.array(ref["tight_loadings"]).T
    # near-zero loadings (|λ| < 0.01) limit the relative comparison: atol 1e-8 for those
    np.testing.assert_allclose(res.loadings.to_numpy(), tight, rtol=1e-6, atol=1e-8)
    assert res.objective <= ref["tight_objective"] * (1 + 1e-9)
    assert res.converged and res.max_gradient < 1e-6


def test_factor_loadings_match_psych_fa_output(fa_case) -> None:
    """Loadings agree with psych::fa's own output to the precision its optimiser stops at."""
    ref, res = fa_case
    psych = np.array(ref["psych_loadings"]).T
    # fa's L-BFGS-B stops ~1e-6 from the optimum; stats::varimax stops at eps = 1e-5 (~1e-3)
    atol = 2e-3 if ref["rotation"] == "varimax" else 2e-6
    np.testing.assert_allclose(res.loadings.to_numpy(), psych, atol=atol)
    assert res.objective <= ref["psych_objective"]


def test_factor_result_is_consistent(bfi: pd.DataFrame) -> None:
    """Communalities are row sums of squared loadings, u2 = 1 − h2, and the variance table adds up."""
    res = factor_loadings(bfi.iloc[:, :25], 5)
    lam = res.loadings.to_numpy()
    np.testing.assert_allclose(res.communalities, (lam**2).sum(axis=1))
    np.testing.assert_allclose(res.uniquenesses, 1 - res.communalities)
    ss = res.variance.loc["ss_loadings"].to_numpy()
    assert np.all(np.diff(ss) <= 0) and (lam.sum(axis=0) > 0).all()
    assert res.variance.loc["cumulative_var"].iloc[-1] == pytest.approx(ss.sum() / 25)
    assert list(res.loadings.columns) == ["MR1", "MR2", "MR3", "MR4", "MR5"]
    assert res.method is FactorMethod.MINRES and res.rotation is Rotation.VARIMAX


def test_varimax_keeps_communalities(bfi: pd.DataFrame) -> None:
    """An orthogonal rotation leaves every item's communality unchanged."""
    x = bfi.iloc[:, :25]
    rotated, unrotated = factor_loadings(x, 3, "varimax"), factor_loadings(x, 3, None)
    np.testing.assert_allclose(rotated.communalities, unrotated.communalities, rtol=1e-10)


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda x: factor_loadings(x, 5), ReliabilityErrorCode.BAD_OPTION),
        (lambda x: factor_loadings(x, 1, rotation="promax"), ReliabilityErrorCode.BAD_OPTION),
        (lambda x: factor_loadings(x, 1, method="pc"), ReliabilityErrorCode.BAD_OPTION),
        (lambda x: correlation_matrix(x, method="kendall"), ReliabilityErrorCode.BAD_OPTION),
        (lambda x: correlation_matrix(x, method="spearman", weights=np.ones(len(x))),
         ReliabilityErrorCode.BAD_OPTION),
        (lambda x: kmo(x.assign(dup=x["A1"] * 2 + 1)), ReliabilityErrorCode.SINGULAR),
        (lambda x: bartlett_sphericity(x.assign(dup=x["A1"] - x["A2"] + x["A3"])),
         ReliabilityErrorCode.SINGULAR),
        (lambda x: kmo(x[["A1"]]), ReliabilityErrorCode.TOO_FEW_ITEMS),
    ],
)
def test_invalid_requests_raise_with_code(bfi: pd.DataFrame, call, code) -> None:
    """Bad options and singular correlation matrices raise EstimationError with a stable code."""
    x = bfi[[f"A{i}" for i in range(1, 6)]].dropna()
    with pytest.raises(EstimationError) as info:
        call(x)
    assert info.value.code is code
