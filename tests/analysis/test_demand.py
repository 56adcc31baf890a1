"""Demand shares, unmet-need rates and frequent terms in open comments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey_engine.analysis import Design
from survey_engine.analysis.demand import demand_shares, expand_multiple, frequent_terms, unmet_need_rates


def data():
    return pd.DataFrame({
        "needs": [["search", "pledge"], ["search"], ["training"], None, ["search", "training"], ["pledge"]],
        "unmet": [["pledge"], [], [], None, ["search"], []],
        "type": ["sme", "sme", "univ", "univ", "sme", "univ"],
        "w": [1, 1, 1, 1, 1, 1.0],
    })


def test_expand_multiple_marks_unanswered_rows_missing():
    """Indicators are 0/1 for answering rows and NaN for rows without an answer."""
    out = expand_multiple(pd.DataFrame({"q": [["a"], "a;b", None]}), "q")
    assert out.columns.tolist() == ["q__a", "q__b"]
    assert out["q__b"].tolist()[:2] == [0.0, 1.0] and np.isnan(out["q__b"][2])


def test_demand_shares_ranked():
    """Shares among respondents who answered, ranked: search 3/5, pledge 2/5, training 2/5."""
    table = demand_shares(Design(data(), weights="w"), "needs")
    assert table.index[0] == "search" and table.loc["search", "estimate"] == 60.0
    assert table["rank"].tolist() == [1, 2, 3]
    by_type = demand_shares(Design(data(), weights="w"), "needs", by="type")
    assert by_type.loc[("sme", "search"), "estimate"] == 100.0


def test_unmet_need_rate_among_those_needing():
    """Of the 3 needing search, 1 lacks it; of the 2 needing pledge, 1 lacks it."""
    table = unmet_need_rates(Design(data(), weights="w"), "needs", "unmet")
    assert table.loc["search", "estimate"] == pytest.approx(100 / 3) and table.loc["pledge", "estimate"] == 50.0
    assert table.loc["search", "n_needing"] == 3


def test_frequent_terms_chinese_and_english():
    """Chinese comments are segmented into words; stop words are dropped; counts and documents kept."""
    terms = frequent_terms(["窗口排队时间太长", "排队时间长，希望增加窗口", "Waiting time was too long", None])
    assert terms.loc["排队", "documents"] == 2 and terms.loc["窗口", "count"] == 2
    assert "的" not in terms.index and "waiting" in terms.index and "too" not in terms.index
