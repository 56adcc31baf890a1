"""SPSS and Stata files of the analysis dataset read back with the same values and labels."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from hypothesis import given
from hypothesis import strategies as st

from survey_engine.instruments import from_dict
from survey_engine.instruments.dataset import answers_frame, variables
from survey_engine.instruments.stat_files import (
    DESIGN_LABELS, NA_CODE, ExportError, ExportErrorCode, StatFormat, analysis_dataset, decode, file_names,
    write_dta, write_sav,
)

BUNDLED = sorted((Path(__file__).resolve().parents[2] / "questionnaires").glob("*.json"))
TEXTS = ["排队太久，希望增加窗口", "=HYPERLINK(\"http://x\")", "服务很好 good", "商标变更 / trademark change"]


def _load(path: Path):
    return from_dict(json.loads(path.read_text("utf-8")))


def synthetic_answers(questionnaire, count: int, seed: int = 7) -> list[dict]:
    """Random stored answers for every variable (some rows left blank), personal answers included."""
    rng = random.Random(seed)
    by_answer = defaultdict(list)
    for var in variables(questionnaire, include_personal=True):
        by_answer[var.answer_id].append(var)
    out = []
    for row in range(count):
        answers: dict = {}
        for answer_id, group in by_answer.items():
            if row % 5 == 4 or rng.random() < 0.15:
                continue
            var = group[0]
            if var.kind == "indicator":
                answers[answer_id] = sorted({v.choice for v in group if rng.random() < 0.4})
            elif var.value_labels:
                code = rng.choice([c for c, _ in var.value_labels])
                answers[answer_id] = int(code) if code.lstrip("-").isdigit() and var.kind == "scale" else code
            elif var.kind == "integer":
                answers[answer_id] = rng.randint(0, 300)
            elif var.kind in ("decimal", "calculated"):
                answers[answer_id] = round(rng.uniform(0, 100), 3)
            elif var.kind == "date":
                answers[answer_id] = (dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 2500))).isoformat()
            else:
                answers[answer_id] = rng.choice(TEXTS) + str(row)
        out.append(answers)
    return out


def _frame(questionnaire, count: int = 30) -> pd.DataFrame:
    frame = answers_frame(questionnaire, synthetic_answers(questionnaire, count))
    frame.insert(0, "response_id", [f"r{i:03d}" for i in range(len(frame))])
    return frame


def _expected(values, column) -> list:
    """The dataset's values as ``decode`` gives them back (codes as text, numbers as floats)."""
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and v != v):
            out.append(None)
        elif column.codes or column.kind == "categorical" or (column.not_applicable is not None and str(v) == column.not_applicable):
            out.append(str(v))
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(float(v))
        elif isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            out.append(dt.date.fromisoformat(v))
        else:
            out.append(v)
    return out


def _normalise(values) -> list:
    out = []
    for v in values:
        if isinstance(v, pd.Timestamp):
            v = v.date()
        elif isinstance(v, dt.datetime):
            v = v.date()
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            v = float(v)
        out.append(v)
    return out


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_sav_round_trip_keeps_values_and_labels(path: Path, tmp_path: Path):
    """Every bundled questionnaire: the .sav file gives back the values, Chinese variable labels,
    value labels and the user-missing "not applicable" code."""
    q = _load(path)
    frame = _frame(q)
    info = write_sav(frame, tmp_path / "a.sav", q)
    data, meta = pyreadstat.read_sav(tmp_path / "a.sav", user_missing=True)
    assert meta.file_encoding == "UTF-8"
    assert list(data.columns) == [c.name for c in info.columns]
    for column in info.columns:
        assert _normalise(decode(data[column.name], column)) == _expected(frame[column.source], column), column.source
        assert meta.column_names_to_labels[column.name] == column.label
        if column.value_labels:
            assert {int(k): v for k, v in meta.variable_value_labels[column.name].items()} == dict(column.value_labels)
        if column.not_applicable is not None:
            assert meta.missing_ranges[column.name] == [{"lo": NA_CODE, "hi": NA_CODE}]
    overall = next(c for c in info.columns if c.kind in ("scale", "categorical"))
    assert re.search(r"[\u4e00-\u9fff]", meta.column_names_to_labels[overall.name])
    assert re.search(r"[\u4e00-\u9fff]", next(iter(meta.variable_value_labels[overall.name].values())))


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_dta_round_trip_with_pyreadstat_and_pandas(path: Path, tmp_path: Path):
    """Every bundled questionnaire: the .dta file has Stata-valid names and reads back the same
    in pyreadstat and pandas.read_stata, with labels, value labels and ``.a`` for "not applicable"."""
    q = _load(path)
    frame = _frame(q)
    info = write_dta(frame, tmp_path / "a.dta", q)
    data, meta = pyreadstat.read_dta(tmp_path / "a.dta", user_missing=True)
    for column in info.columns:
        assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,31}", column.name)
        assert _normalise(decode(data[column.name], column)) == _expected(frame[column.source], column), column.source
        assert meta.column_names_to_labels[column.name] == column.label
    with pd.read_stata(tmp_path / "a.dta", iterator=True) as reader:
        var_labels, value_labels = reader.variable_labels(), reader.value_labels()
        read = reader.read(convert_categoricals=False)  # ``.a`` reads as NaN here
    label_sets = {}
    for column in info.columns:
        assert var_labels[column.name] == column.label
        na = column.not_applicable
        expected = [None if v == na else v for v in _expected(frame[column.source], column)]
        assert _normalise(decode(read[column.name], column)) == expected, column.source
        if column.value_labels:
            label_sets[column.name] = {int(k): v for k, v in column.value_labels.items() if k != NA_CODE
                                       or column.not_applicable is None}
    written = [{int(k): v for k, v in labels.items() if int(k) < 2**31 - 100} for labels in value_labels.values()]
    for expected in label_sets.values():
        assert expected in written


