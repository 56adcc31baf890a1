"""Early-warning rules: a real drop is flagged, no change is not flagged more often than alpha."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey_engine.analysis import Design
from survey_engine.analysis.alerts import BadRatingShareAbove, IndexBelow, RateRising, SignificantDrop, evaluate_rules
from survey_engine.analysis.waves import compare_waves
from tests.analysis.satisfaction_data import SPEC, wave


def design(data):
    return Design(data, ids="psu", strata="stratum", weights="w", nest=True)


def test_real_four_point_drop_is_flagged_with_evidence():
    """Staff falls by about 4 points on the 0–100 index (0.16 on the 1–5 scale): flagged, others not."""
    before = design(wave(10, {"speed": 4, "staff": 4, "info": 4}, n_psu=120))
    after = design(wave(11, {"speed": 4, "staff": 3.84, "info": 4}, n_psu=120))
    alerts = evaluate_rules([SignificantDrop(points=1.0, indices=("speed", "staff", "info"))], after, SPEC,
                            previous=before)
    assert [a.subject for a in alerts] == ["staff"]
    evidence = alerts[0].evidence
    assert evidence["p_value"] < 0.05 and evidence["ci"][1] < 0 and -7 < evidence["difference"] < -1


@pytest.mark.slow
def test_no_change_is_not_flagged_more_often_than_the_level():
    """Over 200 pairs of waves with no change, the 5% test fires in at most ~8% of them."""
    fired = 0
    for seed in range(200):
        before = design(wave(1000 + seed, {"speed": 4, "staff": 4, "info": 4}, n_psu=30, per_psu=6))
        after = design(wave(5000 + seed, {"speed": 4, "staff": 4, "info": 4}, n_psu=30, per_psu=6))
        fired += bool(evaluate_rules([SignificantDrop(points=0.0, indices=("staff",))], after, SPEC, previous=before))
    # one-sided drop at alpha 0.05 two-sided → expected rate 2.5%; binomial upper bound well under 8%
    assert fired / 200 <= 0.08


def test_index_below_threshold_and_bad_rating_share():
    """Low indices and sites with many bad ratings raise alerts naming them."""
    data = wave(12, {"speed": 2, "staff": 4.8, "info": 4.8})
    data["rating"] = np.where(data["site"] == "B", 1, 5)
    alerts = evaluate_rules([IndexBelow(threshold=60), BadRatingShareAbove("rating", share=20)], design(data), SPEC)
    subjects = {(a.rule, a.subject) for a in alerts}
    assert ("index_below", "speed") in subjects and ("bad_rating_share", "B") in subjects
    assert ("index_below", "staff") not in subjects and ("bad_rating_share", "A") not in subjects
    assert all(a.message_zh and a.message_en and "ci" in a.evidence for a in alerts)


def test_rate_rising_and_wave_comparison_arithmetic():
    """The difference SE combines both waves' SEs; a rising unmet-need share is flagged."""
    rng = np.random.default_rng(3)
    a = pd.DataFrame({"unmet": rng.random(800) < 0.10, "w": 1.0}).astype({"unmet": float})
    b = pd.DataFrame({"unmet": rng.random(800) < 0.25, "w": 1.0}).astype({"unmet": float})
    da, db = Design(a, weights="w"), Design(b, weights="w")
    row = compare_waves(da, db, "unmet").table.iloc[0]
    assert row["se"] == pytest.approx(np.hypot(da.mean("unmet").se, db.mean("unmet").se))
    assert [x.subject for x in evaluate_rules([RateRising(("unmet",))], db, previous=da)] == ["unmet"]
