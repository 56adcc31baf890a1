"""Invariants of the weighting algorithms, checked on random inputs with hypothesis."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_engine.analysis.weighting import calibration_g, rake_codes, trim_weights

SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def raking_problems(draw):
    """Codes covering every cell of 2–3 margins, positive weights, margins of a positive table."""
    sizes = draw(st.lists(st.integers(2, 4), min_size=2, max_size=3))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    cells = np.array(np.meshgrid(*[np.arange(k) for k in sizes], indexing="ij")).reshape(
        len(sizes), -1)
    extra = rng.integers(0, cells.shape[1], draw(st.integers(0, 200)))
    codes = np.concatenate([cells, cells[:, extra]], axis=1)
    weights = rng.uniform(0.5, 20.0, codes.shape[1])
    population = rng.uniform(1.0, 100.0, sizes)
    targets = [population.sum(axis=tuple(j for j in range(len(sizes)) if j != m))
               for m in range(len(sizes))]
    return list(codes), weights, targets


@SETTINGS
@given(raking_problems())
def test_raked_weights_reproduce_every_margin(problem) -> None:
    """Whenever IPF reports convergence, every margin total is met within the tolerance."""
    codes, weights, targets = problem
    raked, conv = rake_codes(weights, codes, targets, tol=1e-10, max_iter=5000)
    assert conv.converged
    for code, target in zip(codes, targets):
        achieved = np.bincount(code, raked, minlength=target.size)
        assert np.all(np.abs(achieved - target) / (1 + target) < 1e-10)
    assert np.all(raked > 0)


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.integers(20, 300), st.integers(1, 4),
       st.sampled_from(["linear", "raking", "logit"]))
def test_calibrated_weights_reproduce_every_total(seed: int, n: int, p: int, method: str) -> None:
    """Linear, raking and logit (bounds 0.1–10) calibration meet every total (an intercept and
    p covariates, totals within 5% of the weighted sample totals)."""
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(n), rng.normal(5.0, 1.0, (n, p))])
    d = rng.uniform(1.0, 10.0, n)
    totals = (x.T @ d) * rng.uniform(0.95, 1.05, p + 1)
    bounds = (0.1, 10.0) if method == "logit" else None
    g, conv = calibration_g(x, d, totals, method, bounds)
    assert conv.converged
    np.testing.assert_allclose(x.T @ (d * g), totals, rtol=1e-9)


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.integers(5, 300), st.floats(1.05, 5.0),
       st.booleans(), st.sampled_from(["equal", "proportional"]))
def test_trimming_respects_cap_and_preserves_total(seed: int, n: int, cap_factor: float,
                                                   with_lower: bool, redistribute: str) -> None:
    """Strict trimming never leaves a weight above the cap (or below the floor) and keeps the
    total weight."""
    rng = np.random.default_rng(seed)
    w = rng.lognormal(0.0, 1.0, n)
    upper = cap_factor * w.mean()
    lower = w.mean() / cap_factor if with_lower else -np.inf
    out, conv = trim_weights(w, lower, upper, redistribute=redistribute)
    assert conv.converged
    assert out.max() <= upper * (1 + 1e-12)
    assert out.min() >= lower * (1 - 1e-12) if with_lower else True
    np.testing.assert_allclose(out.sum(), w.sum(), rtol=1e-12)
