"""Schema violations come back as author-readable messages with JSON paths."""

from __future__ import annotations

from survey_engine.instruments import QuestionnaireCode, validate_document
from tests.instruments.conftest import question


def test_valid_example_has_no_problem(example):
    """The documented example passes schema and semantic checks."""
    assert validate_document(example) == []


def test_unknown_question_type_lists_accepted_types(example):
    """An unknown type names itself and every accepted type."""
    question(example, "overall")["type"] = "slider"
    problems = [p for p in validate_document(example) if p.code is QuestionnaireCode.UNKNOWN_TYPE]
    assert problems[0].path == "sections[1].questions[3].type"
    assert "'slider'" in problems[0].message and "single_choice" in problems[0].message


def test_unknown_key_is_named_with_allowed_keys(example):
    """A misspelt key is reported with the list of allowed keys."""
    question(example, "overall")["requird"] = True
    [found] = validate_document(example)
    assert found.path == "sections[1].questions[3]" and "'requird'" in found.message
    assert "required" in found.message.split("allowed keys:")[1]


def test_missing_required_key(example):
    """A choice question without choices or a list says it needs one of them."""
    del question(example, "rtype")["choices"]
    problems = validate_document(example)
    assert any(p.path == "sections[0].pages[0].questions[1]" and "'choice_list' or 'choices'" in p.message
               for p in problems)


def test_key_not_allowed_for_type(example):
    """A text question with a numeric min is rejected at that key."""
    question(example, "phone")["min"] = 3
    problems = validate_document(example)
    assert [p.path for p in problems] == ["sections[1].questions[8].min"]
    assert "not allowed for type 'text'" in problems[0].message


def test_section_needs_pages_or_questions(example):
    """A section with neither pages nor questions is reported."""
    example["sections"].append({"id": "empty"})
    problems = validate_document(example)
    assert any(p.path == "sections[2]" and "'pages' or 'questions'" in p.message for p in problems)


def test_wrong_format_and_bad_identifier(example):
    """An unsupported format and an id with spaces are both reported."""
    example["format"] = 2
    example["id"] = "my survey"
    paths = {p.path for p in validate_document(example)}
    assert {"format", "id"} <= paths
