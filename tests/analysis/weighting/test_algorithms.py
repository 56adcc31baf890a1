"""The array-level algorithms: IPF raking, calibration solver, trimming, convergence reports."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from survey_engine.analysis.weighting import (
    CalibrationMethod, WeightingConvergenceWarning, WeightingErrorCode, calibration_g, rake_codes,
    trim_weights)
from survey_engine.analysis.weighting.trimming import trim_bounds
from survey_engine.errors import WeightingError


def test_ipf_reproduces_deming_stephan_margins() -> None:
    """Raking a 2×2 table of ones to row (30, 70) and column (40, 60) margins meets both."""
    codes = [np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])]
    w, conv = rake_codes(np.ones(4), codes, [np.array([30.0, 70.0]), np.array([40.0, 60.0])])
    assert conv.converged and conv.max_difference < 1e-10
    np.testing.assert_allclose(np.bincount(codes[0], w), [30, 70])
    np.testing.assert_allclose(np.bincount(codes[1], w), [40, 60])
    # Raking a table of ones to margins gives the independence table r_i c_j / N.
    np.testing.assert_allclose(w, [12, 18, 28, 42])


def test_ipf_on_replicate_columns_rakes_each_column() -> None:
    """Two weight columns are raked at once, each to the same margins."""
    codes = [np.array([0, 0, 1, 1, 1]), np.array([0, 1, 0, 1, 1])]
    weights = np.array([[1.0, 2.0], [2.0, 0.0], [1.0, 1.0], [3.0, 1.0], [1.0, 2.0]])
    targets = [np.array([30.0, 70.0]), np.array([40.0, 60.0])]
    raked, conv = rake_codes(weights, codes, targets)
    assert conv.converged
    for r in range(2):
        np.testing.assert_allclose(np.bincount(codes[0], raked[:, r]), targets[0])
        np.testing.assert_allclose(np.bincount(codes[1], raked[:, r]), targets[1])


def test_ipf_reports_non_convergence_with_structural_zeros() -> None:
    """Diagonal-only data cannot meet row (50, 50) and column (30, 70): converged is False."""
    codes = [np.array([0, 1]), np.array([0, 1])]
    _, conv = rake_codes(np.ones(2), codes, [np.array([50.0, 50.0]), np.array([30.0, 70.0])],
                         max_iter=25)
    assert not conv.converged and conv.iterations == 25 and conv.max_difference > 0.1


def test_design_rake_raises_or_warns_when_not_converged() -> None:
    """Design.rake raises NOT_CONVERGED by default and warns when asked to."""
    import pandas as pd

    from survey_engine.analysis import Design

    d = Design(pd.DataFrame({"a": ["x", "y"], "b": ["u", "v"], "w": [1.0, 1.0]}), weights="w")
    margins = {"a": {"x": 50, "y": 50}, "b": {"u": 30, "v": 70}}
    with pytest.raises(WeightingError) as info:
        d.rake(margins, max_iter=20)
    assert info.value.code is WeightingErrorCode.NOT_CONVERGED
    assert "20 iteration" in str(info.value)
    with pytest.warns(WeightingConvergenceWarning):
        d.rake(margins, max_iter=20, on_nonconvergence="warn")


def test_logit_calibration_keeps_g_inside_bounds() -> None:
    """Logit calibration meets the totals with every g strictly inside (lo, hi)."""
    rng = np.random.default_rng(1)
    x = np.column_stack([np.ones(200), rng.normal(10, 2, 200)])
    d = np.full(200, 5.0)
    totals = np.array([1000.0, 10400.0])
    g, conv = calibration_g(x, d, totals, CalibrationMethod.LOGIT, (0.5, 1.8))
    assert conv.converged
    assert g.min() > 0.5 and g.max() < 1.8
    np.testing.assert_allclose(x.T @ (d * g), totals, rtol=1e-10)


def test_bounded_linear_calibration_clips_g() -> None:
    """Bounded linear calibration meets the totals with g clipped to [lo, hi]."""
    rng = np.random.default_rng(2)
    x = np.column_stack([np.ones(300), rng.exponential(1.0, 300)])
    d = np.ones(300)
    totals = np.array([300.0, 320.0])
    g_free, _ = calibration_g(x, d, totals)
    g, conv = calibration_g(x, d, totals, "linear", (0.8, 1.3))
    assert g_free.max() > 1.3 and conv.converged
    assert g.min() >= 0.8 - 1e-12 and g.max() <= 1.3 + 1e-12
    np.testing.assert_allclose(x.T @ (d * g), totals, rtol=1e-10)


def test_nonlinear_calibration_reports_failure_when_bounds_are_too_tight() -> None:
    """Totals out of reach of g in [0.99, 1.01] give converged=False after max_iter."""
    x = np.ones((10, 1))
    g, conv = calibration_g(x, np.ones(10), np.array([20.0]), "raking", (0.99, 1.01), max_iter=10)
    assert not conv.converged and conv.iterations == 10


def test_trimming_as_r_trimweights_single_pass() -> None:
    """One pass caps at 10 and gives the excess equally to the others (R, strict=FALSE)."""
    w = np.array([1.0, 2.0, 3.0, 14.0])
    out, conv = trim_weights(w, upper=10.0, strict=False)
    np.testing.assert_allclose(out, [1 + 4 / 3, 2 + 4 / 3, 3 + 4 / 3, 10.0])
    assert conv.iterations == 1


def test_strict_trimming_iterates_until_no_weight_exceeds_the_cap() -> None:
    """Repeated passes leave every weight at or below the cap and keep the total."""
    w = np.array([1.0, 8.0, 9.0, 30.0])
    out, conv = trim_weights(w, upper=12.0)
    assert conv.converged and out.max() <= 12.0 + 1e-12
    assert out.sum() == pytest.approx(w.sum())


def test_proportional_redistribution_keeps_ratios_of_untrimmed() -> None:
    """Proportional sharing multiplies the untrimmed weights by one common factor."""
    w = np.array([1.0, 2.0, 4.0, 20.0])
    out, _ = trim_weights(w, upper=10.0, redistribute="proportional")
    assert out[1] / out[0] == pytest.approx(2.0) and out[2] / out[0] == pytest.approx(4.0)
    assert out.sum() == pytest.approx(w.sum())


def test_median_scale_bounds_and_infeasible_cap() -> None:
    """Bounds can be median multiples; a cap below the mean weight is INFEASIBLE."""
    w = np.array([1.0, 2.0, 3.0, 100.0])
    assert trim_bounds(w, None, 3.0, "median") == (-np.inf, 7.5)
    with pytest.raises(WeightingError) as info:
        trim_weights(w, upper=20.0)
    assert info.value.code is WeightingErrorCode.INFEASIBLE


def test_trimming_leaves_zero_weights_alone() -> None:
    """A zero weight stays zero even with a positive lower bound."""
    out, _ = trim_weights(np.array([0.0, 1.0, 5.0, 6.0]), lower=2.0)
    assert out[0] == 0.0 and out[1:].min() >= 2.0 - 1e-12


def test_closed_form_linear_calibration_has_no_warning() -> None:
    """GREG in closed form reports one iteration and converged."""
    x = np.column_stack([np.ones(5), np.arange(5.0)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g, conv = calibration_g(x, np.ones(5), np.array([10.0, 25.0]))
    assert conv.iterations == 1 and conv.converged
    np.testing.assert_allclose(x.T @ g, [10.0, 25.0])


def test_ipf_with_a_sparse_cell_space_uses_occupied_cells_only() -> None:
    """Margins of 3000 × 3000 levels (9e6 possible cells) rake on the occupied cells alone."""
    rng = np.random.default_rng(3)
    a = np.repeat(np.arange(3000), 2)
    b = np.concatenate([np.arange(3000), rng.permutation(3000)])
    weights = rng.uniform(1, 2, a.size)
    targets = [np.bincount(a, weights) * 1.1, np.bincount(b, weights) * 1.1]
    raked, conv = rake_codes(weights, [a, b], targets)
    assert conv.converged
    np.testing.assert_allclose(np.bincount(a, raked), targets[0], rtol=1e-9)
    np.testing.assert_allclose(np.bincount(b, raked), targets[1], rtol=1e-9)
