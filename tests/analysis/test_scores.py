"""Respondent scores: linear 0–100 mapping, reversals, NA excluded, dimension rules, composites."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from survey_engine.analysis.scores import DimensionSpec, ItemScale, ScoreSpec, item_scores, score_responses
from survey_engine.errors import EstimationError
from survey_engine.instruments import from_dict

EXAMPLE = Path(__file__).parents[1] / "instruments" / "fixtures" / "small_example.json"
FIVE = ItemScale(5)


def spec(**changes):
    base = dict(scales={"a": FIVE, "b": FIVE, "c": FIVE, "o": FIVE},
                dimensions=(DimensionSpec("d1", ("a", "b"), weight=0.6),
                            DimensionSpec("d2", ("c",), weight=0.4)),
                composite="csi", overall_item="o")
    return ScoreSpec(**{**base, **changes})


def test_linear_mapping_of_the_five_level_scale():
    """1..5 map to 0, 25, 50, 75, 100 (ACSI linear rescaling); NA and out-of-range are missing."""
    data = pd.DataFrame({"a": [1, 2, 3, 4, 5, "NA", 7, None]})
    got = item_scores(data, spec(), ["a"])["score_a"].to_numpy()
    np.testing.assert_array_equal(got[:5], [0, 25, 50, 75, 100])
    assert np.isnan(got[5:]).all()


def test_reverse_keyed_item_is_mirrored():
    """A reverse-keyed 2 on a 1–5 scale scores like a 4."""
    data = pd.DataFrame({"a": [2, 5]})
    got = item_scores(data, spec(reverse=frozenset({"a"})), ["a"])["score_a"].tolist()
    assert got == [75.0, 0.0]


def test_explicit_score_map():
    """An explicit map is used value by value."""
    data = pd.DataFrame({"a": [1, 3, 5]})
    got = item_scores(data, spec(score_map={1: 0, 2: 40, 3: 60, 4: 80, 5: 100}), ["a"])["score_a"].tolist()
    assert got == [0.0, 60.0, 100.0]


def test_dimension_mean_of_answered_items_with_minimum():
    """A dimension averages the answered items (weighted) and is missing below min_answered."""
    dims = (DimensionSpec("d1", ("a", "b"), item_weights={"a": 3.0}, min_answered=1),
            DimensionSpec("d2", ("a", "b"), min_answered=2))
    data = pd.DataFrame({"a": [5, 5, "NA"], "b": [1, "NA", "NA"], "c": 3, "o": 3})
    out = score_responses(data, spec(dimensions=dims, composite=None))
    # row 0: d1 = (3*100 + 1*0)/4 = 75; d2 = (100 + 0)/2 = 50
    assert out["index_d1"].tolist()[:2] == [75.0, 100.0] and np.isnan(out["index_d1"][2])
    assert out["index_d2"][0] == 50.0 and np.isnan(out["index_d2"][1])


def test_fixed_weight_composite_renormalises_over_present_dimensions():
    """The composite is the weighted mean of the dimensions each respondent has."""
    data = pd.DataFrame({"a": [5, 3], "b": [3, 3], "c": [1, "NA"], "o": [4, 4]})
    out = score_responses(data, spec())
    # row 0: d1 = 75, d2 = 0 → 0.6*75 + 0.4*0 = 45; row 1: only d1 = 50
    assert out["index_csi"].tolist() == [45.0, 50.0]


def test_regression_weights_recover_known_drivers():
    """With overall = 0.7 d1 + 0.3 d2 (+ noise), derived weights are close to 0.7 / 0.3."""
    rng = np.random.default_rng(7)
    n = 4000
    a, c = rng.integers(1, 6, n), rng.integers(1, 6, n)
    latent = 0.7 * (a - 1) / 4 + 0.3 * (c - 1) / 4 + rng.normal(0, 0.05, n)
    o = np.clip(np.round(1 + 4 * latent), 1, 5)
    data = pd.DataFrame({"a": a, "b": a, "c": c, "o": o, "w": rng.uniform(1, 3, n)})
    from survey_engine.analysis.driver_weights import regression_weights

    out = score_responses(data, spec(composite_weights="regression"), weights="w")
    dims = out[["index_d1", "index_d2"]].to_numpy()
    w = regression_weights(dims, out["score_o"].to_numpy(), data["w"].to_numpy())
    np.testing.assert_allclose(w, [0.7, 0.3], atol=0.03)
    assert np.isfinite(out["index_csi"]).all()


def test_spec_from_questionnaire_scores_the_example():
    """The example questionnaire's scoring block yields the dimension and composite columns."""
    q = from_dict(json.loads(EXAMPLE.read_text("utf-8")))
    s = ScoreSpec.from_questionnaire(q)
    assert s.reverse == frozenset({"w_repeat"}) and s.composite == "csi" and s.overall_item == "overall"
    data = pd.DataFrame({"w_speed": [5], "w_repeat": [1], "w_attitude": ["NA"], "sat_patent": [4], "overall": [5]})
    out = score_responses(data, s)
    # efficiency = mean(100, reversed 1 → 5 → 100) = 100; staff = 75 (NA skipped); csi = .5*100 + .5*75
    assert out[["index_efficiency", "index_staff_service", "index_csi"]].iloc[0].tolist() == [100.0, 75.0, 87.5]


def test_unknown_item_column_is_named():
    """A scored item missing from the data is named in the error."""
    with pytest.raises(EstimationError, match="'?b'?"):
        score_responses(pd.DataFrame({"a": [1], "c": [1], "o": [1]}), spec())
