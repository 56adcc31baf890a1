"""Design construction: validation errors, weights from probs/fpc, immutability, lonely PSUs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey_engine.analysis import Design, DesignErrorCode, LonelyPSU
from survey_engine.errors import DesignError
from tests.analysis.r_cases import dataset


@pytest.fixture()
def strat() -> pd.DataFrame:
    return dataset("apistrat.csv").copy()


@pytest.fixture()
def clus2() -> pd.DataFrame:
    return dataset("apiclus2.csv").copy()


def test_unknown_columns_are_all_named(strat):
    """Every unknown column is reported with the argument it was given for."""
    with pytest.raises(DesignError) as err:
        Design(strat, ids="nope", strata="stype", weights="wt", fpc="fpc")
    assert err.value.code is DesignErrorCode.UNKNOWN_COLUMN
    assert "'nope'" in str(err.value) and "'wt'" in str(err.value)


def test_missing_weights_are_counted(strat):
    """Missing weights raise an error naming the column and the number of rows."""
    strat.loc[[3, 7, 9], "pw"] = np.nan
    with pytest.raises(DesignError) as err:
        Design(strat, strata="stype", weights="pw")
    assert err.value.code is DesignErrorCode.MISSING_VALUES
    assert "'pw'" in str(err.value) and "3 missing" in str(err.value)


def test_nonpositive_weights_are_rejected(strat):
    """Zero and negative weights raise an error naming the column and the row count."""
    strat.loc[[0, 1], "pw"] = [0.0, -2.0]
    with pytest.raises(DesignError) as err:
        Design(strat, strata="stype", weights="pw")
    assert err.value.code is DesignErrorCode.NONPOSITIVE_WEIGHT
    assert "2 row(s)" in str(err.value)


def test_weights_and_probs_together_are_rejected(strat):
    """Giving both weights and probabilities is an error, as in R's svydesign."""
    strat["p"] = 1 / strat["pw"]
    with pytest.raises(DesignError) as err:
        Design(strat, strata="stype", weights="pw", probs="p")
    assert err.value.code is DesignErrorCode.WEIGHTS_AND_PROBS


def test_clusters_not_nested_in_strata(strat):
    """Districts spanning school types are rejected unless nest=True, which relabels them."""
    with pytest.raises(DesignError) as err:
        Design(strat, ids="dnum", strata="stype", weights="pw")
    assert err.value.code is DesignErrorCode.NOT_NESTED
    assert "'dnum'" in str(err.value) and "rows" in str(err.value)
    assert Design(strat, ids="dnum", strata="stype", weights="pw", nest=True).df > 0


def test_fpc_smaller_than_sample(strat):
    """A population size below the sample size of its stratum is reported with the row count."""
    strat.loc[strat["stype"] == "H", "fpc"] = 10
    with pytest.raises(DesignError) as err:
        Design(strat, strata="stype", weights="pw", fpc="fpc")
    assert err.value.code is DesignErrorCode.FPC_TOO_SMALL
    assert "50 rows" in str(err.value)


def test_fpc_must_be_constant_within_strata(strat):
    """An fpc varying within a stratum is an error."""
    strat.loc[0, "fpc"] = strat.loc[0, "fpc"] + 1
    with pytest.raises(DesignError) as err:
        Design(strat, strata="stype", weights="pw", fpc="fpc")
    assert err.value.code is DesignErrorCode.FPC_NOT_CONSTANT


def test_fpc_per_stage_required(clus2):
    """A two-stage design needs one fpc per stage (R fails with non-conformable arrays)."""
    with pytest.raises(DesignError) as err:
        Design(clus2, ids=["dnum", "snum"], fpc="fpc1")
    assert err.value.code is DesignErrorCode.FPC_STAGES


def test_fpc_as_fractions_equals_population_sizes(strat):
    """Sampling fractions n_h/N_h give the same weights and SEs as population sizes N_h (R's as.fpc)."""
    n_h = strat.groupby("stype")["stype"].transform("size")
    strat["frac"] = n_h / strat["fpc"]
    a = Design(strat, strata="stype", fpc="fpc").mean("api00")
    b = Design(strat, strata="stype", fpc="frac").mean("api00")
    assert a.estimate == pytest.approx(b.estimate, rel=1e-12)
    assert a.se == pytest.approx(b.se, rel=1e-12)


