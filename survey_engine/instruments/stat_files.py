"""SPSS ``.sav`` and Stata ``.dta`` files of the analysis dataset, with variable and value labels.

Statisticians open survey data in SPSS and Stata, so the export carries what those programs
need to be usable at once: a label for every variable, labels for every code, user-missing
"not applicable" answers, dates as dates, and Chinese text intact (SPSS files are written in
UTF-8; Stata 14+ ``.dta`` format 118 is UTF-8).  The files are written by pyreadstat (ReadStat);
this module only decides names, types and labels.

Format rules handled here:

* names: Stata allows 32 characters ``[A-Za-z_][A-Za-z0-9_]*`` minus reserved words; SPSS 64
  bytes, starting with a letter, unique regardless of case.  Names that break a rule are mapped
  deterministically and without collisions (see ``file_names``); the map is returned, written
  as a note in ``.sav`` files and put in front of the variable label in ``.dta`` files.
* value labels: Stata only labels integer values, so choice codes that are not integers are
  written as 1..k in questionnaire order (the same in both formats), recorded in
  ``StatColumn.codes``.  A scale's "not applicable" answer becomes the user-missing value
  ``NA_CODE`` in SPSS and the extended missing value ``.a`` in Stata.
* label lengths: Stata variable labels hold 80 characters, SPSS variable labels 255 bytes and
  value labels 120 bytes; longer labels are shortened on a character boundary.

Identifying answers (``personal_data``) are refused unless the caller passes
``include_personal=True`` after recording the request in the audit log (PIPL).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd
import pyreadstat

from survey_engine.errors import SurveyEngineError
from survey_engine.instruments.dataset import Variable, variables
from survey_engine.instruments.model import Questionnaire, Text

__all__ = [
    "ExportError", "ExportErrorCode", "StatFormat", "StatColumn", "StatFile", "DESIGN_LABELS", "NA_CODE",
    "analysis_dataset", "file_names", "write_sav", "write_dta", "decode",
]

NA_CODE = 97
"""The SPSS user-missing code of a scale's "not applicable" answer (outside every bundled scale)."""

_TZ = "Asia/Shanghai"


class ExportErrorCode(Enum):
    """Why a dataset cannot be exported."""

    PERSONAL_DATA = "personal_data"
    MISSING_ID = "missing_id"
    DUPLICATE_ID = "duplicate_id"
    NO_DESIGN_ROW = "no_design_row"
    COLUMN_CLASH = "column_clash"
    UNKNOWN_CODE = "unknown_code"
    NA_CODE_TAKEN = "na_code_taken"


class ExportError(SurveyEngineError, ValueError):
    """A dataset cannot be written as asked; ``code`` says why, the message says where."""


class StatFormat(str, Enum):
    SPSS = "sav"
    STATA = "dta"


def _text(zh: str, en: str) -> Text:
    return Text((("en", en), ("zh", zh)))


#: Labels of the design variables of the analysis-ready dataset (names as ``analysis.Design`` takes them).
DESIGN_LABELS: Mapping[str, Text] = MappingProxyType({
    "response_id": _text("应答编号", "Response id"),
    "stratum": _text("抽样层", "Sampling stratum"),
    "psu": _text("初级抽样单元（群）编号", "Primary sampling unit (cluster) id"),
    "ssu": _text("二级抽样单元编号", "Secondary sampling unit id"),
    "fpc": _text("有限总体校正：层内总体单元数", "Finite population correction: population units in the stratum"),
    "fpc1": _text("第一阶段有限总体校正（总体单元数）", "Stage-1 finite population correction (population units)"),
    "fpc2": _text("第二阶段有限总体校正（总体单元数）", "Stage-2 finite population correction (population units)"),
    "prob": _text("入样概率", "Inclusion probability"),
    "base_weight": _text("基础权数（入样概率的倒数）", "Base weight (inverse of the inclusion probability)"),
    "final_weight": _text("最终权数（无回答调整与校准后）", "Final weight (after nonresponse adjustment and calibration)"),
})

