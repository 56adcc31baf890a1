"""Invariants of the estimators on random stratified cluster samples (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey_engine.analysis import Design


@st.composite
def samples(draw) -> pd.DataFrame:
    """A stratified sample with 2–5 PSUs per stratum, random weights, values and categories."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    strata = draw(st.integers(1, 4))
    rows = []
    for h in range(strata):
        for c in range(int(rng.integers(2, 6))):
            for _ in range(int(rng.integers(1, 6))):
                rows.append((h, f"{h}-{c}"))
    frame = pd.DataFrame(rows, columns=["stratum", "psu"])
    n = len(frame)
    frame["w"] = rng.uniform(1, 50, n)
    frame["y"] = rng.normal(10, 3, n)
    frame["cat"] = rng.choice(["a", "b", "c"], n)
    frame["dom"] = rng.choice(["u", "v"], n)
    return frame


SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(samples())
def test_proportions_sum_to_one(frame):
    """Category shares sum to 1 in every domain."""
    d = Design(frame, ids="psu", strata="stratum", weights="w")
    shares = d.proportion("cat", by="dom").to_frame()["estimate"]
    assert np.allclose(shares.groupby(level=0).sum(), 1.0)


@SETTINGS
@given(samples())
def test_domain_totals_add_up(frame):
    """Domain totals add up to the overall total; the overall SE does not depend on the domains."""
    d = Design(frame, ids="psu", strata="stratum", weights="w")
    by = d.total("y", by="dom").to_frame()["estimate"].sum()
    assert by == pytest.approx(d.total("y").estimate, rel=1e-12)


@SETTINGS
@given(samples(), st.integers(0, 2**32 - 1))
def test_row_order_does_not_matter(frame, seed):
    """Shuffling the rows leaves every estimate and SE unchanged."""
    shuffled = frame.sample(frac=1.0, random_state=seed % (2**31)).reset_index(drop=True)
    a = Design(frame, ids="psu", strata="stratum", weights="w").mean("y", by="dom").to_frame()
    b = Design(shuffled, ids="psu", strata="stratum", weights="w").mean("y", by="dom").to_frame()
    assert np.allclose(a[["estimate", "se"]], b[["estimate", "se"]], rtol=1e-10)


@SETTINGS
@given(samples())
def test_weights_scale_free_mean(frame):
    """Multiplying all weights by a constant leaves means and their SEs unchanged."""
    a = Design(frame, ids="psu", strata="stratum", weights="w").mean("y")
    scaled = frame.assign(w=frame["w"] * 7.5)
    b = Design(scaled, ids="psu", strata="stratum", weights="w").mean("y")
    assert a.estimate == pytest.approx(b.estimate, rel=1e-12) and a.se == pytest.approx(b.se, rel=1e-10)


@SETTINGS
@given(samples())
def test_jkn_total_equals_linearisation(frame):
    """For a total, the JKn variance equals the with-replacement linearisation variance (Wolter 2007, §4.5)."""
    d = Design(frame, ids="psu", strata="stratum", weights="w")
    assert d.replicate("JKn").total("y").se == pytest.approx(
        d.total("y").se, rel=1e-9)