def test_probabilities_equal_inverse_weights(clus2):
    """Stage probabilities multiply: weights 1/(p1 p2) reproduce the weighted design."""
    clus2["p1"] = 40 / 757
    clus2["p2"] = clus2["pw"] / (757 / 40)
    clus2["p2"] = 1 / clus2["p2"]
    a = Design(clus2, ids=["dnum", "snum"], probs=["p1", "p2"]).mean("api00")
    b = Design(clus2, ids=["dnum", "snum"], weights="pw").mean("api00")
    assert a.estimate == pytest.approx(b.estimate, rel=1e-12)
    assert a.se == pytest.approx(b.se, rel=1e-12)


def test_weights_from_fpc_when_none_given(clus2):
    """Without weights, a two-stage design takes w = (N1/n1)(N2/n2) from the fpc (R's rule)."""
    d = Design(clus2, ids=["dnum", "snum"], fpc=["fpc1", "fpc2"])
    assert np.allclose(d.weights, clus2["pw"], rtol=1e-9)


def test_lonely_psu_fails_by_default(strat):
    """A stratum with one PSU fails by default and names the stratum; other policies work."""
    with pytest.raises(DesignError) as err:
        Design(strat, strata="cname", weights="pw")
    assert err.value.code is DesignErrorCode.LONELY_PSU
    for policy in LonelyPSU:
        if policy is not LonelyPSU.FAIL:
            assert np.isfinite(Design(strat, strata="cname", weights="pw", lonely_psu=policy).mean("api00").se)


def test_unknown_lonely_policy(strat):
    """An unknown lonely-PSU policy lists the accepted ones."""
    with pytest.raises(DesignError) as err:
        Design(strat, strata="stype", weights="pw", lonely_psu="drop")
    assert err.value.code is DesignErrorCode.BAD_OPTION and "average" in str(err.value)


def test_single_psu_design(strat):
    """A design with one PSU and no strata cannot give a variance and is rejected."""
    strat["one"] = 1
    with pytest.raises(DesignError) as err:
        Design(strat, ids="one", weights="pw")
    assert err.value.code is DesignErrorCode.SINGLE_PSU


def test_design_is_immutable(strat):
    """Attributes cannot be reassigned; subset and _adjusted return new designs."""
    d = Design(strat, strata="stype", weights="pw")
    with pytest.raises(AttributeError):
        d._weights = np.ones(d.n)
    sub = d.subset(strat["stype"] == "E")
    assert d.domain is None and sub.domain.sum() == 100
    adj = d._adjusted(d.weights * 2, None)
    assert np.allclose(adj.weights, 2 * d.weights) and d.weights[0] == strat["pw"][0]


def test_adjustment_is_applied_to_linearised_values(strat):
    """A variance adjustment appended by _adjusted receives the n×k linearised values before aggregation."""
    seen = []

    class Zero:
        def residualize(self, x):
            seen.append(x.shape)
            return np.zeros_like(x)

    d = Design(strat, strata="stype", weights="pw", fpc="fpc")._adjusted(strat["pw"].to_numpy(), Zero())
    r = d.mean("api00", by="stype")
    assert seen == [(200, 3)] and np.allclose(r.to_frame()["se"], 0.0)


def test_subset_expression_and_mask_agree(strat):
    """subset() accepts a boolean mask or a DataFrame.eval expression."""
    d = Design(strat, strata="stype", weights="pw", fpc="fpc")
    a = d.subset(strat["api00"] > 700).mean("api00")
    b = d.subset("api00 > 700").mean("api00")
    assert a.estimate == b.estimate and a.se == b.se
    with pytest.raises(DesignError) as err:
        d.subset("no_such_column > 1")
    assert err.value.code is DesignErrorCode.BAD_SUBSET


def test_assign_refreshes_domain_codes(strat):
    """assign() on a design (or replicate design) uses the new column values as domains, never stale codes."""
    d = Design(strat, strata="stype", weights="pw", fpc="fpc")
    d.mean("api00", by="sch.wide")
    merged = d.assign(**{"sch.wide": "all"})
    assert merged.mean("api00", by="sch.wide").labels == (("all", "api00"),)
    rep = d.replicate("JKn")
    assert rep.assign(z=strat["api00"] * 2).mean("z").estimate == pytest.approx(2 * rep.mean("api00").estimate)
