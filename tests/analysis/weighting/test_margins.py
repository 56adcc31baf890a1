"""Impossible or malformed targets fail with a stable code naming the variable and the level."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey_engine.analysis import Design
from survey_engine.analysis.weighting import WeightingErrorCode
from survey_engine.errors import WeightingError
from tests.analysis.weighting._reference import SCH_WIDE, STYPE


def _design(**columns) -> Design:
    data = pd.DataFrame(columns)
    return Design(data, weights="w") if "w" in data else Design(data)


def test_empty_sample_cell_with_positive_total_names_variable_and_level(dclus1) -> None:
    """A population level with no sample record fails as EMPTY_CELL naming 'stype' and 'X'."""
    with pytest.raises(WeightingError) as info:
        dclus1.poststratify("stype", {**STYPE, "X": 10})
    assert info.value.code is WeightingErrorCode.EMPTY_CELL
    assert "stype" in str(info.value) and "'X'" in str(info.value)


def test_partial_ignores_population_cells_absent_from_sample(dclus1) -> None:
    """partial=True drops the absent population cell, as R's postStratify(partial=TRUE)."""
    adjusted = dclus1.poststratify("stype", {**STYPE, "X": 10}, partial=True)
    assert adjusted.weights.sum() == pytest.approx(sum(STYPE.values()))


def test_zero_total_for_absent_level_is_accepted(dclus1) -> None:
    """A population level with a zero total and no sample record is simply ignored."""
    adjusted = dclus1.rake({"stype": {**STYPE, "X": 0}, "sch.wide": SCH_WIDE})
    assert adjusted.weights.sum() == pytest.approx(6194)


def test_sample_level_without_population_total_is_unknown_level(dclus1) -> None:
    """A sample level missing from the totals fails as UNKNOWN_LEVEL naming the level."""
    with pytest.raises(WeightingError) as info:
        dclus1.rake({"stype": {"E": 4421, "H": 755}, "sch.wide": SCH_WIDE})
    assert info.value.code is WeightingErrorCode.UNKNOWN_LEVEL
    assert "stype=M" in str(info.value)


def test_margins_whose_grand_totals_disagree_fail(dclus1) -> None:
    """Margins summing to 6194 and 6200 fail as INCONSISTENT_MARGINS naming both variables."""
    with pytest.raises(WeightingError) as info:
        dclus1.rake({"stype": STYPE, "sch.wide": {"No": 1078, "Yes": 5122}})
    assert info.value.code is WeightingErrorCode.INCONSISTENT_MARGINS
    assert "stype" in str(info.value) and "sch.wide" in str(info.value)


def test_every_problem_is_collected_before_failing(dclus1) -> None:
    """Two bad margins give one error listing both problems."""
    with pytest.raises(WeightingError) as info:
        dclus1.rake({"stype": {"E": 1, "H": 2}, "nosuch": {"a": 1}})
    codes = {p.code for p in info.value.problems}
    assert codes == {WeightingErrorCode.UNKNOWN_LEVEL, WeightingErrorCode.UNKNOWN_VARIABLE}


def test_missing_values_and_negative_totals_are_reported() -> None:
    """A margin variable with NaN and a negative total are both reported."""
    d = _design(g=["a", None, "b"], w=[1.0, 1.0, 1.0])
    with pytest.raises(WeightingError) as info:
        d.poststratify("g", {"a": 1, "b": 2})
    assert info.value.code is WeightingErrorCode.MISSING_VALUES
    d = _design(g=["a", "a", "b"], w=[1.0, 1.0, 1.0])
    with pytest.raises(WeightingError) as info:
        d.poststratify("g", {"a": -1, "b": 2})
    assert info.value.code is WeightingErrorCode.NEGATIVE_TOTAL


def test_numeric_levels_match_text_keys() -> None:
    """Levels 1, 2 stored as numbers match the JSON-style keys "1", "2"."""
    d = _design(g=[1.0, 1.0, 2.0], w=[1.0, 1.0, 1.0])
    adjusted = d.poststratify("g", {"1": 10, "2": 5})
    np.testing.assert_allclose(adjusted.weights, [5.0, 5.0, 5.0])


def test_calibration_rejects_a_single_total_for_a_text_variable(dclus1) -> None:
    """Giving a number for the text column 'stype' fails as NOT_NUMERIC."""
    with pytest.raises(WeightingError) as info:
        dclus1.calibrate({"stype": 6194})
    assert info.value.code is WeightingErrorCode.NOT_NUMERIC


def test_unknown_calibration_method_and_bad_bounds(dclus1) -> None:
    """An unknown method and bounds not around 1 fail as BAD_OPTION; logit needs bounds."""
    for kwargs in ({"method": "cubic"}, {"bounds": (1.2, 2.0)},
                   {"method": "logit"}):
        with pytest.raises(WeightingError) as info:
            dclus1.calibrate({"stype": STYPE}, **kwargs)
        assert info.value.code is WeightingErrorCode.BAD_OPTION


def test_collinear_calibration_totals_fail_as_singular(apiclus1) -> None:
    """Calibrating to api99 twice (a copy of the column) fails as SINGULAR."""
    d = Design(apiclus1.assign(api99b=apiclus1["api99"]), ids="dnum", weights="pw", fpc="fpc")
    with pytest.raises(WeightingError) as info:
        d.calibrate({"stype": STYPE, "api99": 3914069, "api99b": 3914069})
    assert info.value.code is WeightingErrorCode.SINGULAR


def test_adjusted_design_is_new_and_original_unchanged(dclus1) -> None:
    """Weighting returns a new design and leaves the input's weights untouched."""
    before = dclus1.weights.copy()
    adjusted = dclus1.poststratify("stype", STYPE)
    assert adjusted is not dclus1
    np.testing.assert_array_equal(dclus1.weights, before)
    assert len(adjusted.adjustments) == len(dclus1.adjustments) + 1


def test_rake_accepts_a_cross_classified_margin(dclus1) -> None:
    """A margin over (stype, sch.wide) given as nested mappings is met with 'awards' raked too."""
    crossed = {"E": {"No": 300, "Yes": 4121}, "H": {"No": 80, "Yes": 675},
               "M": {"No": 150, "Yes": 868}}
    awards = {"No": 2000, "Yes": 4194}
    raked = dclus1.rake({("stype", "sch.wide"): crossed, "awards": awards})
    data = dclus1.data.assign(w=raked.weights)
    cells = data.groupby(["stype", "sch.wide"])["w"].sum()
    assert cells[("H", "No")] == pytest.approx(80) and cells[("E", "Yes")] == pytest.approx(4121)
    assert data.groupby("awards")["w"].sum()["Yes"] == pytest.approx(4194)
