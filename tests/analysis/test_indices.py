"""Index estimates are design-based means of the score columns, overall and by domain."""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey_engine.analysis import Design
from survey_engine.analysis.indices import estimate_indices
from survey_engine.analysis.ratings import rating_summary
from tests.analysis.satisfaction_data import SPEC, wave


def design(data):
    return Design(data, ids="psu", strata="stratum", weights="w", nest=True)


def test_index_se_equals_estimation_module_on_the_same_linear_variable():
    """The staff index and its SE equal Design.mean of the hand-computed 0–100 staff score."""
    data = wave(1, {"speed": 4, "staff": 3.5, "info": 3})
    table = estimate_indices(design(data), SPEC).table
    hand = ((data["t1"] - 1) / 4 * 100 + (data["t2"] - 1) / 4 * 100) / 2
    direct = design(data.assign(hand=hand)).mean("hand")
    np.testing.assert_allclose(table.loc["staff", ["estimate", "se"]].to_numpy(float),
                               [direct.estimate, direct.se], rtol=1e-12)
    assert set(table.index) == {"speed", "staff", "info", "csi"}
    assert table.loc["speed", "band"] == "below 80"


def test_indices_by_domain_keep_full_design():
    """Domain indices equal Design.mean(by=) on the same score."""
    data = wave(2, {"speed": 4.5, "staff": 3, "info": 3})
    table = estimate_indices(design(data), SPEC, by="site").table
    hand = ((data["s1"] - 1) + (data["s2"] - 1)) / 8 * 100
    direct = design(data.assign(hand=hand)).mean("hand", by="site").to_frame()
    np.testing.assert_allclose(table.xs("speed", level="index")["se"].to_numpy(), direct["se"].to_numpy(), rtol=1e-12)


def test_rating_rates_match_hand_counts():
    """满意率 and 差评率 are weighted shares of 3–5 and 1–2; default ratings are excluded."""
    data = pd.DataFrame({"r": [5, 4, 3, 2, 1, 5, 5, 1], "w": [1, 1, 1, 1, 1, 1, 1, 1],
                         "dflt": [False] * 7 + [True]})
    summary = rating_summary(Design(data, weights="w"), "r", default_flag="dflt")
    assert summary.counts.loc["all"].tolist() == [1, 1, 1, 1, 3]
    rates = summary.rates.loc["all"]
    np.testing.assert_allclose([rates[("satisfaction_rate", "estimate")], rates[("bad_rating_rate", "estimate")]],
                               [500 / 7, 200 / 7])
    assert rates[("satisfaction_rate", "ci_low")] < 500 / 7 < rates[("satisfaction_rate", "ci_high")]


def test_rate_of_a_domain_with_only_bad_ratings_has_an_exact_interval():
    """A site where every rating is bad gets 差评率 100% with the exact (Clopper–Pearson) lower limit."""
    data = pd.DataFrame({"r": [1, 2, 1, 2, 5, 4], "site": ["B"] * 4 + ["A"] * 2, "w": 1.0})
    rates = rating_summary(Design(data, weights="w"), "r", by="site").rates["bad_rating_rate"]
    assert rates.loc["B", "estimate"] == 100.0
    np.testing.assert_allclose(rates.loc["B", "ci_low"], 100 * 0.025 ** (1 / 4))
    assert rates.loc["A", "estimate"] == 0.0 and rates.loc["A", "ci_low"] == 0.0
