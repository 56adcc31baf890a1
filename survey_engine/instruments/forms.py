"""Render stage: one questionnaire page → a fresh WTForms form class (no Flask here).

Each question type maps to a field factory in ``FIELD_FACTORIES`` (a read-only registry; an
unknown type is reported with the accepted list).  Every call builds a new class with
``type(...)``, as ONS's eq-survey-runner does, so nothing shared is mutated at run time.
Fields are named by answer id (matrix items and cascade levels by their own ids; the text of
an "other, please specify" choice by ``<question id>/<code>``), so a submitted form is
already a raw answer dict for :func:`survey_engine.instruments.answers.check_answers`.
The form does no checking of its own: the answer engine is the single judge.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from wtforms import (Field, Form, RadioField, SelectChoice, SelectField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.widgets import CheckboxInput, ListWidget

from survey_engine.errors import QuestionnaireError
from survey_engine.instruments.answers import specify_key
from survey_engine.instruments.codes import QuestionnaireCode
from survey_engine.instruments.model import Choice, Page, Question, QuestionType, Questionnaire, Scale
from survey_engine.instruments.shown import shown_questions

__all__ = ["FIELD_FACTORIES", "as_choices", "QuestionBlock", "PageForm", "build_page_form", "form_answers", "shown_questions"]


@dataclass(frozen=True, slots=True)
class QuestionBlock:
    """One question as a template draws it: which fields, and with which layout (``kind``)."""

    question: Question
    kind: str
    fields: tuple[str, ...]
    specify: tuple[tuple[str, str], ...] = ()  # (choice code, field name)


@dataclass(frozen=True, slots=True)
class PageForm:
    form_class: type[Form]
    blocks: tuple[QuestionBlock, ...]

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(name for block in self.blocks for name in (*block.fields, *(f for _, f in block.specify)))


_Built = tuple[str, list[tuple[str, Field]], tuple[tuple[str, str], ...]]
Factory = Callable[[Question, str, random.Random], _Built]


def as_choices(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value=value, label=label) for value, label in pairs]


def _label(text: Any, language: str) -> str:
    return text.get(language) if text is not None else ""


def _ordered(question: Question, rng: random.Random) -> list[Choice]:
    """Choices in display order: shuffled when ``randomize``, ``fixed`` ones kept in place."""
    choices = list(question.choices.choices)
    if not question.randomize:
        return choices
    movable = [c for c in choices if not c.fixed]
    rng.shuffle(movable)
    shuffled = iter(movable)
    return [c if c.fixed else next(shuffled) for c in choices]


def _specify_fields(question: Question, language: str) -> tuple[list[tuple[str, Field]], tuple[tuple[str, str], ...]]:
    fields, names = [], []
    for choice in question.choices.choices:
        if choice.specify:
            name = specify_key(question.id, choice.code)
            fields.append((name, StringField(_label(choice.label, language), render_kw={"maxlength": 500})))
            names.append((choice.code, name))
    return fields, tuple(names)


def _scale_choices(scale: Scale, language: str) -> list[tuple[str, str]]:
    options = []
    for value in scale.display_values:
        text = scale.label(value)
        options.append((str(value), f"{value} {_label(text, language)}".strip()))
    if scale.not_applicable is not None:
        options.append((scale.not_applicable.code, _label(scale.not_applicable.label, language)))
    return options


def _single(question: Question, language: str, rng: random.Random) -> _Built:
    options = [(c.code, _label(c.label, language)) for c in _ordered(question, rng)]
    label = _label(question.label, language)
    if question.appearance == "dropdown":
        field: Field = SelectField(label, choices=as_choices([("", "—"), *options]), validate_choice=False)
        kind = "select"
    else:
        field, kind = RadioField(label, choices=as_choices(options), validate_choice=False), "radio"
    extra, specify = _specify_fields(question, language)
    return kind, [(question.id, field), *extra], specify


def _multiple(question: Question, language: str, rng: random.Random) -> _Built:
    options = [(c.code, _label(c.label, language)) for c in _ordered(question, rng)]
    field = SelectMultipleField(_label(question.label, language), choices=as_choices(options), validate_choice=False,
                                widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    extra, specify = _specify_fields(question, language)
    return "checkboxes", [(question.id, field), *extra], specify


def _rating(question: Question, language: str, rng: random.Random) -> _Built:
    del rng
    return "scale", [(question.id, RadioField(_label(question.label, language),
                                              choices=as_choices(_scale_choices(question.scale, language)),
                                              validate_choice=False))], ()


def _nps(question: Question, language: str, rng: random.Random) -> _Built:
    del rng
    options = [(str(v), str(v)) for v in range(11)]
    return "scale", [(question.id, RadioField(_label(question.label, language), choices=as_choices(options),
                                              validate_choice=False))], ()


def _matrix(question: Question, language: str, rng: random.Random) -> _Built:
    del rng
    options = _scale_choices(question.scale, language)
    return "matrix", [(item.id, RadioField(_label(item.label, language), choices=as_choices(options), validate_choice=False))
                      for item in question.items], ()


def _number(question: Question, language: str, rng: random.Random) -> _Built:
    del rng
    integer = question.type is QuestionType.INTEGER
    render = {"inputmode": "numeric" if integer else "decimal", "autocomplete": "off"}
    return "input", [(question.id, StringField(_label(question.label, language), render_kw=render))], ()


def _text(question: Question, language: str, rng: random.Random) -> _Built:
    del rng
    render = {"maxlength": question.max_length} if question.max_length else {}
    return "input", [(question.id, StringField(_label(question.label, language), render_kw=render))], ()


def _long_text(question: Question, language: str, rng: random.Random) -> _Built:
    del rng
    render = {"maxlength": question.max_length, "rows": 4} if question.max_length else {"rows": 4}
    return "textarea", [(question.id, TextAreaField(_label(question.label, language), render_kw=render))], ()


def _date(question: Question, language: str, rng: random.Random) -> _Built:
    del rng
    return "input", [(question.id, StringField(_label(question.label, language),
                                               render_kw={"type": "date", "placeholder": "YYYY-MM-DD"}))], ()


def _cascade(question: Question, language: str, rng: random.Random) -> _Built:
    """One dropdown per level; without JavaScript each option names its parents."""
    del rng
    by_code = {c.code: c for c in question.choices.choices}

    def path(choice: Choice) -> list[Choice]:
        return [*path(by_code[choice.parent]), choice] if choice.parent in by_code else [choice]

    fields = []
    for depth, level in enumerate(question.levels):
        options = [(c.code, " / ".join(_label(p.label, language) for p in path(c)))
                   for c in question.choices.choices if len(path(c)) == depth + 1]
        fields.append((level.id, SelectField(_label(level.label, language), choices=as_choices([("", "—"), *options]),
                                             validate_choice=False)))
    return "levels", fields, ()


def _nothing(question: Question, language: str, rng: random.Random) -> _Built:
    del question, language, rng
    return "note", [], ()


FIELD_FACTORIES: Mapping[QuestionType, Factory] = MappingProxyType({
    QuestionType.SINGLE_CHOICE: _single,
    QuestionType.MULTIPLE_CHOICE: _multiple,
    QuestionType.RATING: _rating,
    QuestionType.NPS: _nps,
    QuestionType.MATRIX: _matrix,
    QuestionType.INTEGER: _number,
    QuestionType.DECIMAL: _number,
    QuestionType.TEXT: _text,
    QuestionType.LONG_TEXT: _long_text,
    QuestionType.DATE: _date,
    QuestionType.CASCADING_SELECT: _cascade,
    QuestionType.NOTE: _nothing,
})


def _factory(question: Question) -> Factory:
    try:
        return FIELD_FACTORIES[question.type]
    except KeyError:
        accepted = ", ".join(sorted(t.value for t in FIELD_FACTORIES))
        raise QuestionnaireError(f"question {question.id!r}: type {question.type.value!r} has no form field; "
                                 f"accepted types: {accepted}", QuestionnaireCode.UNKNOWN_TYPE) from None


def build_page_form(questionnaire: Questionnaire, page: Page, *, language: str, answers: Mapping[str, Any] = (),
                    mode: str = "online", base: type[Form] = Form, seed: int | str | None = None) -> PageForm:
    """A new form class for ``page`` in ``language`` (``base`` may be Flask-WTF's ``FlaskForm``)."""
    rng = random.Random(f"{seed}:{page.id}")
    attributes: dict[str, Any] = {}
    blocks = []
    for question in shown_questions(questionnaire, page, dict(answers), mode=mode):
        kind, fields, specify = _factory(question)(question, language, rng)
        attributes.update(fields)
        blocks.append(QuestionBlock(question, kind, tuple(n for n, _ in fields if "/" not in n), specify))
    form_class = type(f"{questionnaire.id}_{page.id}_Form", (base,), attributes)
    return PageForm(form_class, tuple(blocks))


def form_answers(form: Form, page_form: PageForm) -> dict[str, Any]:
    """The raw answers of a submitted page (non-empty values only; lists for multiple choice)."""
    raw: dict[str, Any] = {}
    for name in page_form.field_names:
        value = form[name].data
        if value in (None, "", []):
            continue
        raw[name] = [str(v) for v in value] if isinstance(value, list) else str(value).strip()
    return raw
