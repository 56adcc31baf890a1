"""Importance–performance placement on constructed data where the right quadrant is known."""

from __future__ import annotations

from survey_engine.analysis import Design
from survey_engine.analysis.ipa import Quadrant, importance_performance
from tests.analysis.satisfaction_data import SPEC, wave


def test_stated_importance_quadrants():
    """Important-but-weak speed is 'concentrate here'; unimportant-but-strong info is 'possible overkill'."""
    data = wave(3, {"speed": 2.5, "staff": 3.5, "info": 4.5}, n_psu=80)
    result = importance_performance(Design(data, ids="psu", strata="stratum", weights="w", nest=True), SPEC)
    table = result.table
    assert table.loc["speed", "quadrant"] == Quadrant.CONCENTRATE.value
    assert table.loc["info", "quadrant"] == Quadrant.OVERKILL.value
    assert bool(table.loc["speed", "certain"]) and bool(table.loc["info", "certain"])
    # stated importance of speed: items 4/5 equally likely → about 87.5 on 0–100
    assert 80 < table.loc["speed", "importance"] < 95


def test_uncertain_placement_is_marked():
    """An attribute whose performance sits on the cut is not claimed as certain."""
    data = wave(4, {"speed": 3.5, "staff": 3.5, "info": 3.5}, n_psu=20)
    table = importance_performance(Design(data, ids="psu", strata="stratum", weights="w", nest=True), SPEC).table
    assert not table["certain"].all()


def test_derived_importance_by_correlation():
    """Derived importance ranks the dimensions that drive overall satisfaction (all positive here)."""
    data = wave(5, {"speed": 3, "staff": 3.5, "info": 4}, n_psu=60)
    result = importance_performance(Design(data, ids="psu", strata="stratum", weights="w", nest=True), SPEC,
                                    method="correlation")
    assert (result.table["importance"] > 0.2).all()
    assert (result.table["importance_low"] < result.table["importance"]).all()
