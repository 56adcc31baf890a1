"""Allocation of n to strata, checked against hand-worked textbook examples."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_engine.errors import SamplingError
from survey_engine.sampling import AllocationMethod, SamplingErrorCode, allocate


def test_proportional_allocation_lohr_example_3_2():
    """Lohr 2010, Example 3.2 (agpop, n = 300): regions NC/NE/S/W get 103, 21, 135, 41.

    By hand: N = 1054 + 220 + 1382 + 422 = 3078; 300 N_h / 3078 = 102.73, 21.44, 134.70, 41.13;
    floors 102, 21, 134, 41 sum to 298 and the two largest remainders (.73 NC, .70 S) get +1.
    """
    r = allocate(300, [1054, 220, 1382, 422], labels=["NC", "NE", "S", "W"])
    assert r.as_dict() == {"NC": 103, "NE": 21, "S": 135, "W": 41}
    np.testing.assert_allclose(r.exact, [102.729, 21.443, 134.698, 41.131], atol=1e-3)


def test_neyman_allocation_by_hand():
    """Neyman (Cochran 1977, §5.5, eq. 5.26): n_h = n N_h S_h / sum N_h S_h.

    N_h S_h = 400·10, 300·20, 200·30, 100·40 = 4000, 6000, 6000, 4000 (sum 20000), so with
    n = 100: 20, 30, 30, 20.
    """
    r = allocate(100, [400, 300, 200, 100], AllocationMethod.NEYMAN, sd=[10, 20, 30, 40])
    assert r.n.tolist() == [20, 30, 30, 20]


def test_neyman_allocation_caps_at_stratum_size():
    """Lohr 2010, §3.4.2: when Neyman gives n_h > N_h, take the stratum whole and re-share.

    N_h S_h = 50·100 = 5000 and 1000·1 = 1000; n = 100 would give 83.3 > 50 to stratum 1, so
    it is taken whole (50) and the remaining 50 go to stratum 2.
    """
    r = allocate(100, [50, 1000], AllocationMethod.NEYMAN, sd=[100, 1])
    assert r.n.tolist() == [50, 50]


def test_optimal_allocation_with_costs_by_hand():
    """Optimum with costs (Cochran 1977, §5.5, eq. 5.24): n_h ∝ N_h S_h / sqrt(c_h).

    1000·10/sqrt(4) = 5000 and 2000·5/sqrt(1) = 10000; n = 100 → 33.33 and 66.67 → 33, 67.
    """
    r = allocate(100, [1000, 2000], AllocationMethod.OPTIMAL, sd=[10, 5], cost=[4, 1])
    assert r.n.tolist() == [33, 67]


def test_power_allocation_by_hand():
    """Power allocation (Bankier 1988): n_h ∝ X_h^q CV_h; X = 100, 400, 900, q = 1/2 → 10:20:30."""
    r = allocate(60, [1000, 1000, 1000], AllocationMethod.POWER, measure=[100, 400, 900], power=0.5)
    assert r.n.tolist() == [10, 20, 30]


def test_minimum_per_stratum_is_respected_and_total_kept():
    """With n_min = 5, small strata get 5 and the rest is re-shared: raw 94.3/4.7/0.9 → 90, 5, 5."""
    r = allocate(100, [1000, 50, 10], n_min=5)
    assert r.n.tolist() == [90, 5, 5]


def test_equal_allocation_rounding_keeps_total():
    """Equal allocation of 10 to 3 strata: 3.33 each, the spare unit goes to the first → 4, 3, 3."""
    assert allocate(10, [100, 100, 100], AllocationMethod.EQUAL).n.tolist() == [4, 3, 3]


def test_maximum_per_stratum():
    """n_max = 30 caps the large stratum; proportional 60/40 of n = 80 becomes 30 + 50."""
    assert allocate(80, [600, 400], n_max=[30, 1000]).n.tolist() == [30, 50]


def test_fixed_allocation_must_sum_to_n():
    """A fixed allocation that does not sum to n is refused (INFEASIBLE_ALLOCATION)."""
    assert allocate(5, [10, 10], AllocationMethod.FIXED, fixed=[2, 3]).n.tolist() == [2, 3]
    with pytest.raises(SamplingError) as err:
        allocate(6, [10, 10], AllocationMethod.FIXED, fixed=[2, 3])
    assert err.value.code is SamplingErrorCode.INFEASIBLE_ALLOCATION


def test_minimum_above_stratum_size_names_the_stratum():
    """n_min = 5 in a stratum of 3 units fails with STRATUM_TOO_SMALL naming the stratum."""
    with pytest.raises(SamplingError) as err:
        allocate(20, [100, 3], labels=["city", "county"], n_min=5)
    assert err.value.code is SamplingErrorCode.STRATUM_TOO_SMALL
    assert "'county'" in str(err.value)


def test_n_larger_than_all_strata():
    """n = 30 from strata of 10 + 15 units fails with SAMPLE_TOO_LARGE."""
    with pytest.raises(SamplingError) as err:
        allocate(30, [10, 15])
    assert err.value.code is SamplingErrorCode.SAMPLE_TOO_LARGE


def test_missing_standard_deviation_names_the_stratum():
    """Neyman allocation without S_h for stratum 'b' fails naming 'b'."""
    with pytest.raises(SamplingError) as err:
        allocate(10, [10, 10], AllocationMethod.NEYMAN, labels=["a", "b"], sd={"a": 1.0})
    assert err.value.code is SamplingErrorCode.MISSING_STRATUM_PARAMETER
    assert "'b'" in str(err.value)


def test_empty_stratum_is_refused():
    """A stratum with N_h = 0 fails with EMPTY_STRATUM naming it."""
    with pytest.raises(SamplingError) as err:
        allocate(10, [10, 0], labels=["a", "ghost"])
    assert err.value.code is SamplingErrorCode.EMPTY_STRATUM
    assert "'ghost'" in str(err.value)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(1, 500), min_size=1, max_size=12), st.data())
def test_any_allocation_sums_to_n_within_bounds(sizes, data):
    """For any strata, n and minimum, integer n_h sum to n and lie in [n_min, N_h]."""
    n_min = data.draw(st.integers(0, min(sizes)))
    n = data.draw(st.integers(n_min * len(sizes), sum(sizes)))
    method = data.draw(st.sampled_from([AllocationMethod.PROPORTIONAL, AllocationMethod.EQUAL,
                                        AllocationMethod.NEYMAN, AllocationMethod.POWER]))
    sd = data.draw(st.lists(st.floats(0.1, 100), min_size=len(sizes), max_size=len(sizes)))
    r = allocate(n, sizes, method, sd=sd, n_min=n_min)
    assert r.n.sum() == n
    assert np.all(r.n >= n_min) and np.all(r.n <= np.asarray(sizes))
