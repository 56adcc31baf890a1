"""Check a respondent's answers against the questionnaire's own rules.

The same engine serves the web forms, the JSON API and offline sync: answers are coerced to
their types, answers to questions that are not relevant (relevance, mode, respondent type)
are discarded, calculations are filled in, and every problem comes back with a bilingual
message keyed by the answer id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from survey_engine.errors import ExpressionError
from survey_engine.instruments.answer_messages import AnswerCode, message
from survey_engine.instruments.answer_values import Invalid, coerce, is_empty
from survey_engine.instruments.derived import derived
from survey_engine.instruments.expressions import Expression, full_match, parse, to_bool
from survey_engine.instruments.model import Mode, Page, Question, QuestionType, Questionnaire, Section, Text

__all__ = ["AnswerCode", "AnswerProblem", "AnswerCheck", "check_answers", "visible_pages", "specify_key"]


@dataclass(frozen=True, slots=True)
class AnswerProblem:
    """One rejected answer: which answer id, why (stable code), and what to tell the respondent."""

    answer_id: str
    code: AnswerCode
    message: Text


@dataclass(frozen=True, slots=True)
class AnswerCheck:
    """Cleaned answers plus every problem found; ``ok`` when there is none."""

    answers: Mapping[str, Any]
    problems: tuple[AnswerProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def messages(self, language: str) -> dict[str, str]:
        """Answer id → message in ``language`` (first problem per answer), for forms and APIs."""
        out: dict[str, str] = {}
        for found in self.problems:
            out.setdefault(found.answer_id, found.message.get(language))
        return out


@lru_cache(maxsize=4096)
def _parsed(text: str) -> Expression:
    return parse(text)


@lru_cache(maxsize=64)
def _mode_values(modes: frozenset[Mode]) -> frozenset[str]:
    return frozenset(m.value for m in modes)


def specify_key(question_id: str, code: str) -> str:
    """Where the text of an 'other, please specify' choice is kept."""
    return f"{question_id}/{code}"


class _Walk:
    """State of one pass over the questionnaire in document order."""

    def __init__(self, questionnaire: Questionnaire, raw: Mapping[str, Any], mode: str, now: Any):
        self.q = questionnaire
        self.raw = raw
        self.mode = mode
        self.now = now
        self.answers: dict[str, Any] = {}
        self.problems: list[AnswerProblem] = []
        self.fixed_choices = derived(questionnaire).fixed_choices

    def fail(self, answer_id: str, code: AnswerCode, **values: object) -> None:
        self.problems.append(AnswerProblem(answer_id, code, message(code, **values)))

    def condition(self, expression: str | None, owner: str, *, current: Any = None, if_empty: bool) -> bool:
        """Evaluate a relevance (empty → hidden) or constraint (empty → passes) on answers so far."""
        if expression is None:
            return True
        try:
            return to_bool(_parsed(expression).evaluate(self.answers, current=current, now=self.now), if_empty=if_empty)
        except ExpressionError:
            self.fail(owner, AnswerCode.EXPRESSION_FAILED)
            return False

    def routed_in(self, holder: Section | Question) -> bool:
        if holder.modes is not None and self.mode not in _mode_values(holder.modes):
            return False
        if holder.respondent_types is not None:
            kind = self.answers.get(self.q.respondent_type_question or "")
            return kind in holder.respondent_types
        return True


def _take(walk: _Walk, question: Question, answer_id: str, scale=None) -> Any:
    """Coerce one raw answer into ``walk.answers``; returns the typed value or None."""
    value = walk.raw.get(answer_id)
    if is_empty(value):
        return None
    try:
        typed = coerce(question, value, scale)
    except Invalid as exc:
        walk.fail(answer_id, exc.code, **exc.values)
        return None
    walk.answers[answer_id] = typed
    return typed


def _choices(walk: _Walk, question: Question, answer_id: str, value: Any) -> None:
    available = walk.fixed_choices.get(question.id)
    if available is None:
        available = {c.code: c for c in question.choices.choices
                     if c.relevance is None or walk.condition(c.relevance, answer_id, if_empty=False)}
    selected = value if isinstance(value, list) else [value]
    unknown = [code for code in selected if code not in available]
    for code in unknown:
        walk.fail(answer_id, AnswerCode.NOT_A_CHOICE, value=code)
    if unknown:
        walk.answers.pop(answer_id, None)
        return
    if question.type is QuestionType.MULTIPLE_CHOICE:
        exclusive = [code for code in selected if available[code].exclusive]
        if exclusive and len(selected) > 1:
            walk.fail(answer_id, AnswerCode.EXCLUSIVE_COMBINED, value=available[exclusive[0]].label.get("zh"))
        if question.min_selected and len(selected) < question.min_selected and not exclusive:
            walk.fail(answer_id, AnswerCode.TOO_FEW_SELECTED, limit=question.min_selected)
        if question.max_selected and len(selected) > question.max_selected:
            walk.fail(answer_id, AnswerCode.TOO_MANY_SELECTED, limit=question.max_selected)
    for code in selected:
        if available[code].specify:
            key = specify_key(answer_id, code)
            text = walk.raw.get(key)
            if is_empty(text) or not isinstance(text, str):
                walk.fail(key, AnswerCode.SPECIFY_MISSING, value=available[code].label.get("zh"))
            else:
                walk.answers[key] = text.strip()[:500]


def _limit(walk: _Walk, question: Question, answer_id: str, value: Any) -> None:
    low, high = question.minimum, question.maximum
    if question.type is QuestionType.DATE:
        today = _today(walk.now)
        low = today if low == "today" else low
        high = today if high == "today" else high
    if low is not None and value < low:
        walk.fail(answer_id, AnswerCode.BELOW_MINIMUM, limit=low)
    if high is not None and value > high:
        walk.fail(answer_id, AnswerCode.ABOVE_MAXIMUM, limit=high)


def _today(now: Any) -> str:
    if isinstance(now, str):
        return now[:10]
    if isinstance(now, (dt.date, dt.datetime)):
        return now.isoformat()[:10]
    return dt.date.today().isoformat()


def _text_rules(walk: _Walk, question: Question, answer_id: str, value: str) -> None:
    if question.max_length is not None and len(value) > question.max_length:
        walk.fail(answer_id, AnswerCode.TOO_LONG, limit=question.max_length)
    elif question.pattern is not None and not full_match(question.pattern, value):
        walk.problems.append(AnswerProblem(answer_id, AnswerCode.PATTERN,
                                           question.pattern_message or message(AnswerCode.PATTERN)))


def _cascade(walk: _Walk, question: Question, value_by_level: list[tuple[str, Any]]) -> None:
    parents = {c.code: c.parent for c in question.choices.choices}
    above = None
    for level_id, code in value_by_level:
        if code is None:
            above = None
            continue
        if code not in parents:
            walk.fail(level_id, AnswerCode.NOT_A_CHOICE, value=code)
            walk.answers.pop(level_id, None)
        elif parents[code] != above:
            walk.fail(level_id, AnswerCode.WRONG_PARENT)
            walk.answers.pop(level_id, None)
        above = code


def _check_question(walk: _Walk, question: Question) -> None:
    """Take, check and keep the answers of one relevant question."""
    kind = question.type
    if kind is QuestionType.NOTE:
        return
    if kind is QuestionType.CALCULATE:
        try:
            value = _parsed(question.calculation).evaluate(walk.answers, now=walk.now)
        except ExpressionError:
            value = None
        if value is not None:
            walk.answers[question.id] = value
        return
    if kind is QuestionType.MATRIX:
        for item in question.items:
            if item.relevance is not None and not walk.condition(item.relevance, item.id, if_empty=False):
                continue
            value = _take(walk, question, item.id, question.scale)
            required = question.required if item.required is None else item.required
            if value is None and required and item.id not in {p.answer_id for p in walk.problems}:
                walk.fail(item.id, AnswerCode.REQUIRED)
        return
    if kind is QuestionType.CASCADING_SELECT:
        values = [(level.id, _take(walk, question, level.id)) for level in question.levels]
        _cascade(walk, question, values)
        if question.required and walk.answers.get(question.levels[0].id) is None:
            walk.fail(question.levels[0].id, AnswerCode.REQUIRED)
        return
    before = len(walk.problems)
    value = _take(walk, question, question.id)
    if value is None:
        if question.required and len(walk.problems) == before:
            walk.fail(question.id, AnswerCode.REQUIRED)
        return
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        _choices(walk, question, question.id, value)
    elif kind in (QuestionType.INTEGER, QuestionType.DECIMAL, QuestionType.DATE):
        _limit(walk, question, question.id, value)
    elif kind in (QuestionType.TEXT, QuestionType.LONG_TEXT):
        _text_rules(walk, question, question.id, value)
    if question.constraint is not None and len(walk.problems) == before and question.id in walk.answers:
        if not walk.condition(question.constraint.expression, question.id, current=value, if_empty=True):
            walk.problems.append(AnswerProblem(question.id, AnswerCode.CONSTRAINT, question.constraint.message))


def _pages(walk: _Walk) -> Iterator[tuple[Page, bool]]:
    """Each page with whether it is shown, evaluating relevance on the answers kept so far."""
    for section in walk.q.sections:
        section_shown = walk.routed_in(section) and walk.condition(section.relevance, section.id, if_empty=False)
        for page in section.pages:
            yield page, section_shown and walk.condition(page.relevance, page.id, if_empty=False)


def _run(questionnaire: Questionnaire, raw: Mapping[str, Any], mode: str, now: Any,
         page_id: str | None) -> tuple[_Walk, list[Page]]:
    walk = _Walk(questionnaire, raw, mode, now)
    shown_pages = []
    for page, page_shown in _pages(walk):
        in_scope = page_id is None or page.id == page_id
        shown_any = False
        for question in page.questions:
            if page_shown and walk.routed_in(question) and walk.condition(question.relevance, question.id,
                                                                           if_empty=False):
                shown_any = shown_any or question.type is not QuestionType.CALCULATE
                before = len(walk.problems)
                _check_question(walk, question)
                if not in_scope:
                    del walk.problems[before:]  # checked on its own page; here only its value counts
        if shown_any:
            shown_pages.append(page)
    return walk, shown_pages


def check_answers(questionnaire: Questionnaire, raw_answers: Mapping[str, Any], *, mode: str = "online",
                  language: str = "zh", now: Any = None, page: str | None = None) -> AnswerCheck:
    """Coerce, route and check ``raw_answers``; ``page`` limits required/constraint checks to one page.

    Answers with ids the questionnaire does not have are reported, not silently kept.
    """
    del language  # messages carry both languages; the caller picks one
    walk, _ = _run(questionnaire, raw_answers, mode, now, page)
    known = derived(questionnaire).known_ids
    for key in raw_answers:
        base = key.split("/", 1)[0]
        if base not in known:
            walk.fail(key, AnswerCode.UNKNOWN_QUESTION)
    return AnswerCheck(dict(walk.answers), tuple(walk.problems))


def visible_pages(questionnaire: Questionnaire, answers: Mapping[str, Any], *, mode: str = "online",
                  now: Any = None) -> tuple[Page, ...]:
    """The pages a respondent with these answers sees, in order (pages with nothing to show are skipped)."""
    _, pages = _run(questionnaire, answers, mode, now, page_id="")
    return tuple(pages)
