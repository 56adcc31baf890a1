"""Hostile files given to every importer: sampling frames (CSV, Excel), the unit import CSV and
the questionnaire upload.

An importer either takes the file or refuses it with the project's typed error saying where
(line, column, JSON path); a ``KeyError``, ``zipfile.BadZipFile`` or ``UnicodeDecodeError``
escaping would be a traceback in the CLI and a 500 on the web.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from survey_engine.errors import SamplingError
from survey_engine.sampling import load_frame
from survey_engine.store.models import Role
from survey_engine.store.supervision import SupervisionError
from survey_engine.store.unit_import import OPTIONAL_COLUMNS, REQUIRED_COLUMNS, decode_csv, import_units
from tests.web.helpers import login, make_user, window_campaign

QUICK = settings(max_examples=120, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
WEB = settings(max_examples=40, deadline=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
SLOW = settings(max_examples=1500, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

HOSTILE_CELLS = st.sampled_from([
    "", " ", "NaN", "nan", "inf", "-inf", "1e400", "0", "-1", "0.5", "1", "2", "=cmd|' /C calc'!A0", "+1", "@SUM(A1)",
    "\x00", "a\x00b", '"', '""', '"unterminated', "\r", "\n", "\r\n", ",", ";", "\t", "\ufeff", "é", "客户", "\U0001f600",
    "A", "B", "C", "D", "E", "x" * 600, "9" * 30,
])
CELLS = HOSTILE_CELLS | st.text(max_size=12)
NAMES = st.sampled_from([*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS, "id", "stratum", "size", "cluster", "phone", ""]) | CELLS


def _csv_line(cells: list[str], separator: str) -> str:
    """Cells joined as a spreadsheet would write them, quoting only sometimes (hostile files do not)."""
    return separator.join(f'"{c}"' if "," in c and len(c) % 2 else c for c in cells)


@st.composite
def csv_texts(draw: st.DrawFn, header: st.SearchStrategy[str] = NAMES) -> str:
    """A CSV-ish text: a header of likely and unlikely names, ragged rows of hostile cells."""
    names = draw(st.lists(header, min_size=0, max_size=8))
    rows = draw(st.lists(st.lists(CELLS, max_size=len(names) + 2), max_size=8))
    separator = draw(st.sampled_from([",", ",", ";", "\t"]))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return ending.join(_csv_line(r, separator) for r in [names, *rows]) + draw(st.sampled_from(["", ending]))


def _encoded(text: str, encoding: str) -> bytes:
    return text.encode(encoding, "replace") if encoding != "utf-8" else text.encode("utf-8", "surrogatepass")


CSV_BYTES = (st.builds(_encoded, csv_texts(), st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16", "latin-1"]))
             | st.binary(max_size=200))
LOCATED_LINE = re.compile(r"^line \d+, column .+")


# -- sampling frames ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def frame_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("frames")


def _load_or_typed(path: Path, columns: dict) -> None:
    """A frame loads, or fails with a SamplingError naming the file (and its lines when it has problems)."""
    try:
        frame = load_frame(path, columns)
    except SamplingError as exc:
        assert exc.code is not None
        assert str(path) in exc.message or "frame" in exc.message
        for problem in exc.problems:
            assert problem.path and problem.message
    else:
        frame.summary()


def _mapping(draw: st.DrawFn, names: list[str]) -> dict:
    pick = st.sampled_from(names) if names else NAMES
    mapping = {"id": draw(pick)}
    for role in ("stratum", "size", "cluster"):
        if draw(st.booleans()):
            mapping[role] = draw(pick)
    if draw(st.booleans()):
        mapping["contact"] = draw(st.lists(pick, max_size=2))
    return mapping


@QUICK
@given(data=st.data(), raw=CSV_BYTES, suffix=st.sampled_from([".csv", ".CSV", ".txt"]))
def test_csv_frames_load_or_fail_typed(frame_dir: Path, data: st.DataObject, raw: bytes, suffix: str) -> None:
    """Any CSV bytes with any column mapping: a Frame or a SamplingError, never a pandas or codec error."""
    path = frame_dir / f"frame{suffix}"
    path.write_bytes(raw)
    header = raw.split(b"\n", 1)[0].decode("utf-8", "replace").split(",")
    _load_or_typed(path, _mapping(data.draw, [h.strip() for h in header if h.strip()]))


@st.composite
def workbooks(draw: st.DrawFn) -> bytes:
    """An .xlsx file with a header row and rows of hostile cells (text, numbers, formulas, blanks)."""
    book = Workbook()
    sheet = book.active
    values = CELLS | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.none() | st.booleans()
    for row in draw(st.lists(st.lists(values, max_size=6), min_size=0, max_size=8)):
        # openpyxl refuses control characters in cells: keep what a spreadsheet can hold
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _truncate(data: bytes, cut: int) -> bytes:
    return data[: cut % (len(data) + 1)]


@QUICK
@given(data=st.data(), raw=workbooks() | st.binary(max_size=200)
       | st.builds(_truncate, workbooks(), st.integers(0, 10**6)) | st.just(b"PK\x03\x04" + b"\x00" * 40),
       suffix=st.sampled_from([".xlsx", ".xlsm"]))
def test_excel_frames_load_or_fail_typed(frame_dir: Path, data: st.DataObject, raw: bytes, suffix: str) -> None:
    """Any .xlsx bytes (valid workbook, truncated zip, random bytes): a Frame or a SamplingError."""
    path = frame_dir / f"frame{suffix}"
    path.write_bytes(raw)
    _load_or_typed(path, _mapping(data.draw, ["A", "B", "id", "stratum", "size"]))


# -- the unit import CSV (supervisor upload) -----------------------------------------------

@st.composite
def plausible_unit_files(draw: st.DrawFn) -> bytes:
    """A unit file with the right header and mostly right rows, hostile text in the free-text cells."""
    columns = [*REQUIRED_COLUMNS, *draw(st.lists(st.sampled_from(OPTIONAL_COLUMNS), unique=True))]
    lines = [",".join(columns)]
    for number in range(draw(st.integers(1, 5))):
        cell = {"unit_key": f"u{number}", "inclusion_probability": draw(st.sampled_from(["0.5", "1", "1e-9", "0.25"])),
                "kish_table": draw(st.sampled_from(["", "A", "B1", "F"]))}
        row = [cell.get(name) or draw(CELLS.map(lambda c: c.replace(",", " ").replace("\n", " ")
                                                 .replace("\r", " ").replace('"', "'")))
               for name in columns]
        lines.append(",".join(row))
    return "\n".join(lines).encode("utf-8", "surrogatepass")


UNIT_CSV = (plausible_unit_files() | st.builds(_encoded, csv_texts(NAMES | st.sampled_from(REQUIRED_COLUMNS)),
                      st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
            | st.builds(lambda rows: ("\n".join([",".join(REQUIRED_COLUMNS), *rows])).encode("utf-8", "surrogatepass"),
                        st.lists(st.lists(CELLS, min_size=3, max_size=7).map(",".join), max_size=6))
            | st.binary(max_size=200))


@pytest.fixture
def campaign(db):
    return window_campaign(db, slug="fuzz")


@QUICK
@given(raw=UNIT_CSV)
def test_unit_import_stores_all_or_fails_with_line_and_column(db, campaign, raw: bytes) -> None:
    """Any uploaded unit file: every unit stored, or a SupervisionError whose problems say line and column."""
    try:
        result = import_units(db, campaign, decode_csv(raw), seed=7, user_id=None)
    except SupervisionError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert LOCATED_LINE.match(problem.path), problem
    else:
        assert result.units >= 1
    finally:
        db.rollback()


# -- the same files through the web upload forms -------------------------------------------


@pytest.fixture
def supervisor(app, client, db):
    window_campaign(db)
    make_user(db, Role.ADMIN, "fuzz-admin")
    login(client, "fuzz-admin")
    return client


@WEB
@given(raw=UNIT_CSV)
def test_unit_upload_route_answers_200_or_400(supervisor, raw: bytes) -> None:
    """POSTing any unit file to the supervisor's import form is a page (200 or 400), never a 500."""
    reply = supervisor.post("/supervise/win/units/import", data={"units": (io.BytesIO(raw), "units.csv")},
                            content_type="multipart/form-data")
    assert reply.status_code in (200, 400), reply.status_code