def test_long_names_are_mapped_and_the_map_travels_with_the_file(tmp_path: Path):
    """A 36-character column name gets a shorter Stata name (28 characters: it has value labels);
    its label starts with the original name."""
    q = _load(Path(BUNDLED[0]))
    frame = _frame(q, 5)
    info = write_dta(frame, tmp_path / "a.dta", q)
    assert info.name_map["unmet_needs__geographical_indication"] == "unmet_needs__geographical_in"
    column = next(c for c in info.columns if c.source == "unmet_needs__geographical_indication")
    assert column.label.startswith("unmet_needs__geographical_indication: ")
    assert write_sav(frame, tmp_path / "a.sav", q).name_map == {}


def test_file_names_are_deterministic_and_collision_free():
    """Invalid names are cleaned and shortened; collisions are numbered; valid names are never taken."""
    long = "a" * 40
    names = [long, long[:32], long + "b", "2nd", "q__x-y", "if", "Q", "q", "str12", "天气"]
    stata = file_names(names, StatFormat.STATA)
    assert stata == file_names(names, StatFormat.STATA)
    assert stata[long[:32]] == long[:32] and stata[long] == "a" * 30 + "_2" and stata[long + "b"] == "a" * 30 + "_3"
    assert stata["2nd"] == "v2nd" and stata["q__x-y"] == "q__x_y" and stata["if"] == "vif"
    assert stata["Q"] == "Q" and stata["q"] == "q" and stata["str12"] == "vstr12" and stata["天气"] == "__"
    assert len(set(stata.values())) == len(names)
    spss = file_names(names, StatFormat.SPSS)
    assert spss["Q"] == "Q" and spss["q"] == "q_2" and spss[long] == long and spss["q__x-y"] == "q__x_y"
    assert len({n.lower() for n in spss.values()}) == len(names)
    assert file_names([long[:32], "b" * 30], StatFormat.STATA, labelled=["b" * 30]) == {
        long[:32]: long[:32], "b" * 30: "b" * 28}


@given(st.lists(st.text(alphabet="aAbZ_9.-天 ", min_size=0, max_size=70), max_size=12, unique=True),
       st.sampled_from(list(StatFormat)))
def test_file_names_are_always_valid_and_unique(names, fmt):
    """Whatever the dataset names, the file names follow the format's rules, are unique and keep valid names."""
    mapped = file_names(names, fmt, labelled=names[::2])
    assert list(mapped) == names and mapped == file_names(names, fmt, labelled=names[::2])
    for name, new in mapped.items():
        limit = 28 if fmt is StatFormat.STATA and name in names[::2] else 32 if fmt is StatFormat.STATA else 64
        pattern = r"[A-Za-z_][A-Za-z0-9_]*" if fmt is StatFormat.STATA else r"[A-Za-z][A-Za-z0-9_.]*(?<!\.)"
        assert re.fullmatch(pattern, new) and len(new) <= limit, (name, new)
    keys = [n.lower() if fmt is StatFormat.SPSS else n for n in mapped.values()]
    assert len(set(keys)) == len(keys)


def test_personal_data_is_refused_unless_asked_for(tmp_path: Path):
    """A frame with the phone column is not written unless include_personal=True."""
    q = _load(BUNDLED[-1])
    frame = answers_frame(q, synthetic_answers(q, 4), include_personal=True)
    with pytest.raises(ExportError) as refused:
        write_sav(frame, tmp_path / "a.sav", q)
    assert refused.value.code is ExportErrorCode.PERSONAL_DATA and not (tmp_path / "a.sav").exists()
    info = write_dta(frame, tmp_path / "a.dta", q, include_personal=True)
    assert "phone" in [c.source for c in info.columns]


