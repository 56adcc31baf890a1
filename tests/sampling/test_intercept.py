"""Intercept (time–location) plans: allocation by flow, intervals and field weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey_engine.errors import SamplingError
from survey_engine.sampling import SamplingErrorCode, intercept_weights, plan_intercepts


def _flows() -> pd.DataFrame:
    return pd.DataFrame({
        "site": ["市局大厅", "市局大厅", "高新区窗口", "高新区窗口"],
        "day": ["2026-12-01"] * 4,
        "slot": ["09:00-12:00", "14:00-17:00"] * 2,
        "expected_visitors": [120, 80, 300, 50],
    })


def test_interviews_follow_flow_and_keep_total():
    """40 interviews over flows 120/80/300/50 (total 550): 8.73, 5.82, 21.8, 3.64 → 9, 6, 22, 3."""
    plan = plan_intercepts(_flows(), 40, seed=1)
    assert plan.table["interviews"].tolist() == [9, 6, 22, 3]
    # interval = floor(flow / interviews): 120/9 → 13, 80/6 → 13, 300/22 → 13, 50/3 → 16.
    assert plan.table["interval"].tolist() == [13, 13, 13, 16]
    assert ((plan.table["start"] >= 1) & (plan.table["start"] <= plan.table["interval"])).all()


def test_minimum_per_slot():
    """min_per_slot = 5 lifts the quiet slot to 5 and keeps the total of 40."""
    plan = plan_intercepts(_flows(), 40, seed=1, min_per_slot=5)
    assert plan.table["interviews"].min() == 5 and plan.table["interviews"].sum() == 40


def test_csv_and_bilingual_html():
    """The CSV has blank field-count columns; the HTML is bilingual, phone-ready and self-contained."""
    plan = plan_intercepts(_flows(), 40, seed=1)
    csv = plan.to_csv()
    assert csv.splitlines()[0].endswith("visitors_counted,interviews_completed")
    html = plan.to_html()
    assert 'name="viewport"' in html and "高新区窗口" in html
    assert "间隔" in html and "Interval" in html
    assert "http" not in html and "<script" not in html and "<link" not in html


def test_field_weights_are_counted_over_completed():
    """Weight = visitors counted / interviews completed; a slot with no interview is flagged."""
    counts = _flows().drop(columns="expected_visitors").assign(
        visitors_counted=[130, 75, 280, 40], interviews_completed=[10, 5, 20, 0])
    w = intercept_weights(counts)
    np.testing.assert_allclose(w["weight"].to_numpy()[:3], [13.0, 15.0, 14.0])
    assert np.isnan(w["weight"].iloc[3]) and w["flag"].iloc[3] == "no_interviews"


def test_bad_flows_name_the_line():
    """A zero flow, a duplicated slot or more interviews than visitors are refused with the line."""
    flows = _flows()
    flows.loc[2, "expected_visitors"] = 0
    with pytest.raises(SamplingError) as err:
        plan_intercepts(flows, 10, seed=1)
    assert err.value.code is SamplingErrorCode.NONPOSITIVE_SIZE and "line 4" in str(err.value)
    with pytest.raises(SamplingError) as err:
        plan_intercepts(pd.concat([_flows(), _flows().iloc[[0]]]), 10, seed=1)
    assert err.value.code is SamplingErrorCode.DUPLICATE_ID
    counts = _flows().drop(columns="expected_visitors").assign(visitors_counted=[5, 5, 5, 5],
                                                               interviews_completed=[6, 1, 1, 1])
    with pytest.raises(SamplingError) as err:
        intercept_weights(counts)
    assert "line 2" in str(err.value)


def test_expand_days_crosses_site_slots_with_days():
    """Two site-slots over three days give six rows, each day carrying the same expected flow."""
    from survey_engine.sampling import expand_days

    grid = expand_days(pd.DataFrame({"site": ["A", "B"], "slot": ["am", "am"],
                                     "expected_visitors": [10, 20]}), ["d1", "d2", "d3"])
    assert len(grid) == 6 and list(grid.columns) == ["site", "day", "slot", "expected_visitors"]
    assert grid.groupby("site")["expected_visitors"].sum().tolist() == [30, 60]
