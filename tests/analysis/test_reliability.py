"""Cronbach's alpha and companions against psych 2.2.9 (tests/fixtures/r/reliability.R) and by hand."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from survey_engine.analysis import (
    AlphaResult,
    MissingData,
    ReliabilityErrorCode,
    cronbach_alpha,
    dimension_alpha,
)
from survey_engine.errors import EstimationError

R_DIR = Path(__file__).parent.parent / "fixtures" / "r" / "reliability"
ALPHA_CASES = sorted(p.stem for p in R_DIR.glob("alpha_*.json"))
RTOL = 1e-6

TOTAL = {"raw_alpha": "alpha", "std_alpha": "std_alpha", "g6": "g6", "average_r": "average_r",
         "s_n": "s_n", "ase": "ase", "mean": "mean", "sd": "sd", "median_r": "median_r",
         "var_r": "var_r"}
DROP = {"raw_alpha": "alpha_if_deleted", "std_alpha": "std_alpha_if_deleted",
        "g6": "g6_if_deleted", "average_r": "average_r_if_deleted", "s_n": "s_n_if_deleted",
        "alpha_se": "alpha_se_if_deleted", "var_r": "var_r_if_deleted",
        "median_r": "median_r_if_deleted"}
STATS = {"n": "n", "raw_r": "r_raw", "std_r": "r_std", "r_cor": "r_cor", "r_drop": "r_drop",
         "mean": "mean", "sd": "sd"}


@pytest.fixture(scope="module")
def bfi(reference_dir: Path) -> pd.DataFrame:
    return pd.read_csv(reference_dir / "data" / "bfi.csv")


def _ref(name: str) -> dict:
    return json.loads((R_DIR / f"{name}.json").read_text())


@pytest.fixture(scope="module", params=ALPHA_CASES)
def case(request: pytest.FixtureRequest, bfi: pd.DataFrame) -> tuple[dict, AlphaResult]:
    ref = _ref(request.param)
    return ref, cronbach_alpha(bfi[ref["items"]], reverse=ref["reverse"], missing=ref["missing"])


def test_fixtures_present() -> None:
    """All eight psych::alpha reference cases (4 scales × pairwise/listwise) are committed."""
    assert len(ALPHA_CASES) == 8


def test_totals_match_psych(case: tuple[dict, AlphaResult]) -> None:
    """alpha, std.alpha, G6(smc), average_r, S/N, ase, mean, sd, median_r, var.r equal psych's $total."""
    ref, a = case
    assert a.n_obs == ref["n_obs"]
    for r_name, py_name in TOTAL.items():
        assert getattr(a, py_name) == pytest.approx(ref["total"][r_name], rel=RTOL), r_name


def test_feldt_interval_matches_psych(case: tuple[dict, AlphaResult]) -> None:
    """The 95% Feldt interval equals psych's $feldt (alpha.ci with n = rows, k items)."""
    ref, a = case
    assert a.ci == pytest.approx((ref["feldt"]["lower"], ref["feldt"]["upper"]), rel=RTOL)
    assert a.ci[0] < a.alpha < a.ci[1]


def test_alpha_if_deleted_matches_psych(case: tuple[dict, AlphaResult]) -> None:
    """Every column of psych's $alpha.drop is reproduced per item."""
    ref, a = case
    for r_name, py_name in DROP.items():
        np.testing.assert_allclose(a.items[py_name], ref["alpha_drop"][r_name], rtol=RTOL,
                                   err_msg=r_name)


def test_item_stats_match_psych(case: tuple[dict, AlphaResult]) -> None:
    """n, raw.r, std.r, r.cor, r.drop, mean and sd equal psych's $item.stats (reversed items reflected)."""
    ref, a = case
    for r_name, py_name in STATS.items():
        np.testing.assert_allclose(a.items[py_name], ref["item_stats"][r_name], rtol=RTOL,
                                   err_msg=r_name)
    assert list(a.items.index[a.items["reversed"]]) == ref["reverse"]


def test_omega_total_matches_psych(case: tuple[dict, AlphaResult]) -> None:
    """omega total agrees with psych::omega(x, nfactors=1, key=...) and with the converged fit."""
    ref, a = case
    # psych stops its minres optimiser early (differences ~5e-8); the converged R fit is tighter
    assert a.omega_total == pytest.approx(ref["omega_total_psych"], rel=RTOL)
    assert a.omega_total == pytest.approx(ref["omega_total_tight"], rel=1e-8)
    np.testing.assert_allclose(a.omega_fit.loadings["MR1"].abs(), ref["omega_tight_loadings"],
                               rtol=1e-6)
    assert a.omega_fit.converged


