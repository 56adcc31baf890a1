"""The built questionnaire: a tree of frozen dataclasses (Questionnaire → Section → Page →
Question → Choice).  Nothing here changes after construction, so a version identified by its
content hash stays exactly what was published.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType

__all__ = [
    "Text", "Mode", "QuestionType", "Choice", "ChoiceList", "Scale", "NotApplicable", "Constraint",
    "MatrixItem", "CascadeLevel", "Question", "Page", "Section", "Notice", "Dimension",
    "Composite", "ImportancePair", "Scoring", "Questionnaire", "SCORED_TYPES", "AUTO_METADATA",
]


class Mode(str, Enum):
    """Collection modes named in survey plans."""

    INTERCEPT = "intercept"
    HOUSEHOLD = "household"
    ONLINE = "online"


class QuestionType(str, Enum):
    """Every question type of the language (the registry in ``types.py`` maps each to a builder)."""

    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    RATING = "rating"
    MATRIX = "matrix"
    NPS = "nps"
    INTEGER = "integer"
    DECIMAL = "decimal"
    TEXT = "text"
    LONG_TEXT = "long_text"
    DATE = "date"
    CASCADING_SELECT = "cascading_select"
    NOTE = "note"
    CALCULATE = "calculate"


SCORED_TYPES = frozenset({QuestionType.RATING, QuestionType.MATRIX})

#: Captured with every response unless a questionnaire lists fewer.
AUTO_METADATA = ("start_time", "end_time", "mode", "interviewer", "site", "device", "language",
                 "questionnaire_version")


@dataclass(frozen=True, slots=True)
class Text:
    """A text in several languages; ``get`` falls back to the first language given."""

    values: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, mapping: Mapping[str, str] | None) -> Text | None:
        return None if mapping is None else cls(tuple(sorted(mapping.items())))

    def get(self, language: str) -> str:
        as_dict = dict(self.values)
        return as_dict.get(language) or self.values[0][1]

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(lang for lang, _ in self.values)


@dataclass(frozen=True, slots=True)
class Choice:
    code: str
    label: Text
    parent: str | None = None
    exclusive: bool = False
    specify: bool = False
    fixed: bool = False
    relevance: str | None = None


@dataclass(frozen=True, slots=True)
class ChoiceList:
    id: str
    choices: tuple[Choice, ...]
    label: Text | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.choices)


@dataclass(frozen=True, slots=True)
class NotApplicable:
    """The explicit 'not applicable' answer (未接触/不适用): stored, never scored."""

    code: str
    label: Text


@dataclass(frozen=True, slots=True)
class Scale:
    """A k-point rating scale with values start .. start+points-1."""

    points: int
    start: int = 1
    labels: tuple[tuple[int, Text], ...] = ()
    order: str = "descending"
    not_applicable: NotApplicable | None = None
    id: str | None = None

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(range(self.start, self.start + self.points))

    @property
    def display_values(self) -> tuple[int, ...]:
        return tuple(reversed(self.values)) if self.order == "descending" else self.values

    def label(self, value: int) -> Text | None:
        return dict(self.labels).get(value)

    def shape(self) -> tuple[int, int, str | None]:
        """What must agree for two items to share a scale: range and NA code."""
        return (self.points, self.start, self.not_applicable.code if self.not_applicable else None)


@dataclass(frozen=True, slots=True)
class Constraint:
    expression: str
    message: Text


@dataclass(frozen=True, slots=True)
class MatrixItem:
    id: str
    label: Text
    required: bool | None = None
    relevance: str | None = None


@dataclass(frozen=True, slots=True)
class CascadeLevel:
    id: str
    label: Text


@dataclass(frozen=True, slots=True)
class Question:
    """One question; fields that a type does not use stay at their defaults."""

    id: str
    type: QuestionType
    label: Text | None = None
    hint: Text | None = None
    required: bool = False
    relevance: str | None = None
    constraint: Constraint | None = None
    modes: frozenset[Mode] | None = None
    respondent_types: frozenset[str] | None = None
    personal_data: bool = False
    choices: ChoiceList | None = None
    randomize: bool = False
    appearance: str | None = None
    min_selected: int | None = None
    max_selected: int | None = None
    scale: Scale | None = None
    items: tuple[MatrixItem, ...] = ()
    levels: tuple[CascadeLevel, ...] = ()
    minimum: float | str | None = None
    maximum: float | str | None = None
    unit: Text | None = None
    decimals: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    pattern_message: Text | None = None
    calculation: str | None = None
    low_label: Text | None = None
    high_label: Text | None = None

    @property
    def answer_ids(self) -> tuple[str, ...]:
        """Ids under which this question's answers are stored (items/levels have their own)."""
        if self.type is QuestionType.MATRIX:
            return tuple(item.id for item in self.items)
        if self.type is QuestionType.CASCADING_SELECT:
            return tuple(level.id for level in self.levels)
        if self.type is QuestionType.NOTE:
            return ()
        return (self.id,)


