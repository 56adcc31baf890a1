"""Which questions of a page are shown, given the answers so far.

Shared by the form builder (what to draw), the review page and the data-quality checks (which
questions a respondent saw and could leave empty); kept apart from the WTForms builder so
analysis code does not need a form library.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survey_engine.instruments.expressions import parse, to_bool
from survey_engine.instruments.model import Page, Question, QuestionType, Questionnaire

__all__ = ["shown_questions"]


def shown_questions(questionnaire: Questionnaire, page: Page, answers: Mapping[str, Any], *,
                    mode: str = "online", now: Any = None, settled: bool = False) -> tuple[Question, ...]:
    """Questions of ``page`` to draw: relevant on the answers so far, or depending on an answer
    given on this same page (which only the browser, or the next submit, can settle).

    ``settled`` (review pages, finished responses) decides same-page relevance on ``answers`` too.
    """
    on_page = set() if settled else {aid for q in page.questions for aid in (q.id, *q.answer_ids)}
    kinds = answers.get(questionnaire.respondent_type_question or "")
    shown = []
    for question in page.questions:
        if question.type is QuestionType.CALCULATE:
            continue
        if question.modes is not None and mode not in {m.value for m in question.modes}:
            continue
        if question.respondent_types is not None and kinds not in question.respondent_types:
            continue
        if question.relevance is not None:
            expression = parse(question.relevance)
            if not expression.references & on_page and not to_bool(
                    expression.evaluate(answers, now=now), if_empty=False):
                continue
        shown.append(question)
    return tuple(shown)