def test_unit_weights_reproduce_unweighted(bfi: pd.DataFrame) -> None:
    """Weights of 1 (or any constant) give exactly the unweighted statistics."""
    x = bfi[[f"A{i}" for i in range(1, 6)]]
    for missing in ("pairwise", "listwise"):
        plain = cronbach_alpha(x, reverse=["A1"], missing=missing)
        for w in (np.ones(len(x)), np.full(len(x), 3.7)):
            weighted = cronbach_alpha(x, reverse=["A1"], missing=missing, weights=w)
            assert weighted.weighted and not plain.weighted
            assert weighted.alpha == pytest.approx(plain.alpha, rel=1e-12)
            assert weighted.sd == pytest.approx(plain.sd, rel=1e-12)
            assert weighted.omega_total == pytest.approx(plain.omega_total, rel=1e-9)
            pd.testing.assert_frame_equal(weighted.items, plain.items, rtol=1e-9)


def test_weighted_alpha_by_hand(bfi: pd.DataFrame) -> None:
    """Weighted alpha equals k/(k−1)(1 − tr C/ΣC) with numpy's reliability-weighted covariance."""
    x = bfi[[f"C{i}" for i in range(1, 6)]].dropna()
    w = np.random.default_rng(8).uniform(0.5, 3.0, len(x))
    a = cronbach_alpha(x, reverse=["C4", "C5"], weights=w)
    xv = x.to_numpy(float)
    xv[:, 3:] = 7.0 - xv[:, 3:]  # observed scale 1..6
    c = np.cov(xv, rowvar=False, aweights=w, ddof=1)
    k = c.shape[0]
    assert a.alpha == pytest.approx(k / (k - 1) * (1 - np.trace(c) / c.sum()), rel=1e-12)
    wm = np.average(xv, axis=0, weights=w)
    np.testing.assert_allclose(a.items["mean"], wm, rtol=1e-12)
    np.testing.assert_allclose(a.items["sd"], np.sqrt(np.diag(c)), rtol=1e-12)
    total = xv.mean(axis=1)
    assert a.mean == pytest.approx(np.average(total, weights=w), rel=1e-12)
    rest = xv.sum(axis=1)[:, None] - xv
    r_drop = [np.cov(xv[:, j], rest[:, j], aweights=w)[0, 1]
              / np.sqrt(np.cov(xv[:, j], aweights=w) * np.cov(rest[:, j], aweights=w))
              for j in range(k)]
    np.testing.assert_allclose(a.items["r_drop"], r_drop, rtol=1e-10)


def test_frequency_weights_equal_replicated_rows(bfi: pd.DataFrame) -> None:
    """Integer weights give the same alpha and item means as repeating each row that many times."""
    x = bfi[[f"N{i}" for i in range(1, 6)]].dropna().iloc[:300]
    w = np.random.default_rng(1).integers(1, 4, len(x))
    a = cronbach_alpha(x, missing="listwise", weights=w)
    b = cronbach_alpha(x.loc[x.index.repeat(w)], missing="listwise")
    for name in ("alpha", "std_alpha", "g6", "average_r", "mean"):
        assert getattr(a, name) == pytest.approx(getattr(b, name), rel=1e-10), name
    assert a.omega_total == pytest.approx(b.omega_total, rel=1e-8)  # iterative fit
    np.testing.assert_allclose(a.items["r_drop"], b.items["r_drop"], rtol=1e-10)


def test_explicit_scale_reflects_with_questionnaire_bounds(bfi: pd.DataFrame) -> None:
    """scale=(1, 6) equals psych's observed bounds; scale=(1, 7) only shifts the reversed item's mean."""
    x = bfi[[f"A{i}" for i in range(1, 6)]]
    base = cronbach_alpha(x, reverse="A1")
    same = cronbach_alpha(x, reverse="A1", scale=(1, 6))
    other = cronbach_alpha(x, reverse="A1", scale=(1, 7))
    pd.testing.assert_frame_equal(base.items, same.items)
    assert other.alpha == pytest.approx(base.alpha, rel=1e-12)
    assert other.items.loc["A1", "mean"] == pytest.approx(base.items.loc["A1", "mean"] + 1.0)
    assert other.items.loc["A1", "r_drop"] == pytest.approx(base.items.loc["A1", "r_drop"])


def test_reversing_changes_alpha_and_is_reported(bfi: pd.DataFrame) -> None:
    """Without reversing A1 alpha is lower (A1 correlates negatively) and no item is marked reversed."""
    x = bfi[[f"A{i}" for i in range(1, 6)]]
    keyed, unkeyed = cronbach_alpha(x, reverse=["A1"]), cronbach_alpha(x)
    assert unkeyed.alpha < keyed.alpha
    assert unkeyed.reverse == () and keyed.reverse == ("A1",)
    assert unkeyed.items.loc["A1", "r_drop"] < 0 < keyed.items.loc["A1", "r_drop"]


