"""Hostile input to the questionnaire language: validator, loader, expression parser, answer checks.

Whatever an author uploads or a client submits, the pure library answers with the project's
own typed errors (``QuestionnaireError`` with located problems, ``ExpressionError``) or with a
result — never ``KeyError``, ``TypeError``, ``RecursionError`` and the like, which the web layer
would turn into a 500.
"""

from __future__ import annotations

import copy
import json
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from survey_engine.errors import ExpressionError, QuestionnaireError
from survey_engine.instruments import from_dict, loads, problems_in_file, validate_document
from survey_engine.instruments.answers import check_answers, visible_pages
from survey_engine.instruments.derived import derived
from survey_engine.instruments.expressions import FUNCTIONS, parse, to_bool
from survey_engine.instruments.model import Questionnaire

BUNDLED = Path(__file__).resolve().parents[2] / "questionnaires"
DOCUMENTS = {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(BUNDLED.glob("*.json"))}
INSTRUMENTS = {name: from_dict(doc) for name, doc in DOCUMENTS.items()}

QUICK = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: Whole bundled questionnaires take ~0.1 s each to validate: fewer examples keep the file under a minute.
DOCUMENT = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- strategies ---------------------------------------------------------------------------

_HOSTILE_TEXT = st.sampled_from([
    "", "NaN", "Infinity", "-Infinity", "null", "\x00", "a\x00b", "\ud800", "\U0001f600", "{", "{}", "{q1}",
    "'", "\\", "<script>alert(1)</script>", "=1+1", "../../etc/passwd", "é" * 300, "0" * 400, "1e400",
    "today()", "sections", "type", "id", "choices", "q1",
])
TEXT = st.text(max_size=30) | _HOSTILE_TEXT
NUMBERS = (st.integers() | st.integers(min_value=-(10**400), max_value=10**400)
           | st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0, -1, 2**63, -(2**64), 10**30]))
SCALARS = st.none() | st.booleans() | NUMBERS | TEXT
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5),
                    max_leaves=25)
