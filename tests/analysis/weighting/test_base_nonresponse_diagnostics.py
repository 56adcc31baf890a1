"""Base weights, nonresponse adjustment and weight diagnostics (hand-computed examples)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey_engine.analysis.weighting import (
    Disposition, WeightingErrorCode, adjust_nonresponse, base_weights,
    household_selection_weights, intercept_weights, margin_table, propensity_classes,
    summary_table, weight_summary)
from survey_engine.errors import WeightingError
from tests.analysis.weighting._reference import SCH_WIDE, STYPE


def test_base_weights_multiply_stage_inverses() -> None:
    """Stage probabilities 0.5 and 0.25 give base weight 8 (Lohr 2010, §6.4)."""
    np.testing.assert_allclose(base_weights([0.5, 0.1], [0.25, 1.0]), [8.0, 10.0])


def test_base_weights_reject_probabilities_outside_unit_interval() -> None:
    """A probability of 0 or above 1 fails as BAD_PROBABILITY."""
    for bad in ([0.0, 0.5], [1.2, 0.5]):
        with pytest.raises(WeightingError) as info:
            base_weights(bad)
        assert info.value.code is WeightingErrorCode.BAD_PROBABILITY


def test_household_selection_multiplies_by_eligible_members() -> None:
    """Kish selection among 3 eligible members triples the household weight."""
    np.testing.assert_allclose(household_selection_weights([10.0, 10.0], eligible=[1, 3]),
                               [10.0, 30.0])
    np.testing.assert_allclose(household_selection_weights([10.0], probability=[0.25]), [40.0])
    with pytest.raises(WeightingError) as info:
        household_selection_weights([10.0], eligible=[0])
    assert info.value.code is WeightingErrorCode.BAD_COUNT


def test_intercept_weights_are_visitors_over_interviews_per_slot() -> None:
    """30 visitors and 3 interviews give 10 each; 10 visitors and 2 interviews give 5."""
    slot = ["A", "A", "A", "B", "B"]
    np.testing.assert_allclose(intercept_weights(slot, {"A": 30, "B": 10}), [10, 10, 10, 5, 5])
    np.testing.assert_allclose(intercept_weights(slot, [30, 30, 30, 10, 10],
                                                 slot_probability=[0.5] * 5),
                               [20, 20, 20, 10, 10])
    np.testing.assert_allclose(intercept_weights(slot, {"A": 30, "B": 10},
                                                 interviews={"A": 5, "B": 2}),
                               [6, 6, 6, 5, 5])


def test_intercept_count_below_interviews_fails() -> None:
    """A slot tally smaller than its interviews fails as BAD_COUNT naming the slot."""
    with pytest.raises(WeightingError) as info:
        intercept_weights(["A", "A", "B"], {"A": 1, "B": 4})
    assert info.value.code is WeightingErrorCode.BAD_COUNT and "'A'" in str(info.value)


def test_nonresponse_with_unknown_eligibility_follows_aapor() -> None:
    """Unknowns are shared by e = 0.75, then nonrespondents' weight moves to respondents."""
    result = adjust_nonresponse([10, 10, 10, 10, 10], ["I", "respondent", "R", "UH", "NE"])
    np.testing.assert_allclose(result.weights, [18.75, 18.75, 0.0, 0.0, 12.5])
    assert result.eligibility_rate == pytest.approx(0.75)
    assert result.response_rate == pytest.approx(20 / 37.5)  # AAPOR RR3
    assert result.weights.sum() == pytest.approx(50.0)