@dataclass(frozen=True, slots=True)
class Page:
    id: str
    questions: tuple[Question, ...]
    title: Text | None = None
    relevance: str | None = None


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    pages: tuple[Page, ...]
    title: Text | None = None
    description: Text | None = None
    relevance: str | None = None
    modes: frozenset[Mode] | None = None
    respondent_types: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    text: Text
    title: Text | None = None
    purpose: Text | None = None
    consent_required: bool = True


@dataclass(frozen=True, slots=True)
class Dimension:
    id: str
    label: Text
    items: tuple[str, ...]
    item_weights: tuple[tuple[str, float], ...] = ()
    weight: float | None = None
    min_answered: int = 1


@dataclass(frozen=True, slots=True)
class Composite:
    id: str
    label: Text
    weights: str = "fixed"
    overall_item: str | None = None


@dataclass(frozen=True, slots=True)
class ImportancePair:
    importance: str
    performance: str


@dataclass(frozen=True, slots=True)
class Scoring:
    """How answers become 0-100 scores, dimensions and the composite index."""

    dimensions: tuple[Dimension, ...]
    score_map: str | tuple[tuple[int, float], ...] = "linear"
    reverse: frozenset[str] = frozenset()
    composite: Composite | None = None
    importance: tuple[ImportancePair, ...] = ()


@dataclass(frozen=True, slots=True)
class Questionnaire:
    """A validated questionnaire version; ``content_hash`` identifies it for ever."""

    id: str
    version: str
    title: Text
    sections: tuple[Section, ...]
    content_hash: str
    languages: tuple[str, ...] = ("zh",)
    default_language: str = "zh"
    description: Text | None = None
    notice: Notice | None = None
    modes: frozenset[Mode] = frozenset(Mode)
    metadata: tuple[str, ...] = AUTO_METADATA
    respondent_types: tuple[Choice, ...] = ()
    respondent_type_question: str | None = None
    choice_lists: Mapping[str, ChoiceList] = field(default_factory=lambda: MappingProxyType({}))
    scales: Mapping[str, Scale] = field(default_factory=lambda: MappingProxyType({}))
    scoring: Scoring | None = None

    def questions(self) -> Iterator[Question]:
        """All questions in document order."""
        for section in self.sections:
            for page in section.pages:
                yield from page.questions

    def question(self, question_id: str) -> Question:
        """The question with this id (matrix item and cascade level ids find their question)."""
        for question in self.questions():
            if question.id == question_id or question_id in question.answer_ids:
                return question
        raise KeyError(question_id)

    @property
    def personal_answer_ids(self) -> frozenset[str]:
        """Answers that identify a person: kept apart from the answers and out of exports (PIPL)."""
        return frozenset(aid for q in self.questions() if q.personal_data for aid in q.answer_ids)

    @property
    def version_id(self) -> str:
        """Short, stable label of this exact content: ``<id>@<version>#<hash prefix>``."""
        return f"{self.id}@{self.version}#{self.content_hash[:12]}"
