"""The shared reference cases (tests/fixtures/reference/cases.json) for estimation agree with R to 1e-9."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from survey_engine.analysis import Design

TOL = 1e-9


def _cases(reference_dir):
    cases = json.loads((reference_dir / "cases.json").read_text())
    return [c for c in cases if c["design"] and not c["adjust"]
            and c["statistic"] in ("mean", "total", "ratio", "proportion", "ciprop")]


def _as_dict(value, labels):
    return value if isinstance(value, dict) else {labels[0]: value}


def test_reference_cases(reference_dir):
    """Every design-based case without weighting steps (13 of 17) matches estimate, SE, df, deff and CIs."""
    cases = _cases(reference_dir)
    assert len(cases) == 13
    for case in cases:
        spec = case["design"]
        data = pd.read_csv(reference_dir / "data" / case["dataset"])
        design = Design(data, ids=spec["ids"] or None, strata=spec["strata"], weights=spec["weights"],
                        fpc=spec["fpc"], nest=spec["nest"])
        if spec["replicates"]:
            design = design.replicate(spec["replicates"]["type"])
        stat, var = case["statistic"], case["variable"]
        if stat == "ratio":
            result = design.ratio(var, case["denominator"])
        elif stat == "ciprop":
            result = design.ciprop(var, case["level_of_interest"], method=case["ci_method"])
        else:
            result = getattr(design, stat)(var, by=case["by"])
        frame = result.to_frame(dist="normal")
        labels = [lab[-1] if isinstance(lab, tuple) else lab for lab in result.labels]
        if case["by"]:
            labels = [lab[0] for lab in result.labels]
        frame.index = labels
        assert result.df == case["df"], case["id"]
        for column, ours in (("estimate", "estimate"), ("se", "se"), ("deff", "deff"), ("ci_low", "ci_low"),
                             ("ci_high", "ci_high")):
            if case.get(column) is None:
                continue
            for label, value in _as_dict(case[column], labels).items():
                assert frame.loc[label, ours] == pytest.approx(value, rel=TOL), (case["id"], column, label)
        if stat != "ciprop":
            t_low, t_high = result.ci(0.95)
            for label, value in _as_dict(case["ci_t_low"], labels).items():
                got = t_low if isinstance(t_low, float) else t_low.iloc[labels.index(label)]
                assert got == pytest.approx(value, rel=TOL), (case["id"], "ci_t_low", label)
