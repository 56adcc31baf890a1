"""Inclusion probabilities proportional to size, against R's sampling package."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_engine.errors import SamplingError
from survey_engine.sampling import (
    SamplingErrorCode,
    ZeroSizes,
    grouped_inclusion_probabilities,
    inclusion_probabilities,
)


def test_matches_r_on_apipop_enroll_n200(reference_dir):
    """pik for apipop enroll, n = 200 equals R's inclusionprobabilities (reference/weights)."""
    ref = pd.read_csv(reference_dir / "weights" / "incl_prob_enroll_200.csv")
    pik = inclusion_probabilities(ref["enroll"].to_numpy(), 200)
    np.testing.assert_allclose(pik, ref["pik"].to_numpy(), rtol=1e-12, atol=0)


def _r_cases(repo_dir):
    return json.loads((repo_dir / "tests" / "fixtures" / "r" / "sampling" /
                       "inclusionprobabilities.json").read_text())


@pytest.mark.parametrize("index", range(6))
def test_matches_r_with_certainty_units(repo_dir, index):
    """Capped pik agree with R (tests/fixtures/r/sampling.R) incl. cases with 197 and 1380 certainty units."""
    case = _r_cases(repo_dir)[index]
    pik = inclusion_probabilities(case["sizes"], case["n"], zero_sizes=ZeroSizes.EXCLUDE)
    np.testing.assert_allclose(pik, case["pik"], rtol=1e-13, atol=1e-15)
    assert (pik == 1).sum() == (np.asarray(case["pik"]) == 1).sum()


def test_grouped_equals_separate_calls(repo_dir):
    """Capping all strata at once equals capping each stratum on its own."""
    gen = np.random.default_rng(1)
    x = gen.pareto(1.2, 300) + 0.1
    g = np.repeat([0, 1, 2], 100)
    n = np.array([10, 30, 5])
    together = grouped_inclusion_probabilities(x, g, n)
    for h in range(3):
        np.testing.assert_allclose(together[g == h], inclusion_probabilities(x[g == h], int(n[h])),
                                   rtol=1e-14)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0.01, 1e6), min_size=1, max_size=60), st.data())
def test_probabilities_sum_to_n_and_stay_in_unit_interval(sizes, data):
    """For any positive sizes, pik lie in (0, 1], sum to n and grow with size."""
    n = data.draw(st.integers(0, len(sizes)))
    pik = inclusion_probabilities(sizes, n)
    assert pik.sum() == pytest.approx(n, abs=1e-9)
    assert np.all(pik <= 1.0)
    order = np.argsort(sizes, kind="stable")
    assert np.all(np.diff(pik[order]) >= -1e-12)


def test_zero_sizes_are_refused_or_excluded_like_r():
    """Zero sizes raise NONPOSITIVE_SIZE by default; EXCLUDE gives them 0 as R does."""
    with pytest.raises(SamplingError) as err:
        inclusion_probabilities([1.0, 0.0, 3.0], 1)
    assert err.value.code is SamplingErrorCode.NONPOSITIVE_SIZE
    assert "[1]" in str(err.value)
    pik = inclusion_probabilities([1.0, 0.0, 3.0], 1, zero_sizes=ZeroSizes.EXCLUDE)
    np.testing.assert_allclose(pik, [0.25, 0.0, 0.75])


def test_n_larger_than_positive_units_is_refused():
    """n greater than the number of units raises SAMPLE_TOO_LARGE."""
    with pytest.raises(SamplingError) as err:
        inclusion_probabilities([1.0, 2.0], 3)
    assert err.value.code is SamplingErrorCode.SAMPLE_TOO_LARGE


@pytest.mark.parametrize("n", [2.5, -1, True])
def test_non_integer_n_is_refused(n):
    """A fractional, negative or boolean n raises INVALID_SAMPLE_SIZE."""
    with pytest.raises(SamplingError) as err:
        inclusion_probabilities([1.0, 2.0, 3.0], n)
    assert err.value.code is SamplingErrorCode.INVALID_SAMPLE_SIZE
