"""The answer engine: typed answers kept, irrelevant ones discarded, every rule enforced."""

from __future__ import annotations

import pytest

from survey_engine.instruments import from_dict
from survey_engine.instruments.answers import AnswerCode as A
from survey_engine.instruments.answers import check_answers, specify_key, visible_pages

NOW = "2026-11-23T10:00:00"
VALID = {
    "rtype": "enterprise", "staff": "120", "province": "44", "city": "4401", "district": "440106",
    "used": ["patent", "other"], "used/other": "版权登记", "sat_patent": "4",
    "w_speed": "5", "w_attitude": "NA", "w_repeat": 2, "overall": "4", "nps": "9", "wait": "12.5",
    "channel": "poster", "phone": "13912345678",
}


@pytest.fixture()
def q(example):
    return from_dict(example)


def codes(check):
    return {(p.answer_id, p.code) for p in check.problems}


def test_valid_answers_are_typed_and_kept(q):
    """Form strings become numbers and codes; NA stays a code; nothing is reported."""
    check = check_answers(q, VALID, mode="online", now=NOW)
    assert check.ok, check.problems
    a = check.answers
    assert a["staff"] == 120 and a["sat_patent"] == 4 and a["w_attitude"] == "NA" and a["wait"] == 12.5
    assert a["used"] == ["patent", "other"] and a[specify_key("used", "other")] == "版权登记"


def test_answers_to_irrelevant_questions_are_discarded(q):
    """Routing by respondent type, relevance and mode removes answers that should not exist."""
    answers = dict(VALID, birth="1990-01-01", used=["trademark"], why_bad="slow")
    check = check_answers(q, answers, mode="intercept", now=NOW)
    assert check.ok, check.problems
    for gone in ("birth", "sat_patent", "why_bad", "channel"):
        assert gone not in check.answers


def test_calculation_is_filled_in(q):
    """A calculate question gets its value from the answers (age from birth date)."""
    answers = dict(VALID, rtype="individual", birth="1990-06-01")
    del answers["staff"]
    check = check_answers(q, answers, now=NOW)
    assert check.ok and check.answers["age_years"] == 36


def test_required_questions(q):
    """Missing required answers are reported per answer id, in both languages."""
    check = check_answers(q, {}, now=NOW)
    assert {(aid, code) for aid, code in codes(check) if code is A.REQUIRED} >= {
        ("rtype", A.REQUIRED), ("used", A.REQUIRED), ("overall", A.REQUIRED)}
    assert check.messages("zh")["rtype"] == "此题为必答题。"
    assert check.messages("en")["rtype"] == "This question needs an answer."


@pytest.mark.parametrize(("changes", "expected"), [
    ({"rtype": "robot"}, ("rtype", A.NOT_A_CHOICE)),
    ({"sat_patent": "6"}, ("sat_patent", A.NOT_ON_SCALE)),
    ({"w_speed": "NA?"}, ("w_speed", A.NOT_ON_SCALE)),
    ({"staff": "12.5"}, ("staff", A.NOT_AN_INTEGER)),
    ({"staff": "lots"}, ("staff", A.NOT_A_NUMBER)),
    ({"staff": 10**400}, ("staff", A.NOT_A_NUMBER)),
    ({"wait": "1e400"}, ("wait", A.NOT_A_NUMBER)),
    ({"staff": "0"}, ("staff", A.BELOW_MINIMUM)),
    ({"wait": "500"}, ("wait", A.ABOVE_MAXIMUM)),
    ({"wait": "1.25"}, ("wait", A.TOO_MANY_DECIMALS)),
    ({"used": ["patent", "trademark", "other", "none"]}, ("used", A.TOO_MANY_SELECTED)),
    ({"used": ["patent", "none"]}, ("used", A.EXCLUSIVE_COMBINED)),
    ({"used/other": ""}, ("used/other", A.SPECIFY_MISSING)),
    ({"phone": "12345"}, ("phone", A.PATTERN)),
    ({"city": "4403"}, ("district", A.WRONG_PARENT)),
    ({"district": "999"}, ("district", A.NOT_A_CHOICE)),
    ({"wait": "300", "overall": "4"}, ("wait", A.CONSTRAINT)),
    ({"nps": "11"}, ("nps", A.NOT_ON_SCALE)),
    ({"q_unknown": "x"}, ("q_unknown", A.UNKNOWN_QUESTION)),
])
def test_each_rule_is_enforced(q, changes, expected):
    """Each kind of bad answer yields its stable code on the right answer id."""
    check = check_answers(q, {**VALID, **changes}, mode="online", now=NOW)
    assert expected in codes(check)


