"""The review step: every shown question with the answer given, in the respondent's language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from survey_engine.instruments.answers import check_answers, specify_key, visible_pages
from survey_engine.instruments.shown import shown_questions
from survey_engine.instruments.model import Question, QuestionType, Questionnaire, Scale

__all__ = ["ReviewRow", "review_rows", "answer_text"]


@dataclass(frozen=True, slots=True)
class ReviewRow:
    page_id: str
    label: str
    answer: str | None


def _scale_text(scale: Scale, value: Any, language: str) -> str:
    if scale.not_applicable is not None and value == scale.not_applicable.code:
        return scale.not_applicable.label.get(language)
    label = scale.label(value) if isinstance(value, int) else None
    return f"{value} {label.get(language)}" if label else str(value)


def answer_text(question: Question, answer_id: str, value: Any, answers: Mapping[str, Any], language: str) -> str:
    """A stored answer as a person reads it (choice labels, scale labels, 'other' texts)."""
    if question.type in (QuestionType.RATING, QuestionType.MATRIX):
        return _scale_text(question.scale, value, language)
    if question.choices is not None:
        labels = {c.code: c.label.get(language) for c in question.choices.choices}
        parts = []
        for code in value if isinstance(value, list) else [value]:
            text = labels.get(str(code), str(code))
            other = answers.get(specify_key(answer_id, str(code)))
            parts.append(f"{text}: {other}" if other else text)
        return "; ".join(parts)
    return str(value)


def review_rows(questionnaire: Questionnaire, raw: Mapping[str, Any], language: str, *,
                mode: str = "online") -> list[ReviewRow]:
    cleaned = check_answers(questionnaire, raw, mode=mode).answers
    rows = []
    for page in visible_pages(questionnaire, cleaned, mode=mode):
        for question in shown_questions(questionnaire, page, cleaned, mode=mode, settled=True):
            if question.type is QuestionType.NOTE:
                continue
            if question.type is QuestionType.MATRIX:
                labelled = [(item.id, f"{question.label.get(language)} — {item.label.get(language)}")
                            for item in question.items]
            elif question.type is QuestionType.CASCADING_SELECT:
                labelled = [(level.id, f"{question.label.get(language)} — {level.label.get(language)}")
                            for level in question.levels]
            else:
                labelled = [(question.id, question.label.get(language) if question.label else question.id)]
            for answer_id, label in labelled:
                value = cleaned.get(answer_id)
                shown = None if value is None else answer_text(question, answer_id, value, cleaned, language)
                rows.append(ReviewRow(page.id, label, shown))
    return rows
