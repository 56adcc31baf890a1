"""Monte Carlo checks: every design selects each unit with its stated inclusion probability.

For each design, 20,000 independent samples are drawn at once (vectorised).  The selection
frequency of every unit must lie within 4 binomial standard errors of its pik, the
Horvitz–Thompson (Hansen–Hurwitz for PPS with replacement) total must be unbiased within 4
Monte Carlo standard errors, and fixed-size designs must hit every stratum's allocation in
every replicate.  Reference for the criterion: the estimators' unbiasedness under the design
(Horvitz & Thompson 1952; Särndal et al. 1992, Result 2.8.1).
"""

from __future__ import annotations

import numpy as np
import pytest

from survey_engine.sampling import (
    AllocationMethod,
    AllocationSpec,
    Method,
    SampleDesign,
    StageTwo,
    draw_sample,
    simulate_inclusion,
)

REPS = 20_000

DESIGNS = {
    "srs": SampleDesign(Method.SRS, 5),
    "systematic_sorted": SampleDesign(Method.SYSTEMATIC, 4, sort_by=("size",)),
    "stratified_srs_proportional": SampleDesign(Method.SRS, 6, stratified=True),
    "stratified_systematic_equal": SampleDesign(
        Method.SYSTEMATIC, 6, stratified=True, allocation=AllocationSpec(AllocationMethod.EQUAL),
        sort_by=("y",)),
    "pps_systematic": SampleDesign(Method.PPS_SYSTEMATIC, 5),
    "pps_systematic_stratified": SampleDesign(
        Method.PPS_SYSTEMATIC, 7, stratified=True,
        allocation=AllocationSpec(AllocationMethod.PROPORTIONAL, measure="size", min=2)),
    "pps_brewer": SampleDesign(Method.PPS_BREWER, 5),
    "pps_brewer_stratified": SampleDesign(
        Method.PPS_BREWER, 6, stratified=True,
        allocation=AllocationSpec(AllocationMethod.NEYMAN, sd={"a": 4.0, "b": 2.0, "c": 3.0})),
    "pps_sampford": SampleDesign(Method.PPS_SAMPFORD, 5),
    "pps_sampford_stratified": SampleDesign(
        Method.PPS_SAMPFORD, 6, stratified=True,
        allocation=AllocationSpec(AllocationMethod.OPTIMAL, sd={"a": 4.0, "b": 2.0, "c": 3.0},
                                  cost={"a": 1.0, "b": 4.0, "c": 1.0})),
    "pps_wr": SampleDesign(Method.PPS_WR, 5),
    "pps_wr_stratified": SampleDesign(Method.PPS_WR, 6, stratified=True),
    "poisson": SampleDesign(Method.POISSON, 5),
    "pps_poisson_stratified": SampleDesign(Method.PPS_POISSON, 6, stratified=True),
    "two_stage_pps_srs": SampleDesign(Method.PPS_SYSTEMATIC, 3, stage2=StageTwo(2)),
    "two_stage_brewer_systematic_stratified": SampleDesign(
        Method.PPS_BREWER, 5, stratified=True,
        allocation=AllocationSpec(AllocationMethod.POWER, power=0.5, min=1),
        stage2=StageTwo(2, Method.SYSTEMATIC, sort_by=("y",))),
    "two_stage_sampford_srs": SampleDesign(Method.PPS_SAMPFORD, 4, stage2=StageTwo(1)),
}

# Poisson designs have a random sample size by construction.
FIXED_SIZE = sorted(n for n, d in DESIGNS.items() if d.method not in (Method.POISSON, Method.PPS_POISSON))


@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_selection_frequencies_match_inclusion_probabilities(small_frame, name):
    """Each unit's selection frequency over 20,000 draws is within 4 SE of its stated pik."""
    sim = simulate_inclusion(small_frame, DESIGNS[name], seed=7, reps=REPS)
    assert np.all(np.abs(sim.z_scores()) <= 4.0), (name, sim.frequency, sim.pik)


