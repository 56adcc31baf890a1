"""Response exports: one column per answer (one per choice for multiple choice), CSV or Excel
with a codebook sheet of value labels.  Personal data (contacts) is never part of an export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook

from survey_engine.instruments.model import QuestionType, Questionnaire
from survey_engine.store.models import Response

__all__ = ["columns", "rows", "to_csv", "to_xlsx"]

_META = ("uuid", "status", "mode", "site", "language", "submitted_at", "repeat_suspected")


def columns(questionnaire: Questionnaire) -> list[tuple[str, str, str]]:
    """(column name, answer id, choice code or '') in questionnaire order."""
    out = []
    for question in questionnaire.questions():
        if question.type is QuestionType.NOTE:
            continue
        if question.type is QuestionType.MULTIPLE_CHOICE:
            out.extend((f"{question.id}.{c.code}", question.id, c.code) for c in question.choices.choices)
        else:
            out.extend((aid, aid, "") for aid in question.answer_ids)
        if question.choices is not None:
            out.extend((f"{question.id}/{c.code}", f"{question.id}/{c.code}", "")
                       for c in question.choices.choices if c.specify)
    return out


def rows(questionnaire: Questionnaire, responses: Iterable[Response]) -> tuple[list[str], list[list[Any]]]:
    cols = columns(questionnaire)
    header = [*_META, *(name for name, _, _ in cols)]
    body = []
    for r in responses:
        meta = [r.client_uuid, r.status, r.mode, r.site.code if r.site else "", r.language,
                r.submitted_at.isoformat() if r.submitted_at else "", int(r.repeat_suspected)]
        values = []
        for _, answer_id, code in cols:
            value = r.answers.get(answer_id)
            if code:
                values.append("" if value is None else int(code in value))
            else:
                values.append("" if value is None else value)
        body.append(meta + values)
    return header, body


def to_csv(header: Sequence[str], body: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(body)
    return "\ufeff" + buffer.getvalue()  # BOM: Excel opens UTF-8 Chinese text correctly


def _codebook(questionnaire: Questionnaire) -> list[list[Any]]:
    lines: list[list[Any]] = [["column", "question", "label_zh", "label_en", "value", "value_label_zh",
                               "value_label_en"]]
    for name, answer_id, code in columns(questionnaire):
        question = questionnaire.question(answer_id.split("/")[0])
        label = question.label
        base = [name, question.id, label.get("zh") if label else "", label.get("en") if label else ""]
        if code:
            choice = next(c for c in question.choices.choices if c.code == code)
            lines.append([*base, "1", choice.label.get("zh"), choice.label.get("en")])
        elif question.scale is not None:
            for value in question.scale.values:
                text = question.scale.label(value)
                lines.append([*base, value, text.get("zh") if text else "", text.get("en") if text else ""])
            if question.scale.not_applicable is not None:
                na = question.scale.not_applicable
                lines.append([*base, na.code, na.label.get("zh"), na.label.get("en")])
        elif question.choices is not None and "/" not in answer_id:
            lines.extend([*base, c.code, c.label.get("zh"), c.label.get("en")] for c in question.choices.choices)
        else:
            lines.append([*base, "", "", ""])
    return lines


def to_xlsx(questionnaire: Questionnaire, header: Sequence[str], body: Sequence[Sequence[Any]]) -> bytes:
    book = Workbook()
    data = book.active
    data.title = "responses"
    data.append(list(header))
    for line in body:
        data.append(list(line))
    codebook = book.create_sheet("codebook")
    for line in _codebook(questionnaire):
        codebook.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
