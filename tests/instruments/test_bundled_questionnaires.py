"""The three bundled questionnaires are valid, bilingual and together use every feature."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey_engine.instruments import QuestionType, load
from survey_engine.instruments.model import Questionnaire

QUESTIONNAIRES = Path(__file__).parents[2] / "questionnaires"
NAMES = ["ip_service_satisfaction", "ip_service_demand", "window_rating"]


@pytest.fixture(scope="module")
def bundled() -> dict[str, Questionnaire]:
    return {name: load(QUESTIONNAIRES / f"{name}.json") for name in NAMES}


def test_each_is_valid_and_bilingual(bundled):
    """Each questionnaire loads and is offered in Chinese (default) and English."""
    for q in bundled.values():
        assert set(q.languages) == {"zh", "en"} and q.default_language == "zh"
        assert q.notice is not None and q.notice.text.languages == {"zh", "en"}


def _features(q: Questionnaire) -> set[str]:
    found = {f"type:{question.type.value}" for question in q.questions()}
    for question in q.questions():
        flags = {
            "required": question.required, "relevance": question.relevance, "constraint": question.constraint,
            "calculation": question.calculation, "question_modes": question.modes,
            "question_routing": question.respondent_types, "randomize": question.randomize,
            "min_selected": question.min_selected, "max_selected": question.max_selected,
            "unit": question.unit, "max_length": question.max_length, "pattern": question.pattern,
            "range": question.minimum is not None or question.maximum is not None,
        }
        found |= {name for name, value in flags.items() if value}
        if question.choices is not None:
            choices = question.choices.choices
            found |= {name for name, value in {
                "exclusive": any(c.exclusive for c in choices), "specify": any(c.specify for c in choices),
                "fixed": any(c.fixed for c in choices), "choice_relevance": any(c.relevance for c in choices),
                "shared_list": question.choices.id in q.choice_lists,
            }.items() if value}
        if question.scale is not None and question.scale.not_applicable is not None:
            found.add("not_applicable")
        if question.scale is not None and question.scale.id in q.scales:
            found.add("shared_scale")
    for section in q.sections:
        if len(section.pages) > 1:
            found.add("pages")
        if section.pages[0].id == section.id:
            found.add("section_questions")
        found |= {name for name, value in {"section_relevance": section.relevance, "section_modes": section.modes,
                                            "section_routing": section.respondent_types}.items() if value}
    if q.respondent_type_question:
        found.add("respondent_type_question")
    if q.scoring:
        found |= {"scoring"} | {name for name, value in {
            "reverse": q.scoring.reverse, "composite": q.scoring.composite, "importance": q.scoring.importance,
            "dimension_weights": all(d.weight for d in q.scoring.dimensions),
        }.items() if value}
    return found


def test_together_they_use_every_feature(bundled):
    """Every question type and every option of the language appears in at least one of them."""
    used = set().union(*(_features(q) for q in bundled.values()))
    expected = {f"type:{t.value}" for t in QuestionType} | {
        "required", "relevance", "constraint", "calculation", "randomize", "min_selected", "max_selected",
        "unit", "max_length", "pattern", "range", "exclusive", "specify", "fixed", "shared_list",
        "not_applicable", "shared_scale", "pages", "section_questions", "respondent_type_question",
        "scoring", "reverse", "composite", "importance", "dimension_weights",
    }
    assert expected - used == set()
    assert {"question_modes", "section_modes"} & used and {"question_routing", "section_routing"} & used


def test_window_rating_asks_reasons_only_for_bad_ratings(bundled):
    """The window rating uses the five-level scale and asks reasons only for 1–2 ratings."""
    q = bundled["window_rating"]
    rated = [question for question in q.questions() if question.type is QuestionType.RATING]
    assert rated and all(question.scale.values == (1, 2, 3, 4, 5) for question in rated)
    reasons = [(question.relevance or "") + (section.relevance or "")
               for section in q.sections for page in section.pages for question in page.questions
               if question.type is QuestionType.MULTIPLE_CHOICE]
    assert reasons and all("{overall} <= 2" in routing for routing in reasons)


def test_satisfaction_scoring_covers_dimensions_and_importance(bundled):
    """The satisfaction questionnaire scores several dimensions and pairs importance items with them."""
    scoring = bundled["ip_service_satisfaction"].scoring
    assert len(scoring.dimensions) >= 5 and scoring.composite.overall_item
    assert {pair.performance for pair in scoring.importance} <= {d.id for d in scoring.dimensions} | {
        item for d in scoring.dimensions for item in d.items}


def test_phone_numbers_are_marked_personal(bundled):
    """Every bundled questionnaire that asks for a phone marks it as personal data (PIPL)."""
    for q in bundled.values():
        phones = {question.id for question in q.questions() if question.pattern and question.pattern.startswith("^1")}
        assert phones and phones <= q.personal_answer_ids
