"""The `survey-engine analyze` command: formats, design files and friendly errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from survey_engine.cli import cli
from tests.analysis.r_cases import DATA_DIR, load_cases


@pytest.fixture()
def design_file(tmp_path: Path) -> Path:
    path = tmp_path / "design.json"
    path.write_text(json.dumps({"ids": ["dnum"], "weights": "pw", "fpc": ["fpc"]}))
    return path


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_json_output_matches_r(design_file):
    """--mean with two variables (greedy option) gives R's svymean numbers in JSON (estimation.R, clus1_mean)."""
    result = _run("analyze", str(DATA_DIR / "apiclus1.csv"), "--design", str(design_file),
                  "--mean", "api00", "api99", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    rows = {r["variable"]: r for r in payload[0]["rows"]}
    ref = {tuple(r["label"]): r for c in load_cases() if c["id"] == "clus1_mean" for r in c["rows"]}
    assert rows["api00"]["se"] == pytest.approx(ref[("api00",)]["se"], rel=1e-9)
    assert rows["api99"]["estimate"] == pytest.approx(ref[("api99",)]["estimate"], rel=1e-9)


def test_csv_output_with_by_and_total(design_file):
    """--by and --total give one CSV row per domain with the documented columns."""
    result = _run("analyze", str(DATA_DIR / "apiclus1.csv"), "--design", str(design_file),
                  "--total", "enroll", "--by", "stype", "--format", "csv")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert list(frame.columns) == ["statistic", "stype", "variable", "estimate", "se", "ci_low", "ci_high", "df", "deff"]
    assert len(frame) == 3


def test_table_output_and_replicate_design(tmp_path):
    """A design file may ask for replicate weights; the table shows SE and 95% CI."""
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"ids": "dnum", "weights": "pw", "fpc": "fpc", "replicate": {"type": "JK1"}}))
    result = _run("analyze", str(DATA_DIR / "apiclus1.csv"), "--design", str(path), "--mean", "api00",
                  "--ratio", "api00/api99", "--proportion", "stype", "--quantile", "api00", "--quantiles", "0.5")
    assert result.exit_code == 0, result.output
    assert "95% CI" in result.stdout and "api00/api99" in result.stdout


def test_bad_design_file_is_a_friendly_error(tmp_path):
    """An unknown design key or column exits with status 2 and a one-line message, no traceback."""
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"ids": ["dnum"], "weight": "pw"}))
    result = _run("analyze", str(DATA_DIR / "apiclus1.csv"), "--design", str(path), "--mean", "api00")
    assert result.exit_code == 2 and "unknown key" in result.output and "Traceback" not in result.output
    path.write_text(json.dumps({"ids": ["district"], "weights": "pw"}))
    result = _run("analyze", str(DATA_DIR / "apiclus1.csv"), "--design", str(path), "--mean", "api00")
    assert result.exit_code == 2 and "'district'" in result.output


def test_nothing_to_estimate(design_file):
    """Without an estimator option the command explains what to give."""
    result = _run("analyze", str(DATA_DIR / "apiclus1.csv"), "--design", str(design_file))
    assert result.exit_code != 0 and "--mean" in result.output