BUNDLED = Path(__file__).resolve().parents[2] / "questionnaires"
QUESTIONNAIRE_BYTES = (st.binary(max_size=200)
                       | st.sampled_from(sorted(BUNDLED.glob("*.json"))).map(lambda p: p.read_bytes())
                       .flatmap(lambda b: st.builds(lambda cut, junk: b[:cut % len(b)] + junk + b[cut % len(b):],
                                                    st.integers(0, 10**6), st.binary(max_size=4)))
                       | st.sampled_from([b'{"format": NaN}', b"[" * 100_000, b'"\\ud800"', b"\xff\xfe{\x00}\x00"]))


@WEB
@given(raw=QUESTIONNAIRE_BYTES)
def test_questionnaire_upload_route_answers_302_or_400(supervisor, raw: bytes) -> None:
    """Uploading any file as a questionnaire stores it (302) or lists its problems (400), never a 500."""
    reply = supervisor.post("/admin/questionnaires", data={"document": (io.BytesIO(raw), "q.json")},
                            content_type="multipart/form-data")
    assert reply.status_code in (302, 400), reply.status_code


@pytest.mark.soak
@SLOW
@given(data=st.data(), raw=CSV_BYTES)
def test_many_csv_frames_load_or_fail_typed(frame_dir: Path, data: st.DataObject, raw: bytes) -> None:
    """As the quick CSV frame test, with many more examples."""
    path = frame_dir / "frame.csv"
    path.write_bytes(raw)
    _load_or_typed(path, _mapping(data.draw, ["A", "B", "id", "stratum", "size", "unit_key"]))


@pytest.mark.parametrize("mapping", [{}, {"id": "a", "weird": 1}, {"stratum": "s"}, {"id": "a", "contact": 5},
                                     {"id": ["a"]}, {"id": "a", "keep": [None]}, {"id": ""}])
def test_bad_frame_mappings_are_refused_typed(frame_dir: Path, mapping: dict) -> None:
    """A design file's frame mapping of the wrong shape is a SamplingError, not a TypeError or KeyError."""
    path = frame_dir / "mapping.csv"
    path.write_text("a,s\n1,x\n", encoding="utf-8")
    with pytest.raises(SamplingError):
        load_frame(path, mapping)
