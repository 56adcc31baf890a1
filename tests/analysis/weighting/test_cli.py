"""``survey-engine weight``: targets file in, weights CSV and report out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from survey_engine.analysis.weighting import WeightingErrorCode
from survey_engine.analysis.weighting.targets import parse_targets
from survey_engine.cli import cli
from survey_engine.errors import WeightingError
from tests.analysis.weighting._reference import API99_TOTAL, SCH_WIDE, STYPE, r_weights


@pytest.fixture()
def files(tmp_path: Path, reference_dir: Path) -> dict[str, Path]:
    """apiclus1, its design file and a calibration targets file in a temporary folder."""
    design = tmp_path / "design.json"
    design.write_text(json.dumps({"ids": "dnum", "weights": "pw", "fpc": "fpc"}))
    targets = tmp_path / "targets.json"
    targets.write_text(json.dumps({"steps": [
        {"method": "calibrate", "totals": {"stype": STYPE, "api99": API99_TOTAL},
         "calfun": "logit", "bounds": [0.7, 1.7]}]}))
    return {"data": reference_dir / "data" / "apiclus1.csv", "design": design,
            "targets": targets, "out": tmp_path / "weighted.csv", "report": tmp_path / "r.json"}


def _run(files: dict[str, Path], *extra: str):
    return CliRunner().invoke(cli, ["weight", str(files["data"]), "--design", str(files["design"]),
                                    "--targets", str(files["targets"]), "-o", str(files["out"]),
                                    *extra])


def test_weight_command_writes_r_matching_weights_and_report(files) -> None:
    """The written weights equal R's logit calibration; the report shows convergence."""
    result = _run(files, "--report", str(files["report"]))
    assert result.exit_code == 0, result.output
    weighted = pd.read_csv(files["out"])
    np.testing.assert_allclose(weighted["weight"], r_weights("calibrate_logit_stype_api99")["weight"],
                               rtol=1e-8)
    report = json.loads(files["report"].read_text())
    assert report["steps"][0]["converged"] is True
    assert report["weights"]["after"]["n"] == 183
    assert "margins against targets" in result.output


def test_weight_command_on_replicate_design_writes_replicate_columns(files) -> None:
    """A JK1 design file gives weight_rep1..weight_rep15 columns, each raked as R does."""
    files["design"].write_text(json.dumps({"ids": "dnum", "weights": "pw", "fpc": "fpc",
                                           "replicate": "JK1"}))
    files["targets"].write_text(json.dumps({"method": "rake", "margins": {
        "stype": STYPE, "sch.wide": SCH_WIDE}}))
    result = _run(files)
    assert result.exit_code == 0, result.output
    weighted = pd.read_csv(files["out"])
    expected = r_weights("rep_rake_stype_schwide")
    np.testing.assert_allclose(weighted["weight"], expected["weight"], rtol=1e-8)
    reps = weighted[[f"weight_rep{r}" for r in range(1, 16)]].to_numpy()
    r_reps = expected.iloc[:, 3:].to_numpy()
    # Replicates may be numbered in another PSU order than R's: compare them as a set.
    def by_dropped_psu(m):
        return m[:, np.argsort(np.argmax(m == 0, axis=0))]

    np.testing.assert_allclose(by_dropped_psu(reps), by_dropped_psu(r_reps), rtol=1e-8, atol=1e-9)


def test_weight_command_reports_impossible_targets_without_traceback(files) -> None:
    """An empty cell gives 'error: ...' naming the step, variable and level, and exit 2."""
    files["targets"].write_text(json.dumps({"steps": [
        {"method": "poststratify", "variable": "stype", "totals": {**STYPE, "X": 5}}]}))
    result = _run(files)
    assert result.exit_code == 2
    assert "error: /steps/0 (poststratify)" in result.output and "stype=X" in result.output


def test_targets_file_problems_are_listed_with_paths() -> None:
    """Unknown methods, missing keys and unknown options are all reported with JSON paths."""
    with pytest.raises(WeightingError) as info:
        parse_targets({"steps": [{"method": "cook"}, {"method": "rake"},
                                 {"method": "trim", "upper": 3, "cap": 2}]})
    assert info.value.code is WeightingErrorCode.BAD_TARGETS
    paths = [p.path for p in info.value.problems]
    assert paths == ["/steps/0/method", "/steps/1", "/steps/2/cap"]


def test_design_out_for_a_plain_design_points_at_the_new_weights(files, tmp_path) -> None:
    """--design-out keeps ids and fpc and names the written weight column."""
    out = tmp_path / "weighted.json"
    result = _run(files, "--weight-column", "w_cal", "--design-out", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text()) == {"ids": "dnum", "fpc": "fpc", "weights": "w_cal"}
    assert "w_cal" in pd.read_csv(files["out"]).columns