def test_constraint_message_comes_from_the_questionnaire(q):
    """A failed constraint shows the author's bilingual message."""
    check = check_answers(q, {**VALID, "wait": "300"}, now=NOW)
    assert check.messages("en")["wait"] == "Over 4 hours? Please also rate the service"


def test_pattern_message_comes_from_the_questionnaire(q):
    """A failed pattern shows the author's message in the respondent's language."""
    check = check_answers(q, {**VALID, "phone": "12"}, now=NOW)
    assert check.messages("zh")["phone"] == "请输入11位手机号"


def test_exclusive_option_alone_satisfies_minimum(q):
    """'None of these' alone is a complete answer."""
    check = check_answers(q, {**VALID, "used": ["none"]}, now=NOW)
    assert "used" not in {p.answer_id for p in check.problems}


def test_date_limits_use_today(q):
    """A birth date after 'today' (the max) is rejected."""
    answers = {**VALID, "rtype": "individual", "birth": "2027-01-01"}
    assert ("birth", A.ABOVE_MAXIMUM) in codes(check_answers(q, answers, now=NOW))
    assert ("birth", A.NOT_A_DATE) in codes(check_answers(q, {**answers, "birth": "2026-02-30"}, now=NOW))


def test_page_scope_limits_required_checks(q):
    """Checking one page reports only that page's problems while using earlier answers for routing."""
    check = check_answers(q, {"rtype": "enterprise"}, page="p_type", now=NOW)
    assert check.ok
    check = check_answers(q, {}, page="p_type", now=NOW)
    assert {p.answer_id for p in check.problems} == {"rtype"}


def test_visible_pages_follow_routing(q):
    """Pages appear in order; the page set follows the answers."""
    pages = visible_pages(q, {"rtype": "enterprise"}, mode="online", now=NOW)
    assert [p.id for p in pages] == ["p_type", "p_where", "service"]


def test_typed_json_values_are_accepted(q):
    """JSON clients may send numbers and lists directly."""
    answers = {**VALID, "staff": 120, "sat_patent": 4, "overall": 5.0, "used": ["patent"]}
    del answers["used/other"]
    assert check_answers(q, answers, now=NOW).ok


def test_derived_facts_are_computed_once_per_questionnaire_and_match_the_tree(repo_dir):
    """Known ids, personal ids and fixed choice maps equal a fresh walk, and the same object is reused."""
    from survey_engine.instruments import load
    from survey_engine.instruments.derived import derived

    questionnaire = load(repo_dir / "questionnaires" / "ip_service_satisfaction.json")
    facts = derived(questionnaire)
    questions = list(questionnaire.questions())
    assert facts.known_ids == {q.id for q in questions} | {a for q in questions for a in q.answer_ids}
    assert facts.personal_ids == questionnaire.personal_answer_ids
    for question in questions:
        if question.choices is None:
            assert question.id not in facts.fixed_choices
        elif any(c.relevance for c in question.choices.choices):
            assert question.id not in facts.fixed_choices
        else:
            assert dict(facts.fixed_choices[question.id]) == {c.code: c for c in question.choices.choices}
    assert derived(questionnaire) is facts
    assert derived(load(repo_dir / "questionnaires" / "ip_service_satisfaction.json")) is not facts
