"""Loading questionnaires: files and text become immutable instruments, or located errors."""

from __future__ import annotations

import dataclasses
import json

import pytest

from survey_engine.errors import QuestionnaireError
from survey_engine.instruments import QuestionnaireCode, QuestionType, from_dict, load, loads
from tests.instruments.conftest import FIXTURES


def test_small_example_builds_with_every_question_type(example):
    """The documented example is valid and uses every question type of the language."""
    q = from_dict(example)
    assert {question.type for question in q.questions()} == set(QuestionType)
    assert q.languages == ("zh", "en")
    assert q.question("w_repeat").id == "window"
    assert q.question("district").levels[-1].id == "district"


def test_built_questionnaire_is_immutable(example):
    """A built questionnaire cannot be changed in place."""
    q = from_dict(example)
    with pytest.raises(dataclasses.FrozenInstanceError):
        q.version = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        q.scales["new"] = None  # type: ignore[index]


def test_scale_and_choices_resolved(example):
    """Scale and choice-list references resolve to their definitions; NPS gets a 0-10 scale."""
    q = from_dict(example)
    sat = q.question("overall").scale
    assert sat.values == (1, 2, 3, 4, 5) and sat.display_values[0] == 5
    assert sat.not_applicable.code == "NA" and sat.label(3).get("en") == "Basically satisfied"
    assert q.question("nps").scale.values == tuple(range(11))
    assert q.question("region").choices.codes[:2] == ("44", "4401")
    used = q.question("used").choices.choices
    assert [c.code for c in used if c.exclusive] == ["none"] and [c.code for c in used if c.specify] == ["other"]


def test_metadata_defaults_to_every_automatic_field(example):
    """Without a metadata list every automatically captured field is recorded."""
    q = from_dict(example)
    assert "questionnaire_version" in q.metadata and "interviewer" in q.metadata


def test_malformed_json_reports_line_and_column(tmp_path):
    """A JSON syntax error names the file, line and column."""
    path = tmp_path / "broken.json"
    path.write_text('{\n  "format": 1,\n  "id": "x",,\n}', encoding="utf-8")
    with pytest.raises(QuestionnaireError) as info:
        load(path)
    assert info.value.code is QuestionnaireCode.MALFORMED_JSON
    assert "line 3, column" in str(info.value) and str(path) in str(info.value)


def test_missing_file_is_a_clear_error(tmp_path):
    """A missing file is reported as such, not as a traceback."""
    with pytest.raises(QuestionnaireError) as info:
        load(tmp_path / "nope.json")
    assert info.value.code is QuestionnaireCode.FILE_NOT_FOUND


def test_top_level_must_be_an_object():
    """A JSON array is not a questionnaire."""
    with pytest.raises(QuestionnaireError) as info:
        loads("[1, 2]")
    assert info.value.code is QuestionnaireCode.SCHEMA


def test_invalid_document_lists_every_problem(example):
    """Several faults are all reported in one error, each with its path."""
    example["sections"][1]["questions"][0]["choice_list"] = "nope"
    example["sections"][1]["questions"][3]["bogus"] = 1
    with pytest.raises(QuestionnaireError) as info:
        from_dict(example)
    paths = [p.path for p in info.value.problems]
    assert "sections[1].questions[3]" in paths
    assert any(p.startswith("sections[1].questions[0]") for p in paths)
    assert len(info.value.problems) >= 2


def test_example_file_matches_documentation(repo_dir):
    """The example printed in docs/questionnaire-format.md is the tested fixture."""
    text = (repo_dir / "docs" / "questionnaire-format.md").read_text("utf-8")
    block = text.split("## A complete small example", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    assert json.loads(block) == json.loads((FIXTURES / "small_example.json").read_text("utf-8"))


def test_personal_data_answers_are_known(example):
    """Questions marked personal_data are listed so storage and exports can keep them apart."""
    assert from_dict(example).personal_answer_ids == frozenset({"phone"})