_INDICATOR_LABELS = {0: _text("未选", "not selected"), 1: _text("选中", "selected")}


@dataclass(frozen=True, slots=True)
class StatColumn:
    """One written variable: its dataset name, its name in the file, and the labels written."""

    source: str
    name: str
    label: str
    value_labels: Mapping[int, str] = field(default_factory=dict)
    codes: Mapping[str, int] = field(default_factory=dict)
    """Text choice codes and the integers written for them (empty when codes are integers)."""
    not_applicable: str | None = None
    """The scale's "not applicable" code, written as ``NA_CODE`` (SPSS) or ``.a`` (Stata)."""
    kind: str = ""
    """The questionnaire variable's kind (``dataset.Variable.kind``); empty for other columns."""


@dataclass(frozen=True, slots=True)
class StatFile:
    """What was written: format and one ``StatColumn`` per variable, in file order."""

    format: StatFormat
    columns: tuple[StatColumn, ...]

    @property
    def name_map(self) -> dict[str, str]:
        """Dataset name → file name, for every variable whose name had to change."""
        return {c.source: c.name for c in self.columns if c.source != c.name}


# -- the analysis-ready dataset ---------------------------------------------------------------

def _personal_names(questionnaire: Questionnaire) -> set[str]:
    return {v.name for v in variables(questionnaire, include_personal=True) if v.personal}


def analysis_dataset(questionnaire: Questionnaire, answers: pd.DataFrame, design: pd.DataFrame | None = None,
                     *, id_column: str = "response_id", include_personal: bool = False) -> pd.DataFrame:
    """One row per response: answers joined with the design variables (strata, PSU ids, fpc,
    base and final weights) by response id, personal answers dropped unless asked for.

    Every response must have its design row: an analysis with some weights silently missing
    would be biased, so a missing row is an error rather than a blank weight.
    """
    if id_column not in answers.columns:
        raise ExportError(f"answers: no column '{id_column}'; add the response id to join the design variables",
                          ExportErrorCode.MISSING_ID)
    _unique_ids(answers, id_column, "answers")
    personal = _personal_names(questionnaire) & set(answers.columns)
    frame = answers if include_personal else answers.drop(columns=sorted(personal))
    if design is None:
        return frame.reset_index(drop=True)
    if id_column not in design.columns:
        raise ExportError(f"design: no column '{id_column}'; key the design variables by response id",
                          ExportErrorCode.MISSING_ID)
    _unique_ids(design, id_column, "design")
    clash = sorted((set(design.columns) & set(answers.columns)) - {id_column})
    if clash:
        raise ExportError(f"design: columns {clash} are also answer columns; rename them in the design frame",
                          ExportErrorCode.COLUMN_CLASH)
    missing = sorted(set(frame[id_column]) - set(design[id_column]), key=str)
    if missing:
        raise ExportError(f"design: no row for response ids {missing[:5]} ({len(missing)} in all); every "
                          "response needs its design variables", ExportErrorCode.NO_DESIGN_ROW)
    return frame.merge(design, on=id_column, how="left", validate="one_to_one")


def _unique_ids(frame: pd.DataFrame, id_column: str, where: str) -> None:
    duplicated = frame[id_column][frame[id_column].duplicated()].tolist()
    if duplicated:
        raise ExportError(f"{where}: column '{id_column}' repeats ids {duplicated[:5]}; one row per response",
                          ExportErrorCode.DUPLICATE_ID)


# -- names ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _NameRules:
    max_length: int
    invalid: re.Pattern[str]
    first: re.Pattern[str]
    reserved: frozenset[str]
    fold_case: bool

    def valid(self, name: str, max_length: int | None = None) -> bool:
        key = name.lower() if self.fold_case else name
        return (0 < len(name.encode("utf-8")) <= (max_length or self.max_length) and not self.invalid.search(name)
                and bool(self.first.match(name)) and key not in self.reserved and not name.endswith(".")
                and not re.fullmatch(r"str\d+", name))


