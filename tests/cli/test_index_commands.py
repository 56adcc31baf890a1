"""index, ratings, ipa, reliability and warnings commands on a synthetic survey of the example questionnaire."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from survey_engine.cli import cli

EXAMPLE = Path(__file__).parents[1] / "instruments" / "fixtures" / "small_example.json"


@pytest.fixture()
def survey(tmp_path):
    rng = np.random.default_rng(11)
    n = 240
    psu = np.repeat(np.arange(40), 6)
    data = pd.DataFrame({
        "psu": psu, "stratum": np.where(psu < 20, "a", "b"), "w": rng.uniform(10, 20, 40)[psu],
        "site": rng.choice(["A", "B"], n),
        "w_speed": rng.integers(2, 6, n), "w_repeat": rng.integers(1, 4, n),
        "w_attitude": rng.choice(["1", "2", "3", "4", "5", "NA"], n), "sat_patent": rng.integers(3, 6, n),
        "overall": rng.integers(1, 6, n),
    })
    data_path = tmp_path / "responses.csv"
    data.to_csv(data_path, index=False)
    design_path = tmp_path / "design.json"
    design_path.write_text(json.dumps({"ids": "psu", "strata": "stratum", "weights": "w", "nest": True}))
    return data_path, design_path


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_index_table_and_json(survey):
    """index prints every dimension and the composite; JSON has one record per index."""
    data, design = survey
    result = run("index", data, "--design", design, "--questionnaire", EXAMPLE)
    assert result.exit_code == 0, result.output
    assert "efficiency" in result.stdout and "csi" in result.stdout
    records = json.loads(run("index", data, "--design", design, "--questionnaire", EXAMPLE, "--format", "json").stdout)
    assert {r["index"] for r in records} == {"efficiency", "staff_service", "csi"}
    assert all(r["ci_low"] < r["estimate"] < r["ci_high"] for r in records)


def test_index_by_domain_csv(survey):
    """--by gives one row per domain and index."""
    data, design = survey
    out = run("index", data, "--design", design, "--questionnaire", EXAMPLE, "--by", "site", "--format", "csv").stdout
    assert len(out.strip().splitlines()) == 1 + 2 * 3


def test_ratings_command(survey):
    """ratings prints counts per level and both rates."""
    data, design = survey
    result = run("ratings", data, "--design", design, "--item", "overall", "--by", "site", "--format", "csv")
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[0]
    assert "satisfaction_rate_estimate" in header and "bad_rating_rate_ci_high" in header


def test_ipa_command_derived(survey):
    """ipa with correlation importance places both dimensions in a quadrant."""
    data, design = survey
    result = run("ipa", data, "--design", design, "--questionnaire", EXAMPLE, "--importance", "correlation",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    assert {r["attribute"] for r in json.loads(result.stdout)} == {"efficiency", "staff_service"}


def test_ipa_stated_without_importance_items_is_a_clear_error(survey):
    """Stated importance needs importance pairs; the message says so and the exit code is 2."""
    data, design = survey
    result = run("ipa", data, "--design", design, "--questionnaire", EXAMPLE)
    assert result.exit_code == 2 and "importance pairs" in result.output and "Traceback" not in result.output


def test_reliability_command(survey):
    """reliability reports alpha for each dimension of the questionnaire."""
    data, _ = survey
    result = run("reliability", data, "--questionnaire", EXAMPLE, "--format", "csv")
    assert result.exit_code == 0, result.output
    assert {line.split(",")[0] for line in result.stdout.strip().splitlines()[1:]} == {"efficiency", "staff_service"}


def test_warnings_command_fires_and_exits_one(survey, tmp_path):
    """A threshold above every index fires for each; a bad rule file is a clear error."""
    data, design = survey
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps([{"rule": "index_below", "threshold": 101}]))
    result = run("warnings", data, "--design", design, "--rules", rules, "--questionnaire", EXAMPLE)
    assert result.exit_code == 1 and result.stdout.count("! ") == 3
    rules.write_text(json.dumps([{"rule": "index_above"}]))
    result = run("warnings", data, "--design", design, "--rules", rules, "--questionnaire", EXAMPLE)
    assert result.exit_code == 2 and "[0].rule" in result.output
