"""The WTForms builder: one fresh form class per page, fields named by answer id, every type covered."""

from __future__ import annotations

from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form

from survey_engine.errors import QuestionnaireError
from survey_engine.instruments import QuestionType, load
from survey_engine.instruments.answers import check_answers
from survey_engine.instruments.forms import FIELD_FACTORIES, build_page_form, form_answers, shown_questions

FIXTURE = Path(__file__).parent / "fixtures" / "small_example.json"


@pytest.fixture(scope="module")
def questionnaire():
    return load(FIXTURE)


def _page(questionnaire, page_id):
    return next(p for s in questionnaire.sections for p in s.pages if p.id == page_id)


def test_every_question_type_except_calculate_has_a_field_factory():
    """The registry covers every type a respondent sees (calculations are never shown)."""
    assert set(FIELD_FACTORIES) == set(QuestionType) - {QuestionType.CALCULATE}


def test_each_call_builds_a_new_class(questionnaire):
    """Two builds of the same page give distinct classes; neither touches the base class."""
    page = _page(questionnaire, "p_type")
    first = build_page_form(questionnaire, page, language="zh").form_class
    second = build_page_form(questionnaire, page, language="en").form_class
    assert first is not second and issubclass(first, Form)
    assert not hasattr(Form, "rtype")
    assert first().rtype.label.text == "您是以什么身份办理业务的？"
    assert second().rtype.label.text == "In what capacity did you use the service?"


def test_fields_are_named_by_answer_id(questionnaire):
    """Matrix items, cascade levels and 'please specify' texts get their own answer ids as names."""
    service = build_page_form(questionnaire, _page(questionnaire, "service"), language="en", answers={})
    assert {"w_speed", "w_attitude", "w_repeat", "used/other"} <= set(service.field_names)
    where = build_page_form(questionnaire, _page(questionnaire, "p_where"), language="en")
    assert where.field_names == ("province", "city", "district")
    kinds = {b.question.id: b.kind for b in service.blocks}
    assert kinds["used"] == "checkboxes" and kinds["window"] == "matrix" and kinds["channel"] == "select"
    assert kinds["overall"] == "scale" and kinds["why_bad"] == "textarea"


def test_scale_options_follow_the_display_order_and_include_not_applicable(questionnaire):
    """A descending 5-point scale lists 5 first, with labels, then the not-applicable code."""
    form = build_page_form(questionnaire, _page(questionnaire, "service"), language="zh").form_class()
    values = [choice.value for choice in form.overall.choices]
    assert values == ["5", "4", "3", "2", "1", "NA"]
    assert form.overall.choices[0].label == "5 非常满意"


def test_randomised_choices_are_stable_per_seed_and_keep_fixed_ones(questionnaire):
    """Shuffling depends on the seed only; 'other' and 'none' (fixed) keep their places."""
    page = _page(questionnaire, "service")

    def order(seed):
        return [c.value for c in build_page_form(questionnaire, page, language="en", seed=seed).form_class().used.choices]

    assert order("a") == order("a")
    assert all(order(seed)[2:] == ["other", "none"] for seed in range(10))
    assert {tuple(order(seed)) for seed in range(10)} == {("patent", "trademark", "other", "none"),
                                                          ("trademark", "patent", "other", "none")}


def test_routing_by_respondent_type_and_mode(questionnaire):
    """Questions for another respondent type or mode are not drawn; same-page relevance is drawn."""
    page = _page(questionnaire, "p_type")
    assert [q.id for q in shown_questions(questionnaire, page, {})] == ["intro", "rtype"]
    assert "staff" in [q.id for q in shown_questions(questionnaire, page, {"rtype": "enterprise"})]
    service = _page(questionnaire, "service")
    assert "channel" not in [q.id for q in shown_questions(questionnaire, service, {}, mode="intercept")]
    assert "why_bad" in [q.id for q in shown_questions(questionnaire, service, {})]


def test_submitted_form_is_a_raw_answer_dict_for_the_answer_engine(questionnaire):
    """Posted strings come back keyed by answer id and pass through check_answers unchanged in meaning."""
    page = _page(questionnaire, "service")
    built = build_page_form(questionnaire, page, language="en")
    posted = MultiDict([("used", "patent"), ("used", "other"), ("used/other", "design"), ("sat_patent", "4"),
                        ("w_speed", "5"), ("overall", "2"), ("why_bad", "slow"), ("wait", "12.5"),
                        ("phone", "13800138000"), ("nps", "")])
    raw = form_answers(built.form_class(posted), built)
    assert raw == {"used": ["patent", "other"], "used/other": "design", "sat_patent": "4", "w_speed": "5",
                   "overall": "2", "why_bad": "slow", "wait": "12.5", "phone": "13800138000"}
    check = check_answers(questionnaire, {"rtype": "individual", **raw}, page="service")
    assert check.ok, check.problems
    assert check.answers["overall"] == 2 and check.answers["used"] == ["patent", "other"]


def test_unknown_question_type_is_reported_with_accepted_types(questionnaire):
    """A type without a factory raises a QuestionnaireError naming the accepted types."""
    from dataclasses import replace

    from survey_engine.instruments.forms import _factory

    calc = replace(next(questionnaire.questions()), type=QuestionType.CALCULATE)
    with pytest.raises(QuestionnaireError, match="accepted types: .*single_choice"):
        _factory(calc)


@pytest.mark.parametrize("name", ["window_rating", "ip_service_satisfaction", "ip_service_demand"])
def test_every_page_of_the_bundled_questionnaires_builds_and_renders(repo_dir, name):
    """Each page of each bundled questionnaire becomes a form whose fields render in zh and en."""
    questionnaire = load(repo_dir / "questionnaires" / f"{name}.json")
    for language in ("zh", "en"):
        for section in questionnaire.sections:
            for page in section.pages:
                built = build_page_form(questionnaire, page, language=language, mode="intercept")
                form = built.form_class()
                for field_name in built.field_names:
                    assert form[field_name]().startswith("<")