#: Plain JSON only (what ``json.dumps`` writes without NaN): used for text round trips.
STRICT_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5), max_leaves=25)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (tuple of keys / indexes) inside a JSON tree, the root excluded."""
    found = []
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return found
    for key, value in items:
        found.append((*prefix, key))
        found.extend(_paths(value, (*prefix, key)))
    return found


def _get(node: Any, path: tuple) -> Any:
    for part in path:
        node = node[part]
    return node


@st.composite
def mutated_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A bundled questionnaire with 1–6 keys or values deleted, replaced, duplicated or moved."""
    doc = copy.deepcopy(DOCUMENTS[draw(st.sampled_from(sorted(DOCUMENTS)))])
    for _ in range(draw(st.integers(1, 6))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, last = _get(doc, path[:-1]), path[-1]
        action = draw(st.sampled_from(["delete", "replace", "duplicate", "copy_from", "rename", "scalar"]))
        if action == "delete":
            del parent[last]
        elif action == "replace":
            parent[last] = draw(JSON)
        elif action == "scalar":
            parent[last] = draw(SCALARS)
        elif action == "duplicate":
            value = copy.deepcopy(parent[last])
            if isinstance(parent, list):
                parent.insert(draw(st.integers(0, len(parent))), value)
            else:
                parent[draw(TEXT)] = value
        elif action == "copy_from":
            # a value from elsewhere in the document (same ids twice, a section where a choice goes, ...)
            parent[last] = copy.deepcopy(_get(doc, draw(st.sampled_from(paths))))
        elif isinstance(parent, dict):
            parent[draw(TEXT)] = parent.pop(last)
    return doc


def _nested(depth: int, leaf: Any, kind: str) -> Any:
    node = leaf
    for _ in range(depth):
        node = [node] if kind == "list" else {"sections": node}
    return node


# -- assertions ---------------------------------------------------------------------------


def _located(exc: QuestionnaireError) -> None:
    """A questionnaire error lists at least one problem, each saying where it is."""
    assert exc.problems, f"no located problems in {exc!r}"
    for problem in exc.problems:
        assert problem.path, f"problem without a location: {problem!r}"
        assert problem.message


def _build_or_located(doc: Any) -> Questionnaire | None:
    try:
        return from_dict(doc)
    except QuestionnaireError as exc:
        _located(exc)
        return None


# -- questionnaire validator and loader ---------------------------------------------------


@QUICK
@given(doc=st.dictionaries(TEXT, JSON, max_size=8))
def test_arbitrary_dict_is_refused_with_located_problems(doc: dict) -> None:
    """Any JSON object is either a questionnaire or a QuestionnaireError listing located problems."""
    _build_or_located(doc)


@QUICK
@given(doc=JSON)
def test_arbitrary_json_value_never_crashes_the_validator(doc: Any) -> None:
    """The validator reports problems of any JSON value (list, number, null) instead of crashing."""
    if not isinstance(doc, dict):
        problems = validate_document(doc)  # type: ignore[arg-type]
        assert problems and all(p.path for p in problems)
    else:
        _build_or_located(doc)


@DOCUMENT
@given(doc=mutated_documents())
def test_mutated_bundled_questionnaires_build_or_fail_located(doc: dict) -> None:
    """Deleting, replacing, duplicating or moving parts of a real questionnaire never crashes."""
    _build_or_located(doc)


@st.composite
def poisoned_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A bundled questionnaire with one leaf (number or text) replaced by a hostile scalar."""
    doc = copy.deepcopy(DOCUMENTS[draw(st.sampled_from(sorted(DOCUMENTS)))])
    leaves = [p for p in _paths(doc) if not isinstance(_get(doc, p), (dict, list))]
    path = draw(st.sampled_from(leaves))
    _get(doc, path[:-1])[path[-1]] = draw(st.sampled_from(
        [float("nan"), float("inf"), -float("inf"), 10**400, -(2**64), "a\x00b", "\ud800", "", " ", True, None]))
    return doc


@DOCUMENT
@given(doc=poisoned_documents())
def test_hostile_scalars_in_a_real_questionnaire_fail_located(doc: dict) -> None:
    """NaN, infinities, NUL characters and huge numbers in one place: a located problem or a hashable instrument."""
    instrument = _build_or_located(doc)
    if instrument is not None:
        assert len(instrument.content_hash) == 64


@QUICK
@given(text=st.text(max_size=200) | STRICT_JSON.map(json.dumps))
def test_arbitrary_text_is_loaded_or_refused_with_line_and_column(text: str) -> None:
    """``loads`` on any text: a questionnaire, or problems located by line/column or JSON path."""
    try:
        loads(text)
    except QuestionnaireError as exc:
        _located(exc)


@DOCUMENT
@given(doc=mutated_documents(), cut=st.integers(0, 10**6), junk=st.text(max_size=5))
def test_corrupted_questionnaire_text_is_refused_with_line_and_column(doc: dict, cut: int, junk: str) -> None:
    """A questionnaire file cut short or with stray characters inserted fails with its position."""
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    position = cut % (len(text) + 1)
    try:
        loads(text[:position] + junk + text[position + 1:])
    except QuestionnaireError as exc:
        _located(exc)


@pytest.mark.parametrize("kind", ["list", "dict"])
@pytest.mark.parametrize("depth", [200, 900, 5_000, 100_000])
def test_deeply_nested_documents_fail_as_questionnaire_errors(kind: str, depth: int) -> None:
    """Nesting far beyond any questionnaire (as text or as a dict) is refused, never a RecursionError."""
    opening, closing = ("[", "]") if kind == "list" else ('{"sections":', "}")
    with pytest.raises(QuestionnaireError) as caught:
        loads('{"id": "deep", "sections": ' + opening * depth + "[]" + closing * depth + "}")
    _located(caught.value)
    if depth <= 5_000:
        with pytest.raises(QuestionnaireError) as caught:
            from_dict({"id": "deep", "sections": _nested(depth, [], kind)})
        _located(caught.value)


@pytest.fixture(scope="module")
def upload_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("uploads")


@DOCUMENT
@given(data=st.binary(max_size=300) | STRICT_JSON.map(lambda d: json.dumps(d).encode("utf-16", "surrogatepass"))
       | mutated_documents().map(lambda d: json.dumps(d, ensure_ascii=False).encode("utf-8", "surrogatepass")))
def test_problems_in_file_lists_problems_for_any_bytes(upload_dir: Path, data: bytes) -> None:
    """``problems_in_file`` (what ``survey-engine validate`` prints) returns located problems for any file."""
    path = upload_dir / "upload.json"
    path.write_bytes(data)
    for problem in problems_in_file(path):
        assert problem.path and problem.message


def test_a_directory_given_as_questionnaire_file_is_a_located_problem(upload_dir: Path) -> None:
    """``survey-engine validate some_folder/`` reports the path instead of an IsADirectoryError."""
    problems = problems_in_file(upload_dir)
    assert [p.path for p in problems] == [str(upload_dir)]


# -- expression parser --------------------------------------------------------------------

_TOKENS = [*FUNCTIONS, "(", ")", "[", "]", ",", "{q1}", "{.}", "{age}", "{", "}", "'a'", '"b"', "'", "1", "2.5",
           "1e999", "-", "+", "*", "/", "%", "=", "!=", "<", "<=", ">", ">=", "and", "or", "not", "in", "true",
           "false", "null", "''", "\\", "\x00", "é", "{q1", "'unterminated", "0x10", "1..2", "$", "`"]
EXPRESSION_TEXT = (st.text(max_size=80) | st.text(alphabet=string.printable, max_size=80)
                   | st.lists(st.sampled_from(_TOKENS), max_size=25).map(" ".join)
                   | st.lists(st.sampled_from(_TOKENS), max_size=25).map("".join))
#: Every relevance, calculation and constraint expression of the bundled questionnaires.
BUNDLED_EXPRESSIONS = sorted({_get(doc, path) for doc in DOCUMENTS.values() for path in _paths(doc)
                              if path[-1] in ("relevance", "calculation", "expression")
                              and isinstance(_get(doc, path), str)})


@QUICK
@given(text=EXPRESSION_TEXT)
def test_expression_parser_raises_only_expression_errors(text: str) -> None:
    """Any text either parses or fails with an ExpressionError carrying a code."""
    try:
        parse(text)
    except ExpressionError as exc:
        assert exc.code is not None


@QUICK
@given(value=JSON)
def test_expression_parser_refuses_non_text(value: Any) -> None:
    """A non-string 'expression' (from a hostile document) is an ExpressionError, not a TypeError."""
    assume(not isinstance(value, str))
    with pytest.raises(ExpressionError):
        parse(value)


@pytest.mark.parametrize("text", ["(" * 5000 + "1" + ")" * 5000, "-" * 3990 + "1", "not " * 999 + "true",
                                  "if(" * 1300 + "1" + ",1,1)" * 1300, "[" * 2000 + "]" * 2000, "'" + "a" * 5000])
def test_pathological_expressions_fail_typed(text: str) -> None:
    """Deep nesting and over-long text are refused with TOO_DEEP / TOO_LONG, not a RecursionError."""
    with pytest.raises(ExpressionError):
        parse(text)


@QUICK
@given(expression=st.sampled_from(BUNDLED_EXPRESSIONS) | EXPRESSION_TEXT,
       answers=st.dictionaries(st.sampled_from(["q1", "age", "needs", "patents_held", "region_city"]) | TEXT, JSON,
                               max_size=6),
       current=JSON, now=st.none() | TEXT | st.datetimes() | st.dates())
def test_evaluating_on_hostile_answers_raises_only_expression_errors(expression: str, answers: dict, current: Any,
                                                                     now: Any) -> None:
    """Evaluating an expression on any answers gives a value or an ExpressionError."""
    try:
        value = parse(expression).evaluate(answers, current=current, now=now)
        to_bool(value)
    except ExpressionError as exc:
        assert exc.code is not None


# -- response validator -------------------------------------------------------------------


@st.composite
def answer_sets(draw: st.DrawFn) -> tuple[Questionnaire, dict[str, Any]]:
    """A bundled questionnaire and answers keyed by its own ids (and strangers) with any values."""
    instrument = INSTRUMENTS[draw(st.sampled_from(sorted(INSTRUMENTS)))]
    known = sorted(derived(instrument).known_ids)
    ids = st.sampled_from(known) | st.sampled_from(known).map(lambda k: f"{k}/other") | TEXT
    codes = st.sampled_from(["1", "2", "3", "4", "5", "other", "none", "yes", "no", "enterprise"])
    values = JSON | codes | st.lists(codes, max_size=4) | st.integers(-5, 200) | st.sampled_from(
        ["2026-02-30", "2026-01-01", "0000-00-00", "9999-12-31T99:99", "1e400", "-0", " 3 "])
    return instrument, draw(st.dictionaries(ids, values, max_size=12))


@QUICK
@given(case=answer_sets(), mode=st.sampled_from(["online", "intercept", "household"]) | TEXT,
       page=st.none() | TEXT, now=st.none() | TEXT | st.datetimes() | st.dates())
def test_check_answers_returns_problems_and_never_raises(case: tuple, mode: str, page: str | None, now: Any) -> None:
    """Any answers give an AnswerCheck (ok, or problems keyed by answer id) — never an exception."""
    instrument, answers = case
    check = check_answers(instrument, answers, mode=mode, now=now, page=page)
    for problem in check.problems:
        assert isinstance(problem.answer_id, str) and problem.message.get("zh") and problem.message.get("en")
    check.messages("en")
    visible_pages(instrument, answers, mode=mode, now=now)


@st.composite
def rewired_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A bundled questionnaire whose relevance, constraint and calculation expressions are swapped for
    earlier ones of the same document, so still-valid routing meets answers of unexpected types."""
    doc = copy.deepcopy(DOCUMENTS[draw(st.sampled_from(sorted(DOCUMENTS)))])
    sites = [p for p in _paths(doc) if p[-1] in ("relevance", "calculation", "expression")
             and isinstance(_get(doc, p), str)]
    for path in draw(st.lists(st.sampled_from(sites), min_size=1, max_size=4)):
        _get(doc, path[:-1])[path[-1]] = _get(doc, draw(st.sampled_from(sites[:sites.index(path) + 1])))
    return doc


@DOCUMENT
@given(doc=rewired_documents(), values=st.lists(JSON, max_size=12), mode=st.sampled_from(["online", "intercept"]))
def test_answers_to_a_rewired_questionnaire_never_raise(doc: dict, values: list, mode: str) -> None:
    """A questionnaire with swapped (still valid) expressions checks any answers without crashing."""
    instrument = _build_or_located(doc)
    assume(instrument is not None)
    answers = dict(zip(sorted(derived(instrument).known_ids), values))
    check_answers(instrument, answers, mode=mode)
    visible_pages(instrument, answers, mode=mode)


# -- longer runs --------------------------------------------------------------------------


@pytest.mark.soak
@SLOW
@given(doc=mutated_documents())
def test_many_mutated_questionnaires_build_or_fail_located(doc: dict) -> None:
    """As the quick mutation test, with many more examples."""
    _build_or_located(doc)


@pytest.mark.soak
@SLOW
@given(text=EXPRESSION_TEXT)
def test_many_expressions_raise_only_expression_errors(text: str) -> None:
    """As the quick parser test, with many more examples."""
    try:
        parse(text)
    except ExpressionError as exc:
        assert exc.code is not None


@pytest.mark.soak
@SLOW
@given(case=answer_sets(), mode=st.sampled_from(["online", "intercept", "household"]))
def test_many_answer_sets_never_raise(case: tuple, mode: str) -> None:
    """As the quick answer test, with many more examples."""
    instrument, answers = case
    check_answers(instrument, answers, mode=mode)
