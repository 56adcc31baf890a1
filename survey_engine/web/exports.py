"""Response exports: the analysis dataset (``instruments.dataset``: one column per answer, one
0/1 column per multiple-choice option) with response metadata, as CSV, Excel with a codebook
sheet of value labels in both languages, SPSS ``.sav`` or Stata ``.dta`` with variable and value
labels (``instruments.stat_files``).  Identifying answers (``personal_data``) and contacts are
never part of an export unless the caller hands them over explicitly (and audits that).

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (also tab or
carriage return) as a formula, so such cells and headers in CSV and Excel files get a leading
single quote, as OWASP's "CSV injection" advice says.  Statistical files are not spreadsheets
and keep the text as given."""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook

from survey_engine.instruments.dataset import Variable, answers_frame, variable_value, variables
from survey_engine.instruments.model import Questionnaire, Text
from survey_engine.instruments.stat_files import StatFile, analysis_dataset, write_dta, write_sav
from survey_engine.store.models import Response

__all__ = ["rows", "to_csv", "to_xlsx", "neutralise", "response_frame", "to_sav", "to_dta", "META_LABELS"]

_META = ("uuid", "status", "mode", "site", "language", "submitted_at", "repeat_suspected")

#: Labels of the response metadata columns in statistical files.
META_LABELS: Mapping[str, Text] = {
    "uuid": Text((("en", "Response id (client UUID)"), ("zh", "应答编号（客户端 UUID）"))),
    "status": Text((("en", "Review status"), ("zh", "审核状态"))),
    "mode": Text((("en", "Collection mode"), ("zh", "调查方式"))),
    "site_code": Text((("en", "Service site code (where collected)"), ("zh", "服务点代码（采集地点）"))),
    "language": Text((("en", "Questionnaire language"), ("zh", "问卷语言"))),
    "submitted_at": Text((("en", "Submitted at (Beijing time)"), ("zh", "提交时间（北京时间）"))),
    "repeat_suspected": Text((("en", "Suspected repeat response (1 = yes)"), ("zh", "疑似重复作答（1=是）"))),
}

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, made inert by a leading quote; other values unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


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
    writer.writerow([neutralise(h) for h in header])
    writer.writerows([neutralise(cell) for cell in line] for line in body)
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
    data.append([neutralise(h) for h in header])
    for line in body:
        data.append([neutralise(cell) for cell in line])
    codebook = book.create_sheet("codebook")
    codebook.append(["column", "question", "label_zh", "label_en", "kind", "value", "value_label_zh",
                     "value_label_en"])
    for var in variables(questionnaire):
        for line in _codebook_lines(var):
            codebook.append([neutralise(cell) for cell in line])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def response_frame(questionnaire: Questionnaire, responses: Sequence[Response],
                   personal: Mapping[int, Mapping[str, Any]] | None = None) -> pd.DataFrame:
    """Metadata columns, then the analysis dataset, one row per response, missing answers missing.

    A metadata column whose name is also a question's gets ``_meta`` appended (the answer keeps
    its name).  ``personal`` (response id → its ``ResponsePersonal.answers``) adds the identifying
    answers; pass it only for an admin's explicit, audited request.
    """
    include = personal is not None
    answers = [{**r.answers, **(personal or {}).get(r.id, {})} for r in responses]
    frame = answers_frame(questionnaire, answers, include_personal=include)
    meta = pd.DataFrame({
        "uuid": [r.client_uuid for r in responses],
        "status": [r.status for r in responses],
        "mode": [r.mode for r in responses],
        "site_code": [r.site.code if r.site else "" for r in responses],
        "language": [r.language for r in responses],
        "submitted_at": pd.to_datetime([r.submitted_at for r in responses], utc=True),
        "repeat_suspected": [bool(r.repeat_suspected) for r in responses],
    })
    meta = meta.rename(columns={c: f"{c}_meta" for c in meta.columns if c in frame.columns})
    return pd.concat([meta, frame], axis=1)


def _written(writer: Callable[..., StatFile], suffix: str, questionnaire: Questionnaire, frame: pd.DataFrame,
             design: pd.DataFrame | None, language: str, file_label: str, include: bool) -> bytes:
    if design is not None:
        frame = analysis_dataset(questionnaire, frame, design, id_column="uuid", include_personal=include)
    labels = {name: text.get(language) for name, text in META_LABELS.items()}
    labels |= {f"{name}_meta": text for name, text in labels.items()}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"export.{suffix}"
        writer(frame, path, questionnaire, language=language, include_personal=include, labels=labels,
               file_label=file_label)
        return path.read_bytes()


def to_sav(questionnaire: Questionnaire, frame: pd.DataFrame, *, design: pd.DataFrame | None = None,
           language: str = "zh", file_label: str = "", include_personal: bool = False) -> bytes:
    """The ``response_frame`` as an SPSS file; ``design`` (keyed by ``uuid``) adds strata, PSUs, fpc and weights.

    A frame holding personal columns is refused (``ExportError``, code ``PERSONAL_DATA``) unless
    ``include_personal=True`` — the admin asked for it and the request is in the audit log.
    """
    return _written(write_sav, "sav", questionnaire, frame, design, language, file_label, include_personal)


def to_dta(questionnaire: Questionnaire, frame: pd.DataFrame, *, design: pd.DataFrame | None = None,
           language: str = "zh", file_label: str = "", include_personal: bool = False) -> bytes:
    """The ``response_frame`` as a Stata 14+ file (format 118, UTF-8); see ``to_sav``."""
    return _written(write_dta, "dta", questionnaire, frame, design, language, file_label, include_personal)