def test_nonresponse_classes_adjust_separately_and_fail_without_respondents() -> None:
    """Each class keeps its own eligible total; a class without respondents is EMPTY_CELL."""
    disposition = [Disposition.RESPONDENT, Disposition.NONRESPONDENT, Disposition.RESPONDENT,
                   Disposition.RESPONDENT, Disposition.NONRESPONDENT]
    result = adjust_nonresponse([1, 1, 2, 2, 4], disposition, classes=["a", "a", "b", "b", "b"])
    np.testing.assert_allclose(result.weights, [2.0, 0.0, 4.0, 4.0, 0.0])
    assert list(result.classes["nonresponse_factor"]) == [2.0, 2.0]
    with pytest.raises(WeightingError) as info:
        adjust_nonresponse([1, 1], ["NC", "R"], classes=["a", "a"])
    assert info.value.code is WeightingErrorCode.EMPTY_CELL


def test_unknown_disposition_is_rejected() -> None:
    """A disposition outside AAPOR's groups fails as UNKNOWN_LEVEL."""
    with pytest.raises(WeightingError) as info:
        adjust_nonresponse([1.0], ["maybe"])
    assert info.value.code is WeightingErrorCode.UNKNOWN_LEVEL


def test_propensity_classes_from_logistic_regression() -> None:
    """Propensity quintiles from a logit model give classes whose adjustment keeps each
    class's eligible weight; the fitted slope recovers the simulated one."""
    rng = np.random.default_rng(7)
    n = 4000
    age = rng.uniform(20, 70, n)
    region = rng.choice(["north", "south"], n)
    p = 1 / (1 + np.exp(-(-2.0 + 0.05 * age + 0.5 * (region == "south"))))
    disposition = np.where(rng.uniform(size=n) < p, "I", "R")
    data = pd.DataFrame({"age": age, "region": region})
    model = propensity_classes(data, disposition, ["age", "region"], n_classes=5)
    assert model.n_classes == 5 and model.converged
    assert model.params["age"] == pytest.approx(0.05, abs=0.01)
    assert model.params["region_south"] == pytest.approx(0.5, abs=0.15)
    weights = np.full(n, 3.0)
    result = adjust_nonresponse(weights, disposition, classes=model.classes)
    by_class = pd.Series(result.weights).groupby(model.classes).sum()
    np.testing.assert_allclose(by_class, pd.Series(weights).groupby(model.classes).sum())


def test_weight_summary_kish_indicators() -> None:
    """Weights 1,1,2,2: CV 1/3, Kish ESS 3.6, deff_w 1 + CV² = 10/9 (Kish 1992)."""
    summary = weight_summary(np.array([1.0, 1.0, 2.0, 2.0, 0.0]))
    assert summary.n == 5 and summary.n_positive == 4
    assert summary.cv == pytest.approx(1 / 3)
    assert summary.kish_ess == pytest.approx(3.6)
    assert summary.deff_weighting == pytest.approx(1 + summary.cv ** 2)
    assert summary.max_min_ratio == 2.0
    table = summary_table(before=np.ones(3), after=np.array([1.0, 2.0, 3.0]))
    assert list(table.columns) == ["before", "after"] and table.loc["mean", "after"] == 2.0


def test_margin_table_shows_targets_before_and_after(dclus1) -> None:
    """After raking, every margin row's difference from the target is below 1e-6."""
    targets = {"stype": STYPE, "sch.wide": SCH_WIDE, "api99": 3914069}
    raked = dclus1.rake({"stype": STYPE, "sch.wide": SCH_WIDE})
    table = margin_table(dclus1.data, targets, dclus1.weights, raked.weights)
    assert list(table["level"]) == ["E", "H", "M", "No", "Yes", "(total)"]
    assert table.iloc[:5]["after_diff"].abs().max() < 1e-6
    assert table.iloc[:5]["before_diff"].abs().max() > 1


def test_given_eligibility_rate_splits_unknowns_between_eligible_and_ineligible() -> None:
    """With e = 0.5 half the unknown weight goes to eligible cases, half to ineligible ones."""
    result = adjust_nonresponse([10, 10, 10, 10], ["I", "NC", "UO", "NE"], eligibility_rate=0.5)
    np.testing.assert_allclose(result.weights, [25.0, 0.0, 0.0, 15.0])
    assert result.response_rate == pytest.approx(10 / 25)