def _design(ids: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"response_id": ids, "stratum": ["城区" if i % 2 else "郊区" for i in range(len(ids))],
                         "psu": [i // 3 for i in range(len(ids))], "fpc": 120.0,
                         "base_weight": 4.0, "final_weight": [4.0 + i / 10 for i in range(len(ids))]})


def test_analysis_dataset_joins_design_variables_with_labels(tmp_path: Path):
    """Answers + strata, PSU, fpc and weights make one frame; personal answers are dropped; the
    design variables carry their labels in both formats."""
    q = _load(BUNDLED[-1])
    answers = answers_frame(q, synthetic_answers(q, 9), include_personal=True)
    answers.insert(0, "response_id", [f"r{i}" for i in range(9)])
    design = _design(list(reversed(answers["response_id"])))
    frame = analysis_dataset(q, answers, design)
    assert "phone" not in frame.columns and len(frame) == 9
    assert frame.set_index("response_id").loc["r8", "final_weight"] == 4.0
    assert "phone" in analysis_dataset(q, answers, design, include_personal=True).columns
    write_sav(frame, tmp_path / "a.sav", q, language="en")
    _, meta = pyreadstat.read_sav(tmp_path / "a.sav")
    assert meta.column_names_to_labels["final_weight"] == DESIGN_LABELS["final_weight"].get("en")
    write_dta(frame, tmp_path / "a.dta", q)
    data, meta = pyreadstat.read_dta(tmp_path / "a.dta")
    assert meta.column_names_to_labels["psu"] == "初级抽样单元（群）编号"
    assert list(data["stratum"][:2]) == list(frame["stratum"][:2])


@pytest.mark.parametrize(("change", "code"), [
    (lambda a, d: (a.drop(columns="response_id"), d), ExportErrorCode.MISSING_ID),
    (lambda a, d: (a, d.iloc[1:]), ExportErrorCode.NO_DESIGN_ROW),
    (lambda a, d: (a, pd.concat([d, d.iloc[:1]])), ExportErrorCode.DUPLICATE_ID),
    (lambda a, d: (a, d.assign(overall=1)), ExportErrorCode.COLUMN_CLASH),
])
def test_analysis_dataset_refuses_incomplete_design(change, code):
    """A response without its design row, repeated ids or a clashing column is an error, not a blank weight."""
    q = _load(BUNDLED[-1])
    answers = answers_frame(q, synthetic_answers(q, 4))
    answers.insert(0, "response_id", ["a", "b", "c", "d"])
    with pytest.raises(ExportError) as error:
        analysis_dataset(q, *change(answers, _design(["a", "b", "c", "d"])))
    assert error.value.code is code


def test_long_labels_and_texts_fit_the_formats(tmp_path: Path):
    """Labels are cut to 80 characters (Stata) / 255 bytes (SPSS); a text over Stata's 2045-byte
    str limit is kept whole (strL); an unknown choice code is reported with its column."""
    q = _load(BUNDLED[-1])
    frame = _frame(q, 3)
    frame["note"] = ["很长" * 1500, None, "短"]
    long_label = "评价" * 100
    dta = write_dta(frame, tmp_path / "a.dta", q, labels={"note": long_label})
    sav = write_sav(frame, tmp_path / "a.sav", q, labels={"note": long_label})
    assert next(c for c in dta.columns if c.source == "note").label == long_label[:80]
    assert len(next(c for c in sav.columns if c.source == "note").label.encode()) == 255
    data = pd.read_stata(tmp_path / "a.dta")
    assert data["note"][0] == "很长" * 1500 and data["note"][1] == ""
    frame.loc[0, "service_handled"] = "no_such_service"
    with pytest.raises(ExportError) as error:
        write_dta(frame, tmp_path / "b.dta", q)
    assert error.value.code is ExportErrorCode.UNKNOWN_CODE and "service_handled" in str(error.value)


def test_metadata_columns_dates_and_times(tmp_path: Path):
    """Timestamps (stored in UTC) are written as Beijing time; booleans become 0/1."""
    q = _load(BUNDLED[-1])
    frame = _frame(q, 2)
    frame["submitted_at"] = pd.to_datetime(["2026-01-01T02:30:00Z", None], utc=True)
    frame["repeat_suspected"] = [True, False]
    write_sav(frame, tmp_path / "a.sav", q, labels={"submitted_at": "提交时间"})
    data, meta = pyreadstat.read_sav(tmp_path / "a.sav")
    assert data["submitted_at"][0] == pd.Timestamp("2026-01-01 10:30:00") and pd.isna(data["submitted_at"][1])
    assert list(data["repeat_suspected"]) == [1.0, 0.0] and meta.column_names_to_labels["submitted_at"] == "提交时间"
