"""Replicate designs: construction, options and errors (numbers vs R are in test_estimation_vs_r)."""

from __future__ import annotations

import numpy as np
import pytest

from survey_engine.analysis import Design, DesignErrorCode, ReplicateDesign
from survey_engine.analysis.hadamard import hadamard, is_hadamard, paley
from survey_engine.errors import DesignError
from tests.analysis.r_cases import dataset


@pytest.fixture(scope="module")
def strat() -> Design:
    return Design(dataset("apistrat.csv"), strata="stype", weights="pw", fpc="fpc")


@pytest.fixture(scope="module")
def brr() -> Design:
    return Design(dataset("apiclus2_brr.csv"), ids="dnum", strata="vstrat", weights="pw")


def test_hadamard_matrices_are_orthogonal():
    """Every generated matrix is Hadamard and has more rows than strata (Sylvester, Paley, doubling)."""
    for n in range(1, 120):
        h = hadamard(n)
        assert h.shape[0] > n and is_hadamard(h)
    assert is_hadamard(paley(23)) and paley(23).shape == (24, 24)


def test_jk1_needs_unstratified_design(strat):
    """JK1 on a stratified design is refused with a pointer to JKn."""
    with pytest.raises(DesignError) as err:
        strat.replicate("JK1")
    assert err.value.code is DesignErrorCode.BAD_OPTION and "JKn" in str(err.value)


def test_brr_needs_two_psus_per_stratum(strat):
    """BRR on strata with many PSUs is refused."""
    with pytest.raises(DesignError) as err:
        strat.replicate("BRR")
    assert "two PSUs" in str(err.value)


def test_brr_full_orthogonal_balance_reproduces_linear_variance(brr):
    """For a total, BRR variance equals the with-replacement Taylor variance exactly (Wolter 2007, §3.3)."""
    taylor = brr.total("enroll").se
    assert brr.replicate("BRR").total("enroll").se == pytest.approx(taylor, rel=1e-10)
    assert brr.replicate("Fay", rho=0.5).total("enroll").se == pytest.approx(taylor, rel=1e-10)


def test_given_hadamard_matrix_is_used(brr):
    """A user-supplied Hadamard matrix (±1 coding) sets the number of replicates."""
    h = 2 * paley(23) - 1
    r = brr.replicate("BRR", hadamard_matrix=h)
    assert r.n_replicates == 24
    with pytest.raises(DesignError):
        brr.replicate("BRR", hadamard_matrix=np.ones((24, 24)))


def test_fay_needs_rho(brr):
    """Fay's method without rho is an error."""
    with pytest.raises(DesignError):
        brr.replicate("Fay")


def test_bootstrap_is_seeded_and_close_to_taylor(strat):
    """The Rao–Wu bootstrap is reproducible with a seed and its SE is near the linearisation SE."""
    a = strat.replicate("bootstrap", replicates=400, seed=7).mean("api00")
    b = strat.replicate("bootstrap", replicates=400, seed=7).mean("api00")
    assert a.se == b.se
    nofpc = Design(dataset("apistrat.csv"), strata="stype", weights="pw").mean("api00").se
    assert a.se == pytest.approx(nofpc, rel=0.15)


def test_replicate_design_from_columns_and_pattern():
    """Replicate columns can be named or matched by a pattern; JKn without rscales is refused."""
    data = dataset("apiclus1.csv").copy()
    rep = Design(data, ids="dnum", weights="pw").replicate("JK1")
    for r in range(rep.n_replicates):
        data[f"repw{r + 1}"] = rep.replicate_weights[:, r]
    by_pattern = ReplicateDesign(data, weights="pw", replicate_weights="^repw", type="JK1")
    by_names = ReplicateDesign(data, weights="pw", replicate_weights=[f"repw{r + 1}" for r in range(15)], type="JK1")
    assert by_pattern.mean("api00").se == by_names.mean("api00").se == pytest.approx(rep.mean("api00").se, rel=1e-12)
    with pytest.raises(DesignError) as err:
        ReplicateDesign(data, weights="pw", replicate_weights="^repw", type="JKn")
    assert "rscales" in str(err.value)
    with pytest.raises(DesignError):
        ReplicateDesign(data, weights="pw", replicate_weights="^nothing", type="JK1")


def test_mse_option_centres_on_full_sample_estimate():
    """mse=True centres on the full-sample estimate, so the variance is never smaller."""
    d = Design(dataset("apiclus1.csv"), ids="dnum", weights="pw")
    assert d.replicate("JK1", mse=True).mean("api00").se >= d.replicate("JK1").mean("api00").se


def test_adjusted_replicates_returns_new_design():
    """_adjusted_replicates swaps weights and replicate weights without touching the original."""
    r = Design(dataset("apiclus1.csv"), ids="dnum", weights="pw").replicate("JK1")
    doubled = r._adjusted_replicates(r.weights * 2, r.replicate_weights * 2)
    assert doubled.total("enroll").estimate == pytest.approx(2 * r.total("enroll").estimate)
    assert doubled.total("enroll").se == pytest.approx(2 * r.total("enroll").se)
    assert r.mean("api00").estimate == doubled.mean("api00").estimate
    with pytest.raises(DesignError):
        r._adjusted_replicates(r.weights, r.replicate_weights[:, :3])


def test_hadamard_order_16_is_rs():
    """For 12–15 strata the matrix equals R's stored order-16 matrix (Sylvester; survey:::hadamard.list[[2]])."""
    h = hadamard(13)
    assert h.shape == (16, 16)
    assert h[1].tolist() == [1, 0] * 8 and h[2].tolist() == [1, 1, 0, 0] * 4 and h[3].tolist() == [1, 0, 0, 1] * 4
