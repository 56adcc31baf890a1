"""The validate and show commands on real and broken questionnaire files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from survey_engine.cli import cli, main

EXAMPLE = Path(__file__).parents[1] / "instruments" / "fixtures" / "small_example.json"


def test_validate_bundled_questionnaires_exits_zero(repo_dir):
    """Every bundled questionnaire is valid."""
    files = sorted(str(p) for p in (repo_dir / "questionnaires").glob("*.json"))
    assert len(files) == 3
    result = CliRunner().invoke(cli, ["validate", *files])
    assert result.exit_code == 0, result.output


def test_validate_reports_each_injected_fault_and_exits_two(tmp_path):
    """A copy with several faults prints each with its path, one per line, and exits 2."""
    doc = json.loads(EXAMPLE.read_text("utf-8"))
    questions = doc["sections"][1]["questions"]
    questions[1]["relevance"] = "selected({used}, 'copyright')"   # unknown code
    questions[3]["type"] = "slider"                                 # unknown type
    questions[4]["relevance"] = "{q99} <= 2"                        # unknown question
    del questions[5]["label"]["en"]                                 # missing translation
    doc["scoring"]["dimensions"][0]["items"].append("phone")        # not a numeric scale
    path = tmp_path / "faulty.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2
    lines = result.stdout.strip().splitlines()
    for expected in ("sections[1].questions[1].relevance", "sections[1].questions[3].type",
                     "sections[1].questions[4].relevance", "sections[1].questions[5].label",
                     "scoring.dimensions[0].items[2]"):
        assert any(expected in line for line in lines), expected
    assert all(line.startswith(f"{path}: ") for line in lines)
    assert "Traceback" not in result.output


def test_validate_malformed_json_names_line_and_column(tmp_path):
    """Malformed JSON gives file:line:column and exit 2."""
    path = tmp_path / "bad.json"
    path.write_text('{"format": 1,\n "id": }', encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2 and f"{path}:2:" in result.stdout


def test_validate_mixed_files_reports_only_the_bad_one(tmp_path):
    """Valid files pass quietly while the invalid one fails the run."""
    good = tmp_path / "good.json"
    shutil.copy(EXAMPLE, good)
    bad = tmp_path / "missing.json"
    result = CliRunner().invoke(cli, ["validate", str(good), str(bad)])
    assert result.exit_code == 2 and "file not found" in result.stdout and "good.json" not in result.stdout


def test_show_prints_outline_with_routing_in_english():
    """show --lang en prints the title, questions, options and routing."""
    result = CliRunner().invoke(cli, ["show", str(EXAMPLE), "--lang", "en"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Window service check" in out and "service_check@2026.1#" in out
    assert "shown if: selected({used}, 'patent')" in out
    assert "respondent types: enterprise" in out and "5 Very satisfied" in out
    assert "composite index csi" in out


def test_show_defaults_to_chinese():
    """Without --lang the outline is in the questionnaire's default language."""
    result = CliRunner().invoke(cli, ["show", str(EXAMPLE)])
    assert "窗口服务小调查" in result.stdout and "显示条件" in result.stdout


def test_show_invalid_file_is_an_error_not_a_traceback(tmp_path):
    """show on an invalid file prints the problems and exits 2."""
    path = tmp_path / "x.json"
    path.write_text("{}", encoding="utf-8")
    assert main(["show", str(path)]) == 2


def test_main_version():
    """--version prints the program name and version."""
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and "survey-engine" in result.stdout