@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_horvitz_thompson_total_is_unbiased(small_frame, name):
    """The weighted total of y averages to the true total within 4 Monte Carlo SE."""
    sim = simulate_inclusion(small_frame, DESIGNS[name], seed=11, reps=REPS)
    y = small_frame.data["y"].to_numpy()
    totals = sim.totals(y)
    se = totals.std(ddof=1) / np.sqrt(REPS)
    assert abs(totals.mean() - y.sum()) <= 4 * se + 1e-9 * y.sum(), (name, totals.mean(), y.sum())


@pytest.mark.parametrize("name", FIXED_SIZE)
def test_fixed_size_designs_meet_the_allocation_in_every_draw(small_frame, name):
    """Fixed-size designs select exactly n_h units (or PSUs) in every stratum and replicate."""
    design = DESIGNS[name]
    sim = simulate_inclusion(small_frame, design, seed=3, reps=2_000)
    data = small_frame.data
    strata = data["region"].to_numpy() if design.stratified else np.zeros(len(data), dtype=object)
    allocation = draw_sample(small_frame, design, seed=1).allocation
    for label, n_h in allocation.items():
        in_h = strata == (label if design.stratified else 0)
        if design.stage2 is None:
            assert np.all(sim.hits[:, in_h].sum(axis=1) == n_h), (name, label)
        else:
            psus = data["psu"].to_numpy()
            m_units = data.groupby("psu")["uid"].size()
            # PSUs selected in stratum h, counted through their selected units.
            chosen = [
                {p for p in np.unique(psus[in_h & (row > 0)])} for row in sim.hits[:200]
            ]
            assert all(len(c) == n_h for c in chosen), (name, label)
            for row in sim.hits[:200]:
                for p in np.unique(psus[in_h & (row > 0)]):
                    assert row[psus == p].sum() == min(design.stage2.m, m_units[p])


def test_pps_with_replacement_expected_hits(small_frame):
    """Under PPS with replacement each unit's mean number of hits is n p_k (Cochran 1977, §9A.2)."""
    sim = simulate_inclusion(small_frame, DESIGNS["pps_wr"], seed=5, reps=REPS)
    x = small_frame.data["size"].to_numpy()
    expected = 5 * x / x.sum()
    se = np.sqrt(5 * (x / x.sum()) * (1 - x / x.sum()) / REPS)
    assert np.all(np.abs(sim.hits.mean(axis=0) - expected) <= 4 * se)


def test_certainty_unit_is_always_selected(small_frame):
    """Unit U03 (size 60 of 131, n = 5) has pik 1 and is in every PPS sample."""
    for name in ("pps_systematic", "pps_brewer", "pps_sampford"):
        sim = simulate_inclusion(small_frame, DESIGNS[name], seed=9, reps=1_000)
        assert sim.pik[3] == 1.0
        assert sim.hits[:, 3].all()


def test_stratified_systematic_pps_on_a_larger_frame():
    """On 600 units in 12 strata, stratified systematic PPS frequencies stay within 4 SE of pik."""
    import pandas as pd

    from survey_engine.sampling import load_frame

    gen = np.random.default_rng(42)
    data = pd.DataFrame({"id": np.arange(600), "h": np.repeat(np.arange(12), 50),
                         "x": gen.lognormal(2.0, 1.0, 600)})
    frame = load_frame(data, {"id": "id", "stratum": "h", "size": "x"})
    design = SampleDesign(Method.PPS_SYSTEMATIC, 120, stratified=True,
                          allocation=AllocationSpec(measure="size", min=2))
    sim = simulate_inclusion(frame, design, seed=1, reps=REPS)
    assert np.all(np.abs(sim.z_scores()) <= 4.0)


def test_two_stage_srs_of_psus_allocated_by_size(small_frame):
    """Stratified SRS of PSUs with allocation by size total, then 1 unit per PSU, keeps π = π1·π2 exact."""
    design = SampleDesign(Method.SRS, 4, stratified=True, allocation=AllocationSpec(measure="size", min=1),
                          stage2=StageTwo(1))
    sim = simulate_inclusion(small_frame, design, seed=13, reps=REPS)
    assert np.all(np.abs(sim.z_scores()) <= 4.0)
