"""Seeded, valid answer sets for any questionnaire (benchmark input), made by the answer engine itself.

Start from random answers to every question, then repeatedly ask ``check_answers`` what is
missing or refused and fill or replace exactly those answers until the set is accepted.
"""

from __future__ import annotations

import random
from typing import Any

from survey_engine.instruments.answers import AnswerCode, check_answers
from survey_engine.instruments.model import Question, QuestionType, Questionnaire

__all__ = ["valid_answers"]


def _value(question: Question, answer_id: str, rng: random.Random, retry: bool = False) -> Any:
    kind = question.type
    if kind in (QuestionType.RATING, QuestionType.MATRIX):
        return rng.choice(question.scale.values[1:])  # skip the worst point: no bad-rating follow-ups
    if kind is QuestionType.NPS:
        return rng.randint(6, 10)
    if kind is QuestionType.SINGLE_CHOICE:
        # first option ("yes, used the service", "enterprise") unless the engine refused it
        codes = [c.code for c in question.choices.choices if not c.specify]
        return rng.choice(codes) if retry else codes[0]
    if kind is QuestionType.MULTIPLE_CHOICE:
        plain = [c.code for c in question.choices.choices if not (c.specify or c.exclusive or c.relevance)]
        return rng.sample(plain, min(len(plain), rng.randint(1, 3), question.max_selected or 3))
    if kind is QuestionType.CASCADING_SELECT:
        depth = [level.id for level in question.levels].index(answer_id)
        by_code = {c.code: c for c in question.choices.choices}
        chosen = None
        for level in range(depth + 1):
            options = [c.code for c in question.choices.choices if c.parent == chosen]
            chosen = options[0] if options else None
            if level == depth:
                return chosen
        return chosen if chosen in by_code else None
    if kind in (QuestionType.INTEGER, QuestionType.DECIMAL):
        low = question.minimum if isinstance(question.minimum, (int, float)) else 0
        high = question.maximum if isinstance(question.maximum, (int, float)) else low + 20
        return int(min(high, max(low, rng.randint(int(low), int(low) + 20))))
    if kind is QuestionType.DATE:
        return "2000-01-01"
    if question.pattern is not None:
        return "138" + "".join(rng.choice("0123456789") for _ in range(8))  # the usual phone pattern
    return "满意，无其他意见"


def valid_answers(questionnaire: Questionnaire, rng: random.Random, mode: str = "online") -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for question in questionnaire.questions():
        if question.type in (QuestionType.NOTE, QuestionType.CALCULATE):
            continue
        if question.type is QuestionType.CASCADING_SELECT:
            continue  # filled level by level when asked for
        for answer_id in question.answer_ids:
            answers[answer_id] = _value(question, answer_id, rng)
    for _ in range(50):
        check = check_answers(questionnaire, answers, mode=mode)
        if check.ok:
            return dict(check.answers)
        for problem in check.problems:
            base = problem.answer_id.split("/")[0]
            question = questionnaire.question(base)
            if problem.code is AnswerCode.SPECIFY_MISSING:
                answers[problem.answer_id] = "其他"
            elif problem.code is AnswerCode.CONSTRAINT and question.type is QuestionType.INTEGER:
                answers[base] = int(question.maximum or 100)
            else:
                answers[problem.answer_id] = _value(question, problem.answer_id, rng, retry=True)
    raise RuntimeError(f"could not make valid answers for {questionnaire.id}: {check.problems[:3]}")
