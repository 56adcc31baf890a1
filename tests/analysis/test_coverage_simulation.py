"""Simulation: linearisation intervals of a stratified two-stage design have nominal coverage.

A fixed synthetic population (4 strata × 40 PSUs of 30–80 elements) is sampled 2,000 times:
8 PSUs per stratum by SRSWOR, then 10 elements per sampled PSU by SRSWOR, with population
sizes at both stages as fpc.  The 95% t intervals for the population mean of y and the share
of z = 1 must cover the true values 93.5–96.5% of the time (±3 simulation SEs around 95%),
and the mean of the variance estimates must be within 10% of the variance of the estimates
(Särndal et al. 1992, Result 4.3.1: the two-stage estimator is unbiased for the HT total).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey_engine.analysis import Design

N_SAMPLES = 2000
H, PSUS, TAKE_PSU, TAKE_EL = 4, 40, 8, 10


def _population(rng: np.random.Generator) -> pd.DataFrame:
    sizes = rng.integers(30, 81, size=H * PSUS)
    psu = np.repeat(np.arange(H * PSUS), sizes)
    stratum = psu // PSUS
    psu_effect = rng.normal(0, 4, H * PSUS)[psu]
    y = 50 + 5 * stratum + psu_effect + rng.normal(0, 10, psu.size)
    logit = -0.5 + 0.3 * stratum + psu_effect / 6
    z = (rng.random(psu.size) < 1 / (1 + np.exp(-logit))).astype(float)
    return pd.DataFrame({"stratum": stratum, "psu": psu, "y": y, "z": z, "size": sizes[psu]})


def _sample(pop: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    keys = rng.random((H, PSUS)).argsort(axis=1)[:, :TAKE_PSU] + np.arange(H)[:, None] * PSUS
    chosen = pop[pop["psu"].isin(keys.ravel())]
    order = rng.random(len(chosen))
    rank = pd.Series(order, index=chosen.index).groupby(chosen["psu"].to_numpy()).rank(method="first")
    sample = chosen[rank.to_numpy() <= TAKE_EL].copy()
    sample["fpc1"] = PSUS
    sample["fpc2"] = sample["size"]
    return sample


@pytest.mark.slow
def test_two_stage_intervals_cover_and_variance_is_unbiased():
    """95% intervals cover 93.5–96.5% of the time; mean variance estimate within 10% of the true variance."""
    rng = np.random.default_rng(20261123)
    pop = _population(rng)
    truth = np.array([pop["y"].mean(), pop["z"].mean()])
    estimates = np.empty((N_SAMPLES, 2))
    variances = np.empty((N_SAMPLES, 2))
    covered = np.zeros((N_SAMPLES, 2), dtype=bool)
    for s in range(N_SAMPLES):
        sample = _sample(pop, rng).reset_index()  # "index" identifies the element (stage-2 unit)
        design = Design(sample, ids=["psu", "index"], strata="stratum", fpc=["fpc1", "fpc2"])
        result = design.mean(["y", "z"])
        frame = result.to_frame()
        estimates[s] = frame["estimate"].to_numpy()
        variances[s] = frame["se"].to_numpy() ** 2
        covered[s] = (frame["ci_low"].to_numpy() <= truth) & (truth <= frame["ci_high"].to_numpy())
    coverage = covered.mean(axis=0)
    print(f"coverage (y, z): {coverage}")
    assert np.all((coverage >= 0.935) & (coverage <= 0.965)), coverage
    empirical = estimates.var(axis=0, ddof=1)
    ratio = variances.mean(axis=0) / empirical
    print(f"mean variance estimate / empirical variance (y, z): {ratio}")
    assert np.all(np.abs(ratio - 1) <= 0.10), ratio
