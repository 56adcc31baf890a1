"""Facts derived from a built questionnaire, computed once per questionnaire object.

A :class:`~survey_engine.instruments.model.Questionnaire` is immutable, so what the answer
engine and the dataset split derive from its tree (every answer id it knows, the identifying
answer ids) never changes for that object.  Walking the whole tree again on every submission
was a measurable share of an API request; here it is done on first use and then looked up.

The cache is keyed by object identity (the dataclasses hold mappings, so they are not
hashable) and keeps a strong reference to each questionnaire it describes, so an id is never
reused while its entry lives; it holds at most ``_MAX_ENTRIES`` questionnaires (oldest
dropped first), enough for every version a web worker serves.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from survey_engine.instruments.model import Choice, Questionnaire

__all__ = ["Derived", "derived"]

_MAX_ENTRIES = 256


@dataclass(frozen=True, slots=True)
class Derived:
    """What a questionnaire's tree implies, for fast look-ups."""

    #: Question ids and every answer id (matrix items, cascade levels) of the questionnaire.
    known_ids: frozenset[str]
    #: Answer ids of ``personal_data`` questions (same as ``Questionnaire.personal_answer_ids``).
    personal_ids: frozenset[str]
    #: Question id → its choices by code, for choice questions none of whose choices has a
    #: relevance (their available choices never depend on the answers).
    fixed_choices: Mapping[str, Mapping[str, Choice]]


_cache: dict[int, tuple[Questionnaire, Derived]] = {}
_lock = threading.Lock()


def _derive(questionnaire: Questionnaire) -> Derived:
    questions = tuple(questionnaire.questions())
    known = frozenset(aid for question in questions for aid in question.answer_ids) | frozenset(
        question.id for question in questions)
    fixed = {question.id: MappingProxyType({choice.code: choice for choice in question.choices.choices})
             for question in questions
             if question.choices is not None and all(c.relevance is None for c in question.choices.choices)}
    return Derived(known_ids=known, personal_ids=questionnaire.personal_answer_ids,
                   fixed_choices=MappingProxyType(fixed))


def derived(questionnaire: Questionnaire) -> Derived:
    """The derived facts of ``questionnaire`` (computed on first use, then reused)."""
    hit = _cache.get(id(questionnaire))
    if hit is not None and hit[0] is questionnaire:
        return hit[1]
    facts = _derive(questionnaire)
    with _lock:
        if len(_cache) >= _MAX_ENTRIES:
            del _cache[next(iter(_cache))]
        _cache[id(questionnaire)] = (questionnaire, facts)
    return facts
