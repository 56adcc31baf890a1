"""Response exports: the analysis dataset (``instruments.dataset``: one column per answer, one
0/1 column per multiple-choice option) with response metadata, as CSV or Excel with a codebook
sheet of value labels in both languages.  Identifying answers (``personal_data``) and contacts
are never part of an export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook

from survey_engine.instruments.dataset import Variable, variable_value, variables
from survey_engine.instruments.model import Questionnaire
from survey_engine.store.models import Response

__all__ = ["rows", "to_csv", "to_xlsx"]

_META = ("uuid", "status", "mode", "site", "language", "submitted_at", "repeat_suspected")


def rows(questionnaire: Questionnaire, responses: Iterable[Response]) -> tuple[list[str], list[list[Any]]]:
    """Header and body: metadata columns, then the dataset's variables (personal data excluded)."""
    cols = variables(questionnaire)
    header = [*_META, *(v.name for v in cols)]
    body = []
    for r in responses:
        meta = [r.client_uuid, r.status, r.mode, r.site.code if r.site else "", r.language,
                r.submitted_at.isoformat() if r.submitted_at else "", int(r.repeat_suspected)]
        values = [variable_value(v, r.answers) for v in cols]
        body.append(meta + ["" if value is None else int(value) if v.kind == "indicator" else value
                            for v, value in zip(cols, values)])
    return header, body


def to_csv(header: Sequence[str], body: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(body)
    return "\ufeff" + buffer.getvalue()  # BOM: Excel opens UTF-8 Chinese text correctly


def _label(text: Any, language: str) -> str:
    return text.get(language) if text is not None else ""


def _codebook_lines(var: Variable) -> list[list[Any]]:
    base = [var.name, var.answer_id.split("/", 1)[0], _label(var.label, "zh"), _label(var.label, "en"), var.kind]
    if var.kind == "indicator":
        return [[*base, 1, "选中", "selected"], [*base, 0, "未选", "not selected"]]
    if not var.value_labels:
        return [[*base, "", "", ""]]
    return [[*base, int(code) if code.lstrip("-").isdigit() else code, _label(text, "zh"), _label(text, "en")]
            for code, text in var.value_labels]


def to_xlsx(questionnaire: Questionnaire, header: Sequence[str], body: Sequence[Sequence[Any]]) -> bytes:
    book = Workbook()
    data = book.active
    data.title = "responses"
    data.append(list(header))
    for line in body:
        data.append(list(line))
    codebook = book.create_sheet("codebook")
    codebook.append(["column", "question", "label_zh", "label_en", "kind", "value", "value_label_zh",
                     "value_label_en"])
    for var in variables(questionnaire):
        for line in _codebook_lines(var):
            codebook.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
