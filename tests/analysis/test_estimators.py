"""Estimator behaviour beyond the R comparisons: missing values, results API, errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from survey_engine.analysis import Design, EstimationErrorCode
from survey_engine.errors import EstimationError
from tests.analysis.r_cases import dataset


@pytest.fixture(scope="module")
def design() -> Design:
    return Design(dataset("apiclus1.csv"), ids="dnum", weights="pw", fpc="fpc")


def test_missing_values_dropped_per_variable_and_counted(design):
    """Each variable drops its own missing rows (acs.k3 has some, api00 none) and reports the count."""
    r = design.mean(["api00", "acs.k3"])
    missing = dict(zip(r.labels, r.n_missing))
    assert missing == {"api00": 0, "acs.k3": int(dataset("apiclus1.csv")["acs.k3"].isna().sum())}
    alone = design.mean("acs.k3")
    assert r.estimate["acs.k3"] == alone.estimate and r.se["acs.k3"] == alone.se
    assert "missing values dropped: acs.k3" in str(r)


def test_to_frame_columns_and_ci(design):
    """to_frame has exactly estimate, se, ci_low, ci_high, df, deff; the t interval uses the design df."""
    r = design.mean(["api00", "api99"])
    frame = r.to_frame()
    assert list(frame.columns) == ["estimate", "se", "ci_low", "ci_high", "df", "deff"]
    from scipy import stats

    q = stats.t.ppf(0.975, 14)
    assert np.allclose(frame["ci_low"], frame["estimate"] - q * frame["se"])
    low, high = r.ci(0.9, dist="normal")
    assert np.allclose(high - low, 2 * stats.norm.ppf(0.95) * frame["se"])


def test_single_row_shortcuts_are_floats(design):
    """A one-row result exposes floats; a multi-row result exposes Series."""
    one = design.total("enroll")
    assert isinstance(one.estimate, float) and isinstance(one.se, float) and isinstance(one.deff, float)
    many = design.proportion("stype")
    assert isinstance(many.estimate, pd.Series) and list(many.estimate.index) == [("stype", "E"), ("stype", "H"), ("stype", "M")]


def test_to_dict_is_json(design):
    """to_dict gives JSON-serialisable records with the CI, df, n and missing count."""
    d = design.mean("api00", by="stype").to_dict()
    text = json.dumps(d)
    assert json.loads(text)["rows"][0]["stype"] == "E"
    assert set(d["rows"][0]) >= {"estimate", "se", "ci_low", "ci_high", "df", "deff", "n", "n_missing"}


def test_str_is_a_table(design):
    """Printing a result shows estimate, SE and the 95% CI."""
    text = str(design.mean("api00"))
    assert "SE" in text and "95% CI" in text and "api00" in text


def test_non_numeric_mean_is_rejected(design):
    """A mean of a text column points to proportion()."""
    with pytest.raises(EstimationError) as err:
        design.mean("stype")
    assert err.value.code is EstimationErrorCode.NOT_NUMERIC and "proportion" in str(err.value)


def test_unknown_variable(design):
    """An unknown variable is named."""
    with pytest.raises(EstimationError) as err:
        design.total("nope")
    assert err.value.code is EstimationErrorCode.UNKNOWN_COLUMN


def test_bad_level_and_rule(design):
    """A level outside (0, 1) and an unknown quantile rule are errors."""
    with pytest.raises(EstimationError) as err:
        design.mean("api00").ci(1.5)
    assert err.value.code is EstimationErrorCode.BAD_LEVEL
    with pytest.raises(EstimationError) as err:
        design.quantile("api00", 0.5, rule="hf10")
    assert err.value.code is EstimationErrorCode.BAD_OPTION


def test_domain_equals_subset(design):
    """by= gives the same numbers as subset() of each domain (both keep the full design)."""
    by = design.mean("api00", by="sch.wide").to_frame()
    sub = design.subset(design.data["sch.wide"] == "Yes").mean("api00")
    assert by.loc[("Yes", "api00"), "estimate"] == pytest.approx(sub.estimate, rel=1e-13)
    assert by.loc[("Yes", "api00"), "se"] == pytest.approx(sub.se, rel=1e-13)


def test_total_of_indicator_equals_mean_times_population(design):
    """The total of a 0/1 variable equals its proportion times the estimated population size."""
    data = design.data.assign(yes=(design.data["sch.wide"] == "Yes").astype(float))
    d = Design(data, ids="dnum", weights="pw", fpc="fpc")
    n_hat = d.weights.sum()
    assert d.total("yes").estimate == pytest.approx(d.mean("yes").estimate * n_hat, rel=1e-12)


def test_quantile_by_domain_and_ciprop_levels(design):
    """Quantiles by domain have one row per domain; ciprop changes with the level."""
    q = design.quantile("api00", [0.5], by="stype")
    assert len(q.labels) == 3
    p = design.ciprop("sch.wide", "Yes", method="beta")
    lo90, hi90 = p.ci(0.90)
    lo95, hi95 = p.ci(0.95)
    assert lo95 < lo90 < p.estimate < hi90 < hi95
    with pytest.raises(EstimationError):
        design.ciprop("sch.wide", "Yes", method="wilson")


def test_complete_case_option(design):
    """missing='complete' drops rows missing any listed variable; an unknown rule is refused."""
    r = design.mean(["api00", "acs.k3"], missing="complete")
    assert r.n[0] == r.n[1] and r.n_missing[0] == r.n_missing[1] > 0
    with pytest.raises(EstimationError) as err:
        design.mean("api00", missing="pairwise")
    assert err.value.code is EstimationErrorCode.BAD_OPTION