_STATA_LABELLED = 28

_RULES = {
    StatFormat.STATA: _NameRules(32, re.compile(r"[^A-Za-z0-9_]"), re.compile(r"[A-Za-z_]"), frozenset({
        "_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int", "long", "_n", "_N",
        "_pi", "_pred", "_rc", "_skip", "strL", "using", "with"}), fold_case=False),
    StatFormat.SPSS: _NameRules(64, re.compile(r"[^A-Za-z0-9_.]"), re.compile(r"[A-Za-z]"), frozenset({
        "all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"}), fold_case=True),
}


def file_names(names: Sequence[str], fmt: StatFormat, labelled: Collection[str] = ()) -> dict[str, str]:
    """Dataset name → a valid, unique file name.  Valid names are kept; the others are cleaned
    (invalid characters → ``_``, a ``v`` in front when the first character is not allowed),
    shortened, and numbered ``_2``, ``_3``… on a collision, in column order — so the same
    columns always give the same names.

    In Stata, ``labelled`` names (variables with value labels) keep to 28 characters: pyreadstat
    names each value-label set after its variable plus a counter, and that name has the same
    32-character limit.
    """
    rules = _RULES[fmt]
    key = (lambda n: n.lower()) if rules.fold_case else (lambda n: n)
    limit = {n: _STATA_LABELLED if fmt is StatFormat.STATA and n in set(labelled) else rules.max_length
             for n in names}
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:  # valid names first, so a shortened name never takes a kept one
        if rules.valid(name, limit[name]) and key(name) not in taken:
            out[name] = name
            taken.add(key(name))
    for name in names:
        if name in out:
            continue
        base = rules.invalid.sub("_", name.encode("ascii", "replace").decode().replace("?", "_"))
        if not rules.first.match(base) or key(base) in rules.reserved or re.fullmatch(r"str\d+", base):
            base = "v" + base
        base = base[: limit[name]].rstrip(".")
        candidate, number = base, 1
        while key(candidate) in taken or not rules.valid(candidate, limit[name]):
            number += 1
            suffix = f"_{number}"
            candidate = base[: limit[name] - len(suffix)].rstrip(".") + suffix
        out[name] = candidate
        taken.add(key(candidate))
    return {n: out[n] for n in names}


# -- columns ----------------------------------------------------------------------------------

def _clip(text: str, max_chars: int, max_bytes: int) -> str:
    text = text[:max_chars]
    while len(text.encode("utf-8")) > max_bytes:
        text = text[:-1]
    return text


def _is_int_code(code: str) -> bool:
    return code.lstrip("-").isdigit()


@dataclass(frozen=True, slots=True)
class _Converted:
    values: pd.Series
    value_labels: dict[int, str]
    codes: dict[str, int]
    not_applicable: str | None
    measure: str


def _convert_variable(var: Variable, column: pd.Series, fmt: StatFormat, language: str) -> _Converted:
    if var.kind == "indicator":
        labels = {k: t.get(language) for k, t in _INDICATOR_LABELS.items()}
        return _Converted(pd.to_numeric(column).astype("float64"), labels, {}, None, "nominal")
    if var.value_labels:
        return _coded(var, column, fmt, language)
    if var.kind in ("integer", "decimal"):
        return _Converted(pd.to_numeric(column).astype("float64"), {}, {}, None, "scale")
    if var.kind == "date":
        dates = [None if _missing(v) else v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))
                 for v in column]
        return _Converted(pd.Series(dates, index=column.index, dtype="object"), {}, {}, None, "scale")
    return _other(column)


