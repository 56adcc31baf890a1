"""Adjusted weights, estimates and SEs agree with R's survey 4.1.1 (tests/fixtures/r/weighting.R)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from survey_engine.analysis import Design
from survey_engine.analysis.replicate import ReplicateDesign
from tests.analysis.weighting._reference import API99_TOTAL, SCH_WIDE, STYPE, r_weights

RTOL = 1e-8

STYPE_SCHWIDE = {("E", "No"): 300, ("H", "No"): 80, ("M", "No"): 150,
                 ("E", "Yes"): 4121, ("H", "Yes"): 675, ("M", "Yes"): 868}
CALTOTALS = {"stype": STYPE, "api99": API99_TOTAL}

CASES: dict[str, Callable[[Design], Design]] = {
    "poststratify_stype": lambda d: d.poststratify("stype", STYPE),
    "poststratify_stype_schwide": lambda d: d.poststratify(["stype", "sch.wide"], STYPE_SCHWIDE),
    "rake_stype_schwide": lambda d: d.rake({"stype": STYPE, "sch.wide": SCH_WIDE}),
    "calibrate_raking_stype_schwide": lambda d: d.calibrate({"stype": STYPE, "sch.wide": SCH_WIDE},
                                                            method="raking"),
    "calibrate_linear_stype_api99": lambda d: d.calibrate(CALTOTALS, method="linear"),
    "calibrate_linear_stype_schwide": lambda d: d.calibrate({"stype": STYPE, "sch.wide": SCH_WIDE}),
    "calibrate_bounded_stype_api99": lambda d: d.calibrate(CALTOTALS, bounds=(0.6, 1.6)),
    "calibrate_raking_stype_api99": lambda d: d.calibrate(CALTOTALS, method="raking"),
    "calibrate_logit_stype_api99": lambda d: d.calibrate(CALTOTALS, method="logit",
                                                         bounds=(0.7, 1.7)),
    "trim_calibrated_20_45": lambda d: d.calibrate(CALTOTALS).trim(20, 45, strict=False),
    "trim_calibrated_20_45_strict": lambda d: d.calibrate(CALTOTALS).trim(20, 45),
}

REP_CASES: dict[str, Callable[[ReplicateDesign], ReplicateDesign]] = {
    "rep_poststratify_stype": lambda d: d.poststratify("stype", STYPE),
    "rep_rake_stype_schwide": lambda d: d.rake({"stype": STYPE, "sch.wide": SCH_WIDE}),
    "rep_calibrate_linear_stype_api99": lambda d: d.calibrate(CALTOTALS),
    "rep_calibrate_logit_stype_api99": lambda d: d.calibrate(CALTOTALS, method="logit",
                                                             bounds=(0.4, 2.5)),
}


def _close(actual: float, expected: float) -> None:
    assert actual == pytest.approx(expected, rel=RTOL, abs=1e-9)


@pytest.mark.parametrize("name", sorted(CASES))
def test_weights_estimates_and_ses_match_r(name: str, dclus1: Design, r_results: dict) -> None:
    """Each adjusted apiclus1 design reproduces R's weights, means, totals and SEs to 1e-8."""
    adjusted = CASES[name](dclus1)
    expected = r_weights(name)["weight"].to_numpy()
    np.testing.assert_allclose(adjusted.weights, expected, rtol=RTOL)
    ref = r_results[name]
    for statistic, estimate in (("mean_api00", adjusted.mean("api00")),
                                ("mean_api99", adjusted.mean("api99")),
                                ("total_enroll", adjusted.total("enroll"))):
        _close(estimate.estimate, ref[statistic]["estimate"])
        _close(estimate.se, ref[statistic]["se"])


def test_trim_of_varied_weights_matches_r(apiclus1, r_results: dict) -> None:
    """Strict trimming of unequal weights at 45 matches R's trimWeights(strict=TRUE)."""
    data = apiclus1.assign(w=apiclus1["pw"] * (1 + (apiclus1["snum"] % 7) / 10))
    trimmed = Design(data, ids="dnum", weights="w", fpc="fpc").trim(upper=45)
    name = "trim_varied_upper_45"
    np.testing.assert_allclose(trimmed.weights, r_weights(name)["weight"], rtol=RTOL)
    estimate = trimmed.mean("api00")
    _close(estimate.estimate, r_results[name]["mean_api00"]["estimate"])
    _close(estimate.se, r_results[name]["mean_api00"]["se"])


