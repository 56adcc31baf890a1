"""Import a drawn sample of households / enterprises from CSV as a campaign's field units.

Columns: ``unit_key``, ``label``, ``stratum``, ``psu``, ``inclusion_probability`` (all
required; stratum and psu may be empty), optional ``kish_table`` and optional ``name``,
``phone``, ``address`` — the contact columns go to ``frame_contacts``, kept apart from the
units and from any answers (PIPL).  Every problem is reported with its line and column and
nothing is stored unless the whole file is right.  Units without a Kish table get one from
:func:`survey_engine.sampling.household.assign_kish_tables` (exact 1/6–1/12 shares); the seed
is recorded in the audit entry.
"""

from __future__ import annotations

import csv
import io
import math
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_engine.errors import Problem
from survey_engine.sampling.household import KishTable, assign_kish_tables
from survey_engine.store.audit import record
from survey_engine.store.models import Campaign, FieldUnit, FrameContact
from survey_engine.store.supervision import SupervisionError, SupervisionErrorCode

__all__ = ["UnitImport", "import_units", "decode_csv", "REQUIRED_COLUMNS", "OPTIONAL_COLUMNS"]

REQUIRED_COLUMNS = ("unit_key", "label", "stratum", "psu", "inclusion_probability")
CONTACT_COLUMNS = ("name", "phone", "address")
OPTIONAL_COLUMNS = ("kish_table", *CONTACT_COLUMNS)
_LENGTHS = {"unit_key": 120, "label": 200, "stratum": 120, "psu": 120, "name": 200, "phone": 40, "address": 500}
_TABLES = {t.value for t in KishTable}


@dataclass(frozen=True, slots=True)
class UnitImport:
    """What an import stored: units, contacts, Kish tables assigned and the seed used."""

    units: int
    contacts: int
    kish_assigned: int
    kish_seed: int | None


def decode_csv(data: bytes) -> str:
    """The text of an uploaded file: UTF-8 (with or without BOM), else GB 18030 — the superset of
    GBK that Excel on Chinese Windows writes when saving "CSV"."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    problem = Problem("line 1, column (file)", "not UTF-8 or GB 18030 text; save the sample as CSV (UTF-8)",
                      SupervisionErrorCode.BAD_CSV)
    raise SupervisionError(str(problem), SupervisionErrorCode.BAD_CSV, (problem,))


def _bad(problems: list[Problem], line: int, column: str, message: str) -> None:
    problems.append(Problem(f"line {line}, column {column}", message, SupervisionErrorCode.BAD_CSV))


def _probability(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and 0 < value <= 1 else None


def _row(values: dict[str, str], line: int, seen: dict[str, int], problems: list[Problem]) -> dict[str, Any]:
    clean = {name: (values.get(name) or "").strip() for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)}
    for name in ("unit_key", "label", "inclusion_probability"):
        if not clean[name]:
            _bad(problems, line, name, "empty; every unit needs one")
    for name, value in clean.items():
        if "\x00" in value:  # PostgreSQL text refuses NUL; Excel never writes one into a cell
            _bad(problems, line, name, "contains a NUL character; remove it and save the file again")
    for name, limit in _LENGTHS.items():
        if len(clean[name]) > limit:
            _bad(problems, line, name, f"{len(clean[name])} characters; at most {limit}")
    key = clean["unit_key"]
    if key and key in seen:
        _bad(problems, line, "unit_key", f"{key!r} repeats line {seen[key]}; unit keys must be unique")
    seen.setdefault(key, line)
    probability = _probability(clean["inclusion_probability"]) if clean["inclusion_probability"] else None
    if clean["inclusion_probability"] and probability is None:
        _bad(problems, line, "inclusion_probability",
             f"{clean['inclusion_probability']!r} is not a number in (0, 1]")
    table = clean["kish_table"].upper()
    if table and table not in _TABLES:
        _bad(problems, line, "kish_table", f"{clean['kish_table']!r} is not one of {sorted(_TABLES)}")
    return {**clean, "inclusion_probability": probability, "kish_table": table or None}


def _read(text: str, existing: set[str]) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = [name.strip() for name in reader.fieldnames or []]
    except csv.Error as exc:  # e.g. a header field beyond the csv module's size limit (a binary file)
        problem = Problem("line 1, column (header)", f"not readable as CSV: {exc}", SupervisionErrorCode.BAD_CSV)
        raise SupervisionError(str(problem), SupervisionErrorCode.BAD_CSV, (problem,)) from None
    reader.fieldnames = header
    problems: list[Problem] = []
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)]
    for name in missing:
        _bad(problems, 1, name, "missing; the header needs " + ", ".join(REQUIRED_COLUMNS))
    for name in unknown:
        _bad(problems, 1, name or "(empty)", "unknown column; optional ones are " + ", ".join(OPTIONAL_COLUMNS))
    rows, seen = [], {}
    if not missing:
        try:
            for values in reader:
                line = reader.line_num
                if None in values:
                    _bad(problems, line, "(extra)", f"{len(header) + len(values[None])} fields; the header has "
                                                    f"{len(header)}")
                row = _row(values, line, seen, problems)
                if row["unit_key"] in existing:
                    _bad(problems, line, "unit_key", f"{row['unit_key']!r} is already a unit of this campaign")
                rows.append(row)
        except csv.Error as exc:
            _bad(problems, reader.line_num, "(file)", f"not readable as CSV: {exc}")
    if not rows and not problems:
        _bad(problems, 2, "(file)", "no units; the file has only a header")
    if problems:
        raise SupervisionError(f"{len(problems)} problem(s) in the unit file; nothing was imported: "
                               + "; ".join(str(p) for p in problems[:20]), SupervisionErrorCode.BAD_CSV,
                               tuple(problems))
    return rows


def import_units(session: Session, campaign: Campaign, text: str, *, seed: int | None = None,
                 user_id: int | None) -> UnitImport:
    """Store every unit of the CSV ``text`` (or none, raising :class:`SupervisionError` with each problem)."""
    existing = set(session.scalars(select(FieldUnit.unit_key).where(FieldUnit.campaign_id == campaign.id)))
    rows = _read(text, existing)
    without = [row for row in rows if row["kish_table"] is None]
    kish_seed = (secrets.randbelow(2**32) if seed is None else int(seed)) if without else None
    for row, table in zip(without, assign_kish_tables(len(without), kish_seed) if without else (), strict=True):
        row["kish_table"] = table.value
    contacts = {c.unit_key: c for c in session.scalars(select(FrameContact).where(
        FrameContact.campaign_id == campaign.id, FrameContact.unit_key.in_([row["unit_key"] for row in rows])))}
    stored_contacts = 0
    for row in rows:
        session.add(FieldUnit(campaign_id=campaign.id, unit_key=row["unit_key"], label=row["label"],
                              stratum=row["stratum"] or None, psu=row["psu"] or None,
                              inclusion_probability=row["inclusion_probability"], kish_table=row["kish_table"]))
        personal = {name: row[name] or None for name in CONTACT_COLUMNS}
        if any(personal.values()):
            contact = contacts.get(row["unit_key"]) or FrameContact(campaign_id=campaign.id, unit_key=row["unit_key"])
            for name, value in personal.items():
                setattr(contact, name, value)
            session.add(contact)
            stored_contacts += 1
    session.flush()
    result = UnitImport(len(rows), stored_contacts, len(without), kish_seed)
    record(session, "import_units", "campaign", campaign.id, user_id=user_id,
           details={"units": result.units, "contacts": result.contacts, "kish_assigned": result.kish_assigned,
                    "kish_seed": kish_seed})
    return result