def _coded(var: Variable, column: pd.Series, fmt: StatFormat, language: str) -> _Converted:
    """Choices and scales: integer codes kept, text codes numbered 1..k, "not applicable" user-missing."""
    numeric = [(c, t) for c, t in var.value_labels if _is_int_code(c)]
    text = [(c, t) for c, t in var.value_labels if not _is_int_code(c)]
    na = text[0][0] if var.kind == "scale" and len(text) == 1 else None
    codes = {} if na or not text else {c: i for i, (c, _) in enumerate(var.value_labels, start=1)}
    labels = {int(c): t.get(language) for c, t in numeric} if not codes else \
        {codes[c]: t.get(language) for c, t in var.value_labels}
    if na is not None:
        if NA_CODE in labels:
            raise ExportError(f"column '{var.name}': the scale uses {NA_CODE}, the code kept for "
                              f"'{na}' (not applicable); NA_CODE must lie outside the scale",
                              ExportErrorCode.NA_CODE_TAKEN)
        labels[NA_CODE] = dict(text)[na].get(language)
    na_value: Any = NA_CODE if fmt is StatFormat.SPSS else "a"

    def one(value: Any) -> Any:
        if _missing(value):
            return float("nan")
        key = str(value)
        if na is not None and key == na:
            return na_value
        if codes:
            if key not in codes:
                raise ExportError(f"column '{var.name}': value '{key}' is not one of the codes "
                                  f"{list(codes)}", ExportErrorCode.UNKNOWN_CODE)
            return float(codes[key])
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ExportError(f"column '{var.name}': value '{key}' is not one of the codes "
                              f"{[int(k) for k in labels]}", ExportErrorCode.UNKNOWN_CODE) from None

    values = [one(v) for v in column]
    dtype = "object" if na is not None and fmt is StatFormat.STATA else "float64"
    measure = "ordinal" if var.kind == "scale" else "nominal"
    if labels:
        labels = {k: _clip(v, 32000, 120 if fmt is StatFormat.SPSS else 32000) for k, v in labels.items()}
    return _Converted(pd.Series(values, index=column.index, dtype=dtype), labels, codes, na, measure)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value is pd.NA or value is pd.NaT


def _other(column: pd.Series) -> _Converted:
    """Columns that are not questionnaire variables (metadata, design) and free-form answers."""
    if pd.api.types.is_bool_dtype(column):
        return _Converted(column.astype("float64"), {}, {}, None, "nominal")
    if pd.api.types.is_datetime64_any_dtype(column):
        if getattr(column.dt, "tz", None) is not None:
            column = column.dt.tz_convert(_TZ).dt.tz_localize(None)
        return _Converted(column, {}, {}, None, "scale")
    if pd.api.types.is_numeric_dtype(column):
        return _Converted(column.astype("float64"), {}, {}, None, "scale")
    present = [v for v in column if not _missing(v)]
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return _Converted(pd.to_numeric(column).astype("float64"), {}, {}, None, "scale")
    text = pd.Series(["" if _missing(v) else str(v) for v in column], index=column.index, dtype="object")
    return _Converted(text, {}, {}, None, "nominal")


# -- writing ----------------------------------------------------------------------------------

def _prepare(frame: pd.DataFrame, questionnaire: Questionnaire, fmt: StatFormat, language: str,
             include_personal: bool, labels: Mapping[str, str] | None):
    personal = sorted(_personal_names(questionnaire) & set(frame.columns))
    if personal and not include_personal:
        raise ExportError(f"columns {personal} hold personal data (PIPL); leave them out or pass "
                          "include_personal=True after auditing the request", ExportErrorCode.PERSONAL_DATA)
    known = {v.name: v for v in variables(questionnaire, include_personal=True)}
    extra = dict(labels or {})
    converted = {source: _convert_variable(known[source], frame[source], fmt, language) if source in known
                 else _other(frame[source]) for source in frame.columns}
    names = file_names([str(c) for c in frame.columns], fmt, [s for s, c in converted.items() if c.value_labels])
    out: dict[str, pd.Series] = {}
    columns = []
    for source, one in converted.items():
        var = known.get(source)
        label = (var.label.get(language) if var and var.label else extra.get(source)
                 or (DESIGN_LABELS[source].get(language) if source in DESIGN_LABELS else source))
        name = names[source]
        if fmt is StatFormat.STATA and name != source:
            label = f"{source}: {label}"
        label = _clip(label, 80, 320) if fmt is StatFormat.STATA else _clip(label, 255, 255)
        out[name] = one.values.reset_index(drop=True)
        columns.append((StatColumn(source, name, label, MappingProxyType(one.value_labels),
                                   MappingProxyType(one.codes), one.not_applicable, var.kind if var else ""),
                        one.measure))
    return pd.DataFrame(out), columns


