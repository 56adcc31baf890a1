"""The analysis dataset: stored answers → one row per response, one column per variable.

Single choices, ratings, numbers, dates and texts keep their answer id as column name;
a multiple choice becomes one 0/1 column per option (``<id>__<code>``, missing when the
question was not answered) and "please specify" texts get ``<id>__<code>_text``. Answers
marked ``personal_data`` are left out unless explicitly asked for (PIPL: identity is kept
apart from answers). The codebook describes every column in both languages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from survey_engine.instruments.answers import specify_key
from survey_engine.instruments.derived import derived
from survey_engine.instruments.model import Question, QuestionType, Questionnaire, Scale, Text

__all__ = ["Variable", "variables", "answers_frame", "codebook", "separate_personal", "variable_value"]

_KINDS = {
    QuestionType.SINGLE_CHOICE: "categorical", QuestionType.CASCADING_SELECT: "categorical",
    QuestionType.RATING: "scale", QuestionType.MATRIX: "scale", QuestionType.NPS: "scale",
    QuestionType.INTEGER: "integer", QuestionType.DECIMAL: "decimal", QuestionType.DATE: "date",
    QuestionType.TEXT: "text", QuestionType.LONG_TEXT: "text", QuestionType.CALCULATE: "calculated",
}


@dataclass(frozen=True, slots=True)
class Variable:
    """One column of the analysis dataset."""

    name: str
    answer_id: str
    kind: str
    label: Text | None
    value_labels: tuple[tuple[str, Text], ...] = ()
    choice: str | None = None
    personal: bool = False


def _scale_labels(scale: Scale) -> tuple[tuple[str, Text], ...]:
    labels = tuple((str(value), text) for value, text in scale.labels)
    if scale.not_applicable is not None:
        labels += ((scale.not_applicable.code, scale.not_applicable.label),)
    return labels


def _question_variables(q: Question) -> list[Variable]:
    if q.type is QuestionType.NOTE:
        return []
    if q.type is QuestionType.MULTIPLE_CHOICE:
        out = []
        for choice in q.choices.choices:
            label = Text(tuple((lang, f"{q.label.get(lang)}: {choice.label.get(lang)}") for lang, _ in q.label.values))
            out.append(Variable(f"{q.id}__{choice.code}", q.id, "indicator", label, choice=choice.code,
                                personal=q.personal_data))
            if choice.specify:
                out.append(Variable(f"{q.id}__{choice.code}_text", specify_key(q.id, choice.code), "text",
                                    choice.label, personal=q.personal_data))
        return out
    if q.type is QuestionType.MATRIX:
        labels = _scale_labels(q.scale)
        return [Variable(item.id, item.id, "scale", item.label, labels, personal=q.personal_data) for item in q.items]
    if q.type is QuestionType.CASCADING_SELECT:
        labels = tuple((c.code, c.label) for c in q.choices.choices)
        return [Variable(level.id, level.id, "categorical", level.label, labels, personal=q.personal_data)
                for level in q.levels]
    labels: tuple[tuple[str, Text], ...] = ()
    if q.choices is not None:
        labels = tuple((c.code, c.label) for c in q.choices.choices)
    elif q.scale is not None:
        labels = _scale_labels(q.scale)
    out = [Variable(q.id, q.id, _KINDS[q.type], q.label, labels, personal=q.personal_data)]
    if q.choices is not None:
        out += [Variable(f"{q.id}__{c.code}_text", specify_key(q.id, c.code), "text", c.label,
                         personal=q.personal_data) for c in q.choices.choices if c.specify]
    return out


def variables(questionnaire: Questionnaire, include_personal: bool = False) -> tuple[Variable, ...]:
    """Every column of the analysis dataset, in questionnaire order."""
    found = [v for q in questionnaire.questions() for v in _question_variables(q)]
    return tuple(v for v in found if include_personal or not v.personal)


def separate_personal(questionnaire: Questionnaire, answers: Mapping[str, Any]
                      ) -> tuple[dict[str, Any], dict[str, Any]]:
    """(answers without identifying data, the identifying answers) — stored in different tables."""
    personal_ids = derived(questionnaire).personal_ids
    if not personal_ids:
        return dict(answers), {}
    personal = {k: v for k, v in answers.items() if k.split("/", 1)[0] in personal_ids}
    return {k: v for k, v in answers.items() if k not in personal}, personal


def variable_value(var: Variable, answers: Mapping[str, Any]) -> Any:
    """The value of one dataset column for one response (0/1 for an option, None if unanswered)."""
    value = answers.get(var.answer_id)
    if var.kind == "indicator":
        return None if value is None else float(var.choice in value)
    return value


def answers_frame(questionnaire: Questionnaire, answers: Iterable[Mapping[str, Any]],
                  include_personal: bool = False) -> pd.DataFrame:
    """One row per response (answers as stored: typed values keyed by answer id)."""
    cols = variables(questionnaire, include_personal)
    rows = [[variable_value(var, response) for var in cols] for response in answers]
    return pd.DataFrame(rows, columns=[v.name for v in cols])


def codebook(questionnaire: Questionnaire, language: str = "zh", include_personal: bool = False) -> pd.DataFrame:
    """Variable, label, kind and value labels (``code=label; ...``) for documentation and exports."""
    records = [{
        "variable": v.name, "label": v.label.get(language) if v.label else "", "kind": v.kind,
        "values": "; ".join(f"{code}={text.get(language)}" for code, text in v.value_labels),
        "personal": v.personal,
    } for v in variables(questionnaire, include_personal)]
    return pd.DataFrame(records, columns=["variable", "label", "kind", "values", "personal"])
