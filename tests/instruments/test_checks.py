"""Every semantic check fires on its fault, with its stable code and the path of the fault."""

from __future__ import annotations

import pytest

from survey_engine.instruments import QuestionnaireCode as C
from survey_engine.instruments import validate_document
from tests.instruments.conftest import question


def found(doc, code):
    return [p for p in validate_document(doc) if p.code is code]


def test_duplicate_question_id(example):
    """Two questions with one id: the second is reported, naming the first."""
    question(example, "nps")["id"] = "overall"
    [p] = found(example, C.DUPLICATE_ID)
    assert p.path == "sections[1].questions[5].id" and "sections[1].questions[3]" in p.message


def test_matrix_item_id_clashing_with_question(example):
    """Matrix item ids share the answer namespace with questions."""
    question(example, "window")["items"][0]["id"] = "overall"
    assert found(example, C.DUPLICATE_ID)


def test_duplicate_section_and_page_ids(example):
    """Sections and pages need unique ids."""
    example["sections"][1]["id"] = "about"
    example["sections"][0]["pages"][1]["id"] = "p_type"
    paths = {p.path for p in found(example, C.DUPLICATE_ID)}
    assert paths == {"sections[1].id", "sections[0].pages[1].id"}


def test_duplicate_choice_code(example):
    """A choice code used twice in one list is reported at the second use."""
    question(example, "used")["choices"][1]["code"] = "patent"
    [p] = found(example, C.DUPLICATE_CODE)
    assert p.path == "sections[1].questions[0].choices[1].code"


def test_unknown_question_in_relevance(example):
    """A relevance naming an unknown question is reported at that relevance."""
    question(example, "why_bad")["relevance"] = "{q99} <= 2"
    [p] = found(example, C.UNKNOWN_QUESTION)
    assert p.path == "sections[1].questions[4].relevance" and "'q99'" in p.message


def test_unknown_choice_list_and_scale(example):
    """References to lists and scales that do not exist are reported."""
    question(example, "region")["choice_list"] = "provinces"
    question(example, "overall")["scale"] = "sat7"
    assert [p.path for p in found(example, C.UNKNOWN_CHOICE_LIST)] == ["sections[0].pages[1].questions[0].choice_list"]
    assert [p.path for p in found(example, C.UNKNOWN_SCALE)] == ["sections[1].questions[3].scale"]


def test_unknown_choice_code_in_selected(example):
    """selected() with a code the question does not offer is reported."""
    question(example, "sat_patent")["relevance"] = "selected({used}, 'copyright')"
    [p] = found(example, C.UNKNOWN_CHOICE)
    assert "'copyright'" in p.message and "patent" in p.message


def test_forward_reference_in_relevance(example):
    """A relevance may not depend on a later answer."""
    question(example, "sat_patent")["relevance"] = "{overall} > 3"
    [p] = found(example, C.FORWARD_REFERENCE)
    assert p.path == "sections[1].questions[1].relevance"


def test_constraint_may_use_own_and_earlier_answers(example):
    """A constraint using {.} and earlier answers is fine; using a later one is not."""
    assert not found(example, C.FORWARD_REFERENCE)
    question(example, "wait")["constraint"]["expression"] = "{.} < 100 or length({phone}) > 0"
    [p] = found(example, C.FORWARD_REFERENCE)
    assert p.path == "sections[1].questions[6].constraint.expression"


def test_current_value_only_in_constraints(example):
    """{.} in a relevance is meaningless and reported."""
    question(example, "why_bad")["relevance"] = "{.} > 1"
    assert any("{.}" in p.message for p in found(example, C.EXPRESSION_SYNTAX))


def test_calculation_cycle(example):
    """Calculations that depend on each other in a circle are reported with the cycle."""
    section = example["sections"][1]["questions"]
    section.append({"id": "calc_a", "type": "calculate", "calculation": "{calc_b} + 1"})
    section.append({"id": "calc_b", "type": "calculate", "calculation": "{calc_a} * 2"})
    [p] = found(example, C.CALCULATION_CYCLE)
    assert "calc_a" in p.message and "calc_b" in p.message


def test_expression_syntax_error_has_position(example):
    """A syntax error names the expression's path and the position."""
    question(example, "why_bad")["relevance"] = "{overall} <= "
    [p] = found(example, C.EXPRESSION_SYNTAX)
    assert p.path == "sections[1].questions[4].relevance" and "position" in p.message


def test_scoring_item_must_be_numeric_scale(example):
    """A text question cannot be a scoring item."""
    example["scoring"]["dimensions"][0]["items"].append("phone")
    [p] = found(example, C.NOT_NUMERIC_SCALE)
    assert p.path == "scoring.dimensions[0].items[2]" and "'phone'" in p.message


def test_scoring_item_unknown(example):
    """A scoring item that is not a question is reported."""
    example["scoring"]["dimensions"][1]["items"].append("ghost")
    assert [p.path for p in found(example, C.UNKNOWN_QUESTION)] == ["scoring.dimensions[1].items[2]"]


def test_matrix_item_with_mismatched_scale(example):
    """An item that declares a different scale than its matrix is reported."""
    question(example, "window")["items"][0]["scale"] = {"points": 7}
    [p] = found(example, C.MISMATCHED_SCALE)
    assert p.path == "sections[1].questions[2].items[0].scale" and "7-point" in p.message


def test_missing_translation(example):
    """A text without the English version is reported at that text."""
    del question(example, "overall")["label"]["en"]
    [p] = found(example, C.MISSING_TRANSLATION)
    assert p.path == "sections[1].questions[3].label" and "'en'" in p.message