def _file_label(text: str) -> str:
    return _clip(text, 80, 320)


def write_sav(frame: pd.DataFrame, path: str | Path, questionnaire: Questionnaire, *, language: str = "zh",
              include_personal: bool = False, labels: Mapping[str, str] | None = None,
              file_label: str = "") -> StatFile:
    """Write ``frame`` (``answers_frame`` or ``analysis_dataset`` output) as an SPSS ``.sav`` file.

    ``labels`` gives variable labels of columns that are neither questionnaire variables nor
    design variables (e.g. response metadata).  The renamed variables are listed in a file note.
    """
    data, columns = _prepare(frame, questionnaire, StatFormat.SPSS, language, include_personal, labels)
    metas = [c for c, _ in columns]
    notes = [f"{c.source} -> {c.name}" for c in metas if c.source != c.name]
    pyreadstat.write_sav(
        data, str(path), file_label=_file_label(file_label),
        column_labels={c.name: c.label for c in metas},
        variable_value_labels={c.name: dict(c.value_labels) for c in metas if c.value_labels},
        missing_ranges={c.name: [NA_CODE] for c in metas if c.not_applicable is not None},
        variable_measure={c.name: measure for c, measure in columns},
        note=(["variable names changed for SPSS / 为符合 SPSS 规则而改名的变量:", *notes] if notes else None),
    )
    return StatFile(StatFormat.SPSS, tuple(metas))


def write_dta(frame: pd.DataFrame, path: str | Path, questionnaire: Questionnaire, *, language: str = "zh",
              include_personal: bool = False, labels: Mapping[str, str] | None = None,
              file_label: str = "") -> StatFile:
    """Write ``frame`` as a Stata ``.dta`` file (format 118, UTF-8; Stata 14 or later).

    A renamed variable's label starts with its dataset name (``unmet_needs__geographical_indication:
    …``), so the name map travels with the file.
    """
    data, columns = _prepare(frame, questionnaire, StatFormat.STATA, language, include_personal, labels)
    metas = [c for c, _ in columns]
    pyreadstat.write_dta(
        data, str(path), file_label=_file_label(file_label), version=15,
        column_labels={c.name: c.label for c in metas},
        variable_value_labels={c.name: _stata_labels(c) for c in metas if c.value_labels},
        missing_user_values={c.name: ["a"] for c in metas if c.not_applicable is not None},
    )
    return StatFile(StatFormat.STATA, tuple(metas))


def _stata_labels(column: StatColumn) -> dict[int | str, str]:
    labels: dict[int | str, str] = {k: v for k, v in column.value_labels.items() if k != NA_CODE
                                    or column.not_applicable is None}
    if column.not_applicable is not None:
        labels["a"] = column.value_labels[NA_CODE]
    return labels


def decode(values: Iterable[Any], column: StatColumn) -> list[Any]:
    """The dataset's values back from a file's numbers (text codes, "not applicable", missing)."""
    back = {v: k for k, v in column.codes.items()}
    out: list[Any] = []
    for value in values:
        if _missing(value) or value == "":
            out.append(None)
        elif column.not_applicable is not None and value in (NA_CODE, "a"):
            out.append(column.not_applicable)
        elif back:
            out.append(back[int(value)])
        elif column.kind == "categorical":  # integer choice codes are stored as text
            out.append(str(int(value)))
        else:
            out.append(value)
    return out
