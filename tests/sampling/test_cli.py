"""The sampling commands of the ``survey-engine`` CLI."""

from __future__ import annotations

import json

import pandas as pd
from click.testing import CliRunner

from survey_engine.cli import cli

from .conftest import small_frame_data

DESIGN = {
    "frame": {"id": "uid", "stratum": "region", "size": "size", "contact": ["phone"]},
    "method": "pps_systematic", "n": 6, "stratified": True,
    "allocation": {"method": "proportional", "measure": "size", "min": 1},
}


def _files(tmp_path, design=DESIGN):
    small_frame_data().to_csv(tmp_path / "frame.csv", index=False)
    (tmp_path / "design.json").write_text(json.dumps(design), encoding="utf-8")
    return str(tmp_path / "frame.csv"), str(tmp_path / "design.json")


def test_frame_summary(tmp_path):
    """`frame summary` prints units and size by stratum."""
    frame, _ = _files(tmp_path)
    result = CliRunner().invoke(cli, ["frame", "summary", frame, "--id", "uid", "--stratum",
                                      "region", "--size", "size", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "a,5,78.0" in result.output


def test_sample_writes_csv_and_design_record(tmp_path):
    """`sample` writes the units without phones plus a JSON record with seed and frame hash."""
    frame, design = _files(tmp_path)
    out = tmp_path / "sample.csv"
    result = CliRunner().invoke(cli, ["sample", frame, "--design", design, "--seed", "42", "-o", str(out)])
    assert result.exit_code == 0, result.output
    units = pd.read_csv(out)
    assert len(units) == 6 and "phone" not in units.columns and {"pik", "weight"} <= set(units.columns)
    meta = json.loads((tmp_path / "sample.json").read_text())
    assert meta["seed"] == 42 and len(meta["frame_hash"]) == 64
    again = tmp_path / "again.csv"
    CliRunner().invoke(cli, ["sample", frame, "--design", design, "--seed", "42", "-o", str(again)])
    assert out.read_text() == again.read_text()


def test_sample_with_bad_seed_and_unknown_key(tmp_path):
    """A non-integer seed and an unknown design key give one 'error:' line and exit 2."""
    frame, design = _files(tmp_path)
    result = CliRunner().invoke(cli, ["sample", frame, "--design", design, "--seed", "1.5", "-o",
                                      str(tmp_path / "s.csv")])
    assert result.exit_code == 2 and "error: --seed '1.5'" in result.output
    _, bad = _files(tmp_path, {**DESIGN, "replace": False})
    result = CliRunner().invoke(cli, ["sample", frame, "--design", bad, "--seed", "1", "-o",
                                      str(tmp_path / "s.csv")])
    assert result.exit_code == 2 and "unknown key 'replace'" in result.output


def test_sample_size_and_inverse():
    """`sample-size --margin 0.03` gives 1068 completes; `--n 1067` gives ±0.0300."""
    result = CliRunner().invoke(cli, ["sample-size", "--margin", "0.03", "--json"])
    assert json.loads(result.output)["completes"] == 1068
    result = CliRunner().invoke(cli, ["sample-size", "--n", "1067"])
    assert "±0.0300" in result.output


def test_intercept_plan(tmp_path):
    """`intercept-plan` writes the CSV schedule and the bilingual HTML page."""
    flows = pd.DataFrame({"site": ["A", "B"], "day": ["Mon", "Mon"], "slot": ["am", "am"],
                          "expected_visitors": [100, 300]})
    flows.to_csv(tmp_path / "flows.csv", index=False)
    result = CliRunner().invoke(cli, ["intercept-plan", str(tmp_path / "flows.csv"), "--n", "20",
                                      "--seed", "3", "-o", str(tmp_path / "plan.csv"),
                                      "--html", str(tmp_path / "plan.html")])
    assert result.exit_code == 0, result.output
    plan = pd.read_csv(tmp_path / "plan.csv", encoding="utf-8-sig")
    assert plan["interviews"].tolist() == [5, 15]
    assert "Interviews" in (tmp_path / "plan.html").read_text(encoding="utf-8")


def test_frame_summary_from_design_and_bad_frame(tmp_path):
    """`frame summary --design` takes the column mapping from the design; a duplicate id exits 2 with its line."""
    frame, design = _files(tmp_path)
    result = CliRunner().invoke(cli, ["frame", "summary", frame, "--design", design])
    assert result.exit_code == 0, result.output
    assert "15 units" in result.output and "Total" in result.output
    (tmp_path / "dup.csv").write_text("uid,region,size,phone\nA,a,1,1\nA,a,2,2\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["frame", "summary", str(tmp_path / "dup.csv"), "--design", design])
    assert result.exit_code == 2
    assert "line 2" in result.output and "line 3" in result.output
