"""Exports: formula injection neutralised in CSV and Excel; SPSS and Stata files with labels."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid

import pandas as pd
import pyreadstat
import pytest
from openpyxl import load_workbook

from survey_engine.instruments import from_dict
from survey_engine.instruments.stat_files import ExportError, ExportErrorCode
from survey_engine.store.models import Response, Role
from survey_engine.web.exports import neutralise, response_frame, rows, to_csv, to_dta, to_sav, to_xlsx
from tests.web.helpers import REPO, device_token, login, make_user, window_campaign

HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"点我\")", "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1",
           "=cmd|' /C calc'!A0"]


def _document() -> dict:
    return json.loads((REPO / "questionnaires" / "window_rating.json").read_text(encoding="utf-8"))


def _response(number: int, answers: dict) -> Response:
    return Response(id=number, client_uuid=f"00000000-0000-0000-0000-00000000000{number}", status="complete",
                    mode="online", language="zh", answers=answers, repeat_suspected=number == 2,
                    submitted_at=dt.datetime(2026, 3, number, 2, 30, tzinfo=dt.UTC))


def _responses() -> list[Response]:
    return [_response(1, {"service_handled": "complaint", "overall": 5, "efficiency": 4, "bad_comment": HOSTILE[0]}),
            _response(2, {"service_handled": "patent_fee", "overall": 1, "bad_reasons": ["slow", "other"],
                          "bad_reasons/other": "排队太久", "followup_consent": "yes"})]


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_starts_get_a_quote(value):
    """Text starting with = + - @, tab or CR is prefixed with a single quote."""
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["排队太久", "a=b", "1-2", "", -5, 3.5, None, "'=already"])
def test_other_values_are_unchanged(value):
    """Plain text, numbers (even negative) and missing values pass unchanged."""
    assert neutralise(value) == value


def test_csv_cells_and_headers_are_neutralised():
    """Every hostile cell and header of the CSV starts with a quote; other cells are untouched."""
    text = to_csv([*HOSTILE, "ok"], [[value, -5] for value in HOSTILE])
    read = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    assert read[0] == ["'" + value for value in HOSTILE] + ["ok"]
    assert [line[0] for line in read[1:]] == ["'" + value for value in HOSTILE]
    assert {line[1] for line in read[1:]} == {"-5"}


def test_excel_has_no_formula_cells_in_data_or_codebook():
    """A hostile answer and a hostile choice label end up as quoted text, never as formulas."""
    document = _document()
    document["choice_lists"]["yes_no"]["choices"][0]["label"]["zh"] = "=1+1"
    q = from_dict(document)
    header, body = rows(q, _responses())
    book = load_workbook(io.BytesIO(to_xlsx(q, header, body)))
    cells = [cell for sheet in book for line in sheet.iter_rows() for cell in line]
    assert all(cell.data_type != "f" for cell in cells)
    values = [cell.value for cell in cells]
    assert "'" + HOSTILE[0] in values and "'=1+1" in values and HOSTILE[0] not in values


@pytest.fixture
def admin(client, db):
    login(client, make_user(db, Role.ADMIN))
    return client


def test_exports_through_the_admin_routes_are_neutralised(admin, client, db):
    """A respondent's formula in a text answer comes out of the CSV and Excel downloads quoted."""
    window_campaign(db)
    token = device_token(db)
    reply = client.post("/api/v1/responses", headers={"Authorization": f"Bearer {token}"}, json={
        "uuid": str(uuid.uuid4()), "campaign": "win", "site": "w1", "mode": "online",
        "answers": {"service_handled": "complaint", "overall": 1, "bad_reasons": ["other"],
                    "bad_reasons/other": HOSTILE[-1]}})
    assert reply.status_code == 201, reply.get_json()
    lines = list(csv.DictReader(io.StringIO(admin.get("/admin/responses/export.csv?campaign=win")
                                            .get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0]["bad_reasons__other_text"] == "'" + HOSTILE[-1]
    book = load_workbook(io.BytesIO(admin.get("/admin/responses/export.xlsx?campaign=win").data))
    assert "'" + HOSTILE[-1] in [cell.value for line in book["responses"].iter_rows() for cell in line]


def test_sav_export_has_metadata_answers_and_labels(tmp_path):
    """The SPSS download reads back with metadata (Beijing time), answers and Chinese labels."""
    q = from_dict(_document())
    path = tmp_path / "x.sav"
    path.write_bytes(to_sav(q, response_frame(q, _responses())))
    frame, meta = pyreadstat.read_sav(path)
    assert list(frame["uuid"]) == [r.client_uuid for r in _responses()]
    assert frame["submitted_at"][0] == pd.Timestamp("2026-03-01 10:30:00")
    assert list(frame["repeat_suspected"]) == [0.0, 1.0] and frame["bad_comment"][0] == HOSTILE[0]
    assert meta.column_names_to_labels["site_code"] == "服务点代码（采集地点）"
    assert meta.variable_value_labels["overall"][5.0] == "非常满意"
    assert "phone" not in frame.columns


def test_dta_export_with_design_variables(tmp_path):
    """The Stata download joins the design variables by response id and labels them."""
    q = from_dict(_document())
    design = pd.DataFrame({"uuid": [r.client_uuid for r in _responses()], "stratum": ["窗口", "窗口"],
                           "psu": [1, 2], "base_weight": [10.0, 12.5]})
    path = tmp_path / "x.dta"
    path.write_bytes(to_dta(q, response_frame(q, _responses()), design=design, language="en"))
    with pd.read_stata(path, iterator=True) as reader:
        labels = reader.variable_labels()
        frame = reader.read(convert_categoricals=False)
    assert list(frame["base_weight"]) == [10.0, 12.5] and list(frame["stratum"]) == ["窗口", "窗口"]
    assert labels["base_weight"] == "Base weight (inverse of the inclusion probability)"
    assert labels["overall"] == q.question("overall").label.get("en")


def test_personal_answers_only_with_the_explicit_option(tmp_path):
    """Identifying answers handed over for an audited request still need include_personal=True."""
    q = from_dict(_document())
    frame = response_frame(q, _responses(), personal={2: {"phone": "13900000000"}})
    with pytest.raises(ExportError) as refused:
        to_dta(q, frame)
    assert refused.value.code is ExportErrorCode.PERSONAL_DATA
    path = tmp_path / "x.dta"
    path.write_bytes(to_dta(q, frame, include_personal=True))
    assert list(pd.read_stata(path)["phone"]) == ["", "13900000000"]
    assert "phone" not in response_frame(q, _responses()).columns