def test_two_items_alpha_by_hand() -> None:
    """With two items alpha = 2(1 − (v1 + v2)/(v1 + v2 + 2c)) and the if-deleted columns are NaN."""
    x = pd.DataFrame({"q1": [1, 2, 3, 4, 5, 3, 2], "q2": [2, 2, 3, 5, 4, 4, 1]})
    a = cronbach_alpha(x)
    c = np.cov(x.to_numpy(float), rowvar=False)
    assert a.alpha == pytest.approx(2 * (1 - np.trace(c) / c.sum()))
    assert a.items["alpha_if_deleted"].isna().all()


@settings(max_examples=25, deadline=None)
@given(arrays(np.float64, 40, elements=st.integers(1, 5).map(float)),
       arrays(np.float64, (40, 4), elements=st.integers(-1, 1).map(float)),
       st.floats(0.5, 4.0), st.floats(-3.0, 3.0))
def test_alpha_invariant_to_affine_recoding(
    latent: np.ndarray, noise: np.ndarray, a: float, b: float
) -> None:
    """Recoding every item as a·x + b (a > 0) leaves alpha, std_alpha and r_drop unchanged."""
    data = latent[:, None] + noise
    assume(np.all(data.std(axis=0) > 0) and np.corrcoef(data, rowvar=False).min() > 0.1)
    x = pd.DataFrame(data, columns=list("abcd"))
    r1, r2 = cronbach_alpha(x), cronbach_alpha(x * a + b)
    assert r2.alpha == pytest.approx(r1.alpha, rel=1e-9, abs=1e-12)
    assert r2.std_alpha == pytest.approx(r1.std_alpha, rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(r2.items["r_drop"], r1.items["r_drop"], rtol=1e-9, atol=1e-12)


def test_result_is_frozen_printable_and_serialisable(bfi: pd.DataFrame) -> None:
    """The result cannot be modified, prints a table marking reversed items, and to_dict is JSON-ready."""
    a = cronbach_alpha(bfi[[f"A{i}" for i in range(1, 6)]], reverse=["A1"], missing="listwise")
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.alpha = 0.0  # type: ignore[misc]
    text = str(a)
    assert "A1-" in text and f"{a.alpha:.3f}" in text and "Feldt" in text
    d = json.loads(json.dumps(a.to_dict()))
    assert d["alpha"] == a.alpha and d["missing"] == "listwise" and d["reverse"] == ["A1"]
    assert d["items"]["A3"]["r_drop"] == a.items.loc["A3", "r_drop"]
    assert a.missing is MissingData.LISTWISE


def test_negatively_correlated_items_match_psych_without_warnings() -> None:
    """A scale with a negatively correlated item gives psych's negative alpha, with no numpy warnings."""
    # R: x <- data.frame(a = c(1,2,3,4,5,1,2,3), b = c(5,4,3,2,1,5,4,2), c = c(1,3,2,4,5,2,1,3))
    #    psych::alpha(x, warnings = FALSE)   (psych 2.2.9)
    x = pd.DataFrame({"a": [1, 2, 3, 4, 5, 1, 2, 3], "b": [5, 4, 3, 2, 1, 5, 4, 2],
                      "c": [1, 3, 2, 4, 5, 2, 1, 3]})
    a = cronbach_alpha(x)
    assert a.alpha == pytest.approx(-3.133929, abs=5e-7)
    assert a.std_alpha == pytest.approx(-2.599604, abs=5e-7)
    assert a.g6 == pytest.approx(0.6607752, abs=5e-8)
    assert a.ase == pytest.approx(1.508925, abs=5e-7)
    assert (a.mean, a.sd) == pytest.approx((2.833333, 0.4714045), abs=5e-7)
    np.testing.assert_allclose(a.items["r_cor"], [0.9802284, -1.0130538, 0.8844774], atol=5e-8)
    np.testing.assert_allclose(a.items["alpha_if_deleted"], [-10.0512821, 0.9223301, -65.1428571],
                               atol=5e-8)
    assert a.items["var_r_if_deleted"].isna().all()  # one correlation left: no variance


def test_level_changes_interval_width(bfi: pd.DataFrame) -> None:
    """A 99% Feldt interval contains the 95% one."""
    x = bfi[[f"N{i}" for i in range(1, 6)]]
    a95, a99 = cronbach_alpha(x), cronbach_alpha(x, level=0.99)
    assert a99.ci[0] < a95.ci[0] < a95.ci[1] < a99.ci[1]


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"reverse": ["Z9"]}, ReliabilityErrorCode.UNKNOWN_ITEM),
        ({"missing": "everything"}, ReliabilityErrorCode.BAD_OPTION),
        ({"weights": [1.0, 2.0]}, ReliabilityErrorCode.BAD_WEIGHTS),
        ({"weights": np.r_[0.0, np.ones(6)]}, ReliabilityErrorCode.BAD_WEIGHTS),
        ({"level": 1.5}, ReliabilityErrorCode.BAD_OPTION),
        ({"reverse": ["a"], "scale": (5, 1)}, ReliabilityErrorCode.BAD_OPTION),
        ({"scale": ("low", "high")}, ReliabilityErrorCode.BAD_OPTION),
    ],
)
def test_bad_arguments_raise_with_code(kwargs: dict, code: ReliabilityErrorCode) -> None:
    """Each invalid argument raises an EstimationError with its stable code."""
    x = pd.DataFrame({"a": [1, 2, 3, 4, 5, 2, 3], "b": [2, 1, 3, 5, 4, 2, 2],
                      "c": [1, 1, 2, 4, 5, 3, 3]})
    with pytest.raises(EstimationError) as info:
        cronbach_alpha(x, **kwargs)
    assert info.value.code is code


