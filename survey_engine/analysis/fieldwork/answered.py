"""What a respondent was shown and what they answered: item nonresponse and straight-lining.

Routing is the instrument's own: the pages of
:func:`survey_engine.instruments.answers.visible_pages` and, on each, the questions of
:func:`survey_engine.instruments.shown.shown_questions` (settled, as for a finished response),
evaluated on the answers cleaned by ``check_answers`` — so a question hidden by relevance,
mode or respondent type is never counted as left empty.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from survey_engine.errors import ExpressionError
from survey_engine.instruments.answer_values import is_empty
from survey_engine.instruments.answers import check_answers, visible_pages
from survey_engine.instruments.expressions import parse, to_bool
from survey_engine.instruments.shown import shown_questions
from survey_engine.instruments.model import Question, QuestionType, Questionnaire

__all__ = ["ItemSummary", "summarize_items"]

_NOT_ANSWERABLE = frozenset({QuestionType.NOTE, QuestionType.CALCULATE})


@dataclass(frozen=True, slots=True)
class ItemSummary:
    """Answerable items shown and answered, and the matrices answered with one value throughout."""

    shown: int
    answered: int
    matrices_checked: int
    straightlined: tuple[str, ...]

    @property
    def nonresponse_rate(self) -> float:
        """Share of shown answerable items left empty (NaN when nothing answerable was shown)."""
        return (self.shown - self.answered) / self.shown if self.shown else float("nan")


def _item_shown(relevance: str | None, answers: Mapping[str, Any]) -> bool:
    if relevance is None:
        return True
    try:
        return to_bool(parse(relevance).evaluate(answers), if_empty=False)
    except ExpressionError:
        return False


def _shown(questionnaire: Questionnaire, answers: Mapping[str, Any], mode: str) -> Iterator[Question]:
    for page in visible_pages(questionnaire, answers, mode=mode):
        for question in shown_questions(questionnaire, page, answers, mode=mode, settled=True):
            if question.type not in _NOT_ANSWERABLE:
                yield question


def _units(question: Question, answers: Mapping[str, Any]) -> tuple[str, ...]:
    """Answer ids that each count as one item: matrix rows shown, a cascade once (its first level)."""
    if question.type is QuestionType.MATRIX:
        return tuple(item.id for item in question.items if _item_shown(item.relevance, answers))
    return question.answer_ids[:1]


def _straightlined(question: Question, rows: tuple[str, ...], raw: Mapping[str, Any], min_rows: int) -> bool | None:
    """None when the matrix has too few substantive answers to judge; else whether all are equal."""
    na = question.scale.not_applicable.code if question.scale and question.scale.not_applicable else None
    values = [str(raw[row]).strip() for row in rows if not is_empty(raw.get(row)) and str(raw[row]).strip() != na]
    if len(values) < min_rows:
        return None
    return len(set(values)) == 1


def summarize_items(questionnaire: Questionnaire, raw_answers: Mapping[str, Any], *, mode: str = "online",
                    straightline_min_rows: int = 5) -> ItemSummary:
    """Count shown and answered items, and straight-lined matrices (≥ ``straightline_min_rows``
    substantive answers, all the same; the scale's not-applicable code is not substantive)."""
    cleaned = check_answers(questionnaire, raw_answers, mode=mode).answers
    shown = answered = checked = 0
    straight: list[str] = []
    for question in _shown(questionnaire, cleaned, mode):
        units = _units(question, cleaned)
        shown += len(units)
        answered += sum(not is_empty(raw_answers.get(unit)) for unit in units)
        if question.type is QuestionType.MATRIX:
            verdict = _straightlined(question, units, raw_answers, straightline_min_rows)
            checked += verdict is not None
            if verdict:
                straight.append(question.id)
    return ItemSummary(shown, answered, checked, tuple(straight))