def test_default_language_must_be_declared(example):
    """The default language has to be one of the languages."""
    example["default_language"] = "en"
    example["languages"] = ["zh"]
    assert any(p.path == "default_language" for p in found(example, C.MISSING_TRANSLATION))


@pytest.mark.parametrize(("qid", "key", "value", "bad_key"), [
    ("staff", "min", 200000, "min"),
    ("used", "min_selected", 4, "min_selected"),
    ("used", "max_selected", 9, "max_selected"),
    ("birth", "max", "1900-01-01", "min"),
    ("birth", "min", "yesterday", "min"),
])
def test_impossible_ranges(example, qid, key, value, bad_key):
    """Ranges that no answer can satisfy, or invalid dates, are reported at the key."""
    question(example, qid)[key] = value
    problems = found(example, C.INVALID_RANGE)
    assert problems and problems[0].path.endswith(bad_key)


def test_invalid_pattern(example):
    """A regular expression that does not compile is reported."""
    question(example, "phone")["pattern"] = "^1[3-9"
    [p] = found(example, C.INVALID_PATTERN)
    assert p.path == "sections[1].questions[8].pattern"


def test_scale_label_outside_scale_and_na_collision(example):
    """Labels for points the scale lacks, and a numeric NA code on the scale, are reported."""
    example["scales"]["sat5"]["labels"]["6"] = {"zh": "超", "en": "Super"}
    example["scales"]["sat5"]["not_applicable"]["code"] = "3"
    paths = {p.path for p in found(example, C.INVALID_SCALE_LABEL)}
    assert paths == {"scales.sat5.labels.6", "scales.sat5.not_applicable.code"}


def test_cascade_with_unknown_parent_and_too_deep(example):
    """Cascade choices must have known parents and fit in the levels."""
    choices = example["choice_lists"]["regions"]["choices"]
    choices.append({"code": "x1", "parent": "99", "label": {"zh": "某地", "en": "Somewhere"}})
    choices.append({"code": "x2", "parent": "440106", "label": {"zh": "街道", "en": "Street"}})
    messages = [p.message for p in found(example, C.INVALID_CASCADE)]
    assert any("'99'" in m for m in messages) and any("'x2' is 4 levels deep" in m for m in messages)


def test_exclusive_only_in_multiple_choice(example):
    """'exclusive' on a single-choice option is reported."""
    question(example, "rtype")["choices"][0]["exclusive"] = True
    assert [p.path for p in found(example, C.INVALID_CHOICE_OPTION)] == \
        ["sections[0].pages[0].questions[1].choices[0].exclusive"]


def test_unknown_respondent_type_and_mode(example):
    """Routing by an undeclared type or an unused mode is reported."""
    question(example, "staff")["respondent_types"] = ["university"]
    question(example, "channel")["modes"] = ["household"]
    assert [p.path for p in found(example, C.UNKNOWN_RESPONDENT_TYPE)] == \
        ["sections[0].pages[0].questions[2].respondent_types[0]"]
    assert [p.path for p in found(example, C.INVALID_MODE)] == ["sections[1].questions[7].modes[0]"]


def test_respondent_type_question_must_be_single_choice_of_types(example):
    """The respondent-type question must exist, be single choice and offer declared types."""
    example["respondent_type_question"] = "used"
    assert found(example, C.INVALID_ROUTING)
    example["respondent_type_question"] = "nothing"
    assert found(example, C.UNKNOWN_QUESTION)


def test_routing_before_type_question(example):
    """A question routed by respondent type cannot come before the question that asks the type."""
    question(example, "intro")["respondent_types"] = ["enterprise"]
    assert [p.path for p in found(example, C.FORWARD_REFERENCE)] == \
        ["sections[0].pages[0].questions[0].respondent_types"]


def test_scoring_references(example):
    """Reverse items outside dimensions, weights for non-items, missing fixed weights, bad IPA pairs."""
    scoring = example["scoring"]
    scoring["reverse"].append("overall")
    scoring["dimensions"][0]["item_weights"] = {"w_attitude": 2}
    del scoring["dimensions"][1]["weight"]
    scoring["dimensions"][1]["min_answered"] = 5
    scoring["importance"] = [{"importance": "overall", "performance": "nowhere"}]
    problems = validate_document(example)
    paths = {p.path for p in problems if p.code in (C.INVALID_SCORING, C.UNKNOWN_DIMENSION)}
    assert paths == {"scoring.reverse[1]", "scoring.dimensions[0].item_weights.w_attitude",
                     "scoring.dimensions[1]", "scoring.dimensions[1].min_answered",
                     "scoring.importance[0].performance"}


def test_explicit_score_map_must_cover_scale(example):
    """An explicit score map has to give a score for every scale value."""
    example["scoring"]["score_map"] = {"1": 0, "2": 25, "3": 50, "4": 75}
    problems = found(example, C.INVALID_SCORING)
    assert problems and all(p.path == "scoring.score_map" and "[5]" in p.message for p in problems)


def test_dimension_id_clashing_with_question(example):
    """A dimension named like a question would make IPA pairs ambiguous."""
    example["scoring"]["dimensions"][0]["id"] = "overall"
    assert any(p.path == "scoring.dimensions[0].id" for p in found(example, C.DUPLICATE_ID))


def test_problems_survive_schema_errors(example):
    """Semantic problems are reported even when the schema also fails."""
    question(example, "overall")["bogus"] = 1
    question(example, "why_bad")["relevance"] = "{q99} <= 2"
    codes = {p.code for p in validate_document(example)}
    assert {C.SCHEMA, C.UNKNOWN_QUESTION} <= codes