@pytest.fixture(scope="module")
def rclus1(apiclus1, r_results: dict) -> ReplicateDesign:
    """as.svrepdesign(dclus1, type="JK1"), built from R's replicate weights."""
    reps = r_weights("rep_jk1_unadjusted").iloc[:, 2:].to_numpy()
    info = r_results["rep_jk1"]
    return ReplicateDesign(apiclus1, weights="pw", replicate_weights=reps, type="JK1",
                           scale=info["scale"], rscales=info["rscales"])


@pytest.mark.parametrize("name", sorted(REP_CASES))
def test_replicate_designs_adjust_every_replicate_as_r(name: str, rclus1: ReplicateDesign,
                                                      r_results: dict) -> None:
    """Every JK1 replicate column is adjusted as R's svyrep methods do; SEs agree to 1e-8."""
    adjusted = REP_CASES[name](rclus1)
    table = r_weights(name)
    np.testing.assert_allclose(adjusted.weights, table["weight"], rtol=RTOL)
    np.testing.assert_allclose(adjusted.replicate_weights, table.iloc[:, 3:].to_numpy(),
                               rtol=RTOL, atol=1e-9)
    ref = r_results[name]
    for statistic, estimate in (("mean_api00", adjusted.mean("api00")),
                                ("total_enroll", adjusted.total("enroll"))):
        _close(estimate.estimate, ref[statistic]["estimate"])
        _close(estimate.se, ref[statistic]["se"])


def test_reference_cases_json_adjusted_designs(dclus1: Design, reference_dir) -> None:
    """The adjusted cases of the shared cases.json (postStratify, calibrate) are reproduced."""
    import json

    cases = json.loads((reference_dir / "cases.json").read_text())
    checked = 0
    for case in cases:
        adjust = case.get("adjust")
        replicated = (case.get("design") or {}).get("replicates")
        if not adjust or case["dataset"] != "apiclus1.csv" or replicated:
            continue
        if adjust["method"] == "poststratify":
            adjusted = dclus1.poststratify("stype", adjust["population"]["stype"])
        elif adjust["method"] == "calibrate_linear":
            adjusted = dclus1.calibrate(CALTOTALS)
        else:
            continue
        weights = np.loadtxt(reference_dir / adjust["weights_file"], delimiter=",", skiprows=1,
                             usecols=2)
        np.testing.assert_allclose(adjusted.weights, weights, rtol=RTOL)
        estimate = getattr(adjusted, case["statistic"])(case["variable"])
        _close(estimate.estimate, case["estimate"])
        _close(estimate.se, case["se"])
        checked += 1
    assert checked == 2


STRAT_CASES = {
    "strat_rake_schwide_awards": lambda d, p: d.rake(
        {"sch.wide": p["sch.wide"], "awards": p["awards"]}),
    "strat_calibrate_raking_schwide_awards": lambda d, p: d.calibrate(
        {"sch.wide": p["sch.wide"], "awards": p["awards"]}, method="raking"),
    "strat_calibrate_linear_schwide_api99": lambda d, p: d.calibrate(
        {"sch.wide": p["sch.wide"], "api99": p["api99"]}),
}


@pytest.mark.parametrize("name", sorted(STRAT_CASES))
def test_unequal_weights_rake_and_calibration_match_r(name: str, reference_dir,
                                                     r_results: dict) -> None:
    """On apistrat (unequal weights) rake keeps R's rake variance and calibrate its GREG
    variance: both SEs, which differ there, match R to 1e-8 (apipop counts as targets)."""
    import pandas as pd

    data = pd.read_csv(reference_dir / "data" / "apistrat.csv")
    dstrat = Design(data, strata="stype", weights="pw", fpc="fpc")
    ref = r_results[name]
    adjusted = STRAT_CASES[name](dstrat, ref["population"])
    np.testing.assert_allclose(adjusted.weights, r_weights(name)["weight"], rtol=RTOL)
    for statistic, estimate in (("mean_api00", adjusted.mean("api00")),
                                ("total_enroll", adjusted.total("enroll"))):
        _close(estimate.estimate, ref[statistic]["estimate"])
        _close(estimate.se, ref[statistic]["se"])
