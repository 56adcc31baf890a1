"""Drawing samples: reproducibility, output columns, privacy of contacts, bad designs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey_engine.errors import SamplingError
from survey_engine.sampling import (
    AllocationMethod,
    AllocationSpec,
    Method,
    SampleDesign,
    SamplingErrorCode,
    StageTwo,
    draw_sample,
    load_frame,
    parse_design,
)

from .conftest import small_frame_data


def test_same_seed_same_sample(small_frame):
    """Two draws with one seed are identical; another seed gives another sample."""
    design = SampleDesign(Method.PPS_SYSTEMATIC, 6, stratified=True)
    a = draw_sample(small_frame, design, 123)
    b = draw_sample(small_frame, design, 123)
    pd.testing.assert_frame_equal(a.units, b.units)
    others = [draw_sample(small_frame, design, s).units["uid"].tolist() for s in range(10)]
    assert any(o != a.units["uid"].tolist() for o in others)


def test_sample_records_design_seed_and_frame_hash(small_frame):
    """The metadata holds the design (re-parsable), the seed and the frame fingerprint."""
    design = SampleDesign(Method.SRS, 6, stratified=True, allocation=AllocationSpec(min=2))
    s = draw_sample(small_frame, design, 5)
    meta = s.metadata()
    assert meta["seed"] == 5 and meta["frame_hash"] == small_frame.hash
    assert parse_design(meta["design"])[0] == design
    assert meta["allocation"] == {"a": 2, "b": 2, "c": 2}


def test_contact_columns_only_on_request(small_frame):
    """Phones stay out of the sample unless include_contact is set."""
    design = SampleDesign(Method.SRS, 4)
    assert "phone" not in draw_sample(small_frame, design, 1).units.columns
    assert "phone" in draw_sample(small_frame, design, 1, include_contact=True).units.columns


def test_weights_are_inverse_probabilities(small_frame):
    """Every unit carries pik_1, pik and weight = 1/pik; two-stage adds pik_2 with pik = pik_1·pik_2."""
    s = draw_sample(small_frame, SampleDesign(Method.PPS_BREWER, 3, stage2=StageTwo(1)), 2).units
    np.testing.assert_allclose(s["pik"], s["pik_1"] * s["pik_2"])
    np.testing.assert_allclose(s["weight"], 1 / s["pik"])
    one = draw_sample(small_frame, SampleDesign(Method.PPS_SYSTEMATIC, 5), 2).units
    assert "pik_2" not in one.columns
    np.testing.assert_allclose(one["weight"] * one["pik"], 1.0)


def test_pps_with_replacement_weights_are_hansen_hurwitz(small_frame):
    """With replacement, weight = hits / (n p_draw) (Cochran 1977, §9A.2)."""
    s = draw_sample(small_frame, SampleDesign(Method.PPS_WR, 8), 4).units
    np.testing.assert_allclose(s["weight"], s["hits"] / (8 * s["p_draw"]))
    assert s["hits"].sum() == 8


@pytest.mark.parametrize("seed", [1.5, "7", True, -3, None])
def test_non_integer_seed_is_refused(small_frame, seed):
    """A seed that is not a non-negative integer fails with BAD_SEED."""
    with pytest.raises(SamplingError) as err:
        draw_sample(small_frame, SampleDesign(Method.SRS, 2), seed)
    assert err.value.code is SamplingErrorCode.BAD_SEED


def test_n_larger_than_frame(small_frame):
    """n = 16 from 15 units fails with SAMPLE_TOO_LARGE."""
    with pytest.raises(SamplingError) as err:
        draw_sample(small_frame, SampleDesign(Method.SRS, 16), 1)
    assert err.value.code is SamplingErrorCode.SAMPLE_TOO_LARGE


def test_n_larger_than_stratum_names_it(small_frame):
    """A fixed n_h = 5 in stratum 'c' (4 units) fails naming 'c'."""
    design = SampleDesign(Method.SRS, 9, stratified=True, allocation=AllocationSpec(
        AllocationMethod.FIXED, fixed={"a": 2, "b": 2, "c": 5}))
    with pytest.raises(SamplingError) as err:
        draw_sample(small_frame, design, 1)
    assert err.value.code is SamplingErrorCode.STRATUM_TOO_SMALL
    assert "'c'" in str(err.value)


def test_zero_size_in_pps_design_names_the_row():
    """A PPS design on a frame with a zero size fails naming the row."""
    data = small_frame_data()
    data.loc[4, "size"] = 0.0
    frame = load_frame(data, {"id": "uid", "size": "size"})
    with pytest.raises(SamplingError) as err:
        draw_sample(frame, SampleDesign(Method.PPS_SYSTEMATIC, 3), 1)
    assert err.value.code is SamplingErrorCode.NONPOSITIVE_SIZE
    assert "row 4" in str(err.value)


def test_psu_in_two_strata_is_refused():
    """Multi-stage designs need PSUs nested in strata; a PSU spanning two strata is named."""
    data = small_frame_data()
    data.loc[5, "psu"] = "p2"
    frame = load_frame(data, {"id": "uid", "stratum": "region", "cluster": "psu"})
    with pytest.raises(SamplingError) as err:
        draw_sample(frame, SampleDesign(Method.SRS, 3, stratified=True, stage2=StageTwo(1)), 1)
    assert "'p2'" in str(err.value)


@pytest.mark.parametrize("doc,key", [
    ({"method": "srs", "n": 3, "seed": 4}, "seed"),
    ({"method": "srs", "n": 3, "allocation": {"mehtod": "equal"}}, "mehtod"),
    ({"method": "srs", "n": 3, "stage2": {"m": 1, "size": 3}}, "size"),
    ({"method": "srs", "n": 3, "frame": {"id": "uid", "phone": "x"}}, "phone"),
])
def test_design_file_with_unknown_key_names_it(doc, key):
    """Unknown keys at any level of a design file fail with UNKNOWN_KEY naming the key."""
    with pytest.raises(SamplingError) as err:
        parse_design(doc)
    assert err.value.code is SamplingErrorCode.UNKNOWN_KEY
    assert f"'{key}'" in str(err.value)


def test_design_file_bad_method_lists_choices():
    """An unknown method value fails with BAD_VALUE listing the accepted methods."""
    with pytest.raises(SamplingError) as err:
        parse_design({"method": "pps", "n": 3})
    assert err.value.code is SamplingErrorCode.BAD_VALUE
    assert "pps_systematic" in str(err.value)


def test_sort_order_gives_implicit_stratification(small_frame):
    """Systematic sampling of 5 from 15 sorted by region takes one unit in every block of 3."""
    design = SampleDesign(Method.SYSTEMATIC, 5, sort_by=("region", "uid"))
    for seed in range(20):
        picked = draw_sample(small_frame, design, seed).units["uid"].str[1:].astype(int)
        assert sorted(picked // 3) == [0, 1, 2, 3, 4]


def test_multistage_psus_follow_sort_order():
    """PSUs are ordered by the sort key before systematic selection (implicit stratification).

    Six one-unit PSUs q1..q6 alternate regions a, b, a, b, a, b.  In label order, systematic
    selection of 3 (interval 2) takes q1, q3, q5 or q2, q4, q6 — a single region; sorted by
    region (a, a, a, b, b, b) it always takes both regions.
    """
    data = pd.DataFrame({"id": range(6), "psu": [f"q{i}" for i in range(1, 7)],
                         "region": ["a", "b"] * 3})
    frame = load_frame(data, {"id": "id", "cluster": "psu", "keep": ["region"]})
    for seed in range(10):
        plain = draw_sample(frame, SampleDesign(Method.SYSTEMATIC, 3, stage2=StageTwo(1)), seed)
        assert plain.units["region"].nunique() == 1
        sorted_ = draw_sample(frame, SampleDesign(Method.SYSTEMATIC, 3, sort_by=("region",),
                                                  stage2=StageTwo(1)), seed)
        assert sorted_.units["region"].nunique() == 2


def test_allocation_naming_an_empty_stratum(small_frame):
    """An allocation parameter for stratum 'd', which has no units, fails with EMPTY_STRATUM naming it."""
    design = SampleDesign(Method.SRS, 6, stratified=True, allocation=AllocationSpec(
        AllocationMethod.NEYMAN, sd={"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0}))
    with pytest.raises(SamplingError) as err:
        draw_sample(small_frame, design, 1)
    assert err.value.code is SamplingErrorCode.EMPTY_STRATUM
    assert "'d'" in str(err.value)