@pytest.mark.parametrize(
    ("items", "code"),
    [
        (pd.DataFrame({"a": [1, 2, 3, 4]}), ReliabilityErrorCode.TOO_FEW_ITEMS),
        (pd.DataFrame({"a": [1, 2, 3, 4], "b": ["x", "y", "z", "w"]}), ReliabilityErrorCode.NOT_NUMERIC),
        (pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 2, 2, 2], "c": [1, 3, 2, 5, 4]}),
         ReliabilityErrorCode.NO_VARIANCE),
        (pd.DataFrame({"a": [1, 2, np.nan], "b": [2, 1, 3], "c": [1, np.nan, 3]}),
         ReliabilityErrorCode.TOO_FEW_OBSERVATIONS),
        (np.ones((5, 3)), ReliabilityErrorCode.NOT_A_FRAME),
    ],
)
def test_bad_data_raise_with_code(items: object, code: ReliabilityErrorCode) -> None:
    """Unusable item data raise an EstimationError (a ValueError) with a stable code."""
    with pytest.raises(ValueError) as info:
        cronbach_alpha(items)  # type: ignore[arg-type]
    assert isinstance(info.value, EstimationError) and info.value.code is code


@pytest.fixture(scope="module")
def satisfaction(repo_dir: Path):
    from survey_engine.instruments import load

    return load(repo_dir / "questionnaires" / "ip_service_satisfaction.json")


def _convenience_answers(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(12)
    latent = rng.integers(1, 6, n)
    items = ["conv_one_window", "conv_online", "conv_materials", "conv_time_limit", "conv_guide"]
    data = {i: np.clip(latent + rng.integers(-1, 2, n), 1, 5).astype(object) for i in items}
    data["conv_repeat_visits"] = (6 - np.clip(latent + rng.integers(-1, 2, n), 1, 5)).astype(object)
    frame = pd.DataFrame(data)
    frame.iloc[::17, 1] = "NA"  # the scale's not-applicable code
    return frame


def test_dimension_alpha_uses_questionnaire_keys_scale_and_na_code(satisfaction) -> None:
    """dimension_alpha reverses the questionnaire's reverse items within the 1..5 scale and treats 'NA' as missing."""
    data = _convenience_answers()
    a = dimension_alpha(satisfaction, data, "convenience")
    numeric = data.replace("NA", np.nan).astype(float)
    b = cronbach_alpha(numeric, reverse=["conv_repeat_visits"], scale=(1, 5))
    assert a.reverse == ("conv_repeat_visits",)
    assert a.alpha == pytest.approx(b.alpha, rel=1e-12)
    pd.testing.assert_frame_equal(a.items, b.items)
    assert a.items.loc["conv_online", "n"] == len(data) - len(data.iloc[::17])
    assert a.items.loc["conv_repeat_visits", "r_drop"] > 0.5


@pytest.mark.parametrize(
    ("change", "dimension", "code"),
    [
        (lambda d: d, "no_such_dimension", ReliabilityErrorCode.UNKNOWN_DIMENSION),
        (lambda d: d.drop(columns="conv_guide"), "convenience", ReliabilityErrorCode.UNKNOWN_ITEM),
        (lambda d: d.assign(conv_guide=7), "convenience", ReliabilityErrorCode.OUT_OF_SCALE),
        (lambda d: d.assign(conv_guide="bad"), "convenience", ReliabilityErrorCode.NOT_NUMERIC),
    ],
)
def test_dimension_alpha_rejects_bad_requests(satisfaction, change, dimension: str, code) -> None:
    """Unknown dimensions, absent columns, out-of-scale and non-numeric answers raise with a code."""
    with pytest.raises(EstimationError) as info:
        dimension_alpha(satisfaction, change(_convenience_answers()), dimension)
    assert info.value.code is code
