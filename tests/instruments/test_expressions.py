"""Focused tests of the expression language: public API, safety limits, static analysis and
properties; the behaviour of operators and functions is pinned by the conformance vectors
(``test_expression_vectors.py``)."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import json
import math
import random
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import survey_engine.instruments.expressions as expressions
from survey_engine.errors import ExpressionError, SurveyEngineError
from survey_engine.instruments.expressions import (
    FUNCTIONS, MAX_DEPTH, MAX_LENGTH, CodeUse, Expression, ExpressionErrorCode as Code,
    evaluate, format_number, parse, to_bool,
)

PACKAGE_DIR = Path(expressions.__file__).parent


def _error(text: str, answers: dict | None = None, **kwargs: object) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        evaluate(text, answers or {}, **kwargs)
    return caught.value


# -- public API ------------------------------------------------------------------------------

def test_public_names() -> None:
    """The package exports exactly its curated API."""
    assert set(expressions.__all__) == {
        "parse", "evaluate", "Expression", "ExpressionErrorCode", "FUNCTIONS", "FunctionSpec",
        "to_bool", "CodeUse", "format_number", "check_pattern", "full_match", "MAX_LENGTH", "MAX_DEPTH"}
    for name in expressions.__all__:
        assert hasattr(expressions, name)


def test_parse_returns_frozen_expression_with_static_facts() -> None:
    """parse() gives an immutable Expression listing references, {.} use and functions."""
    e = parse("selected({q3}, 'b') and {.} <= max({q1}, {q2}) + age({dob}, today())")
    assert isinstance(e, Expression)
    assert e.source == "selected({q3}, 'b') and {.} <= max({q1}, {q2}) + age({dob}, today())"
    assert e.references == frozenset({"q1", "q2", "q3", "dob"})
    assert e.uses_current is True
    assert e.functions == frozenset({"selected", "max", "age", "today"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.source = "1"  # type: ignore[misc]


def test_expression_without_current_or_functions() -> None:
    """An expression with only references reports no {.} use and no functions."""
    e = parse("{a} + {b} * 2 > {a}")
    assert e.references == frozenset({"a", "b"})
    assert e.uses_current is False
    assert e.functions == frozenset()


def test_parse_is_cached_and_evaluate_accepts_either_form() -> None:
    """Parsing the same text twice returns the same object; evaluate takes text or Expression."""
    assert parse("{x} * 2") is parse("{x} * 2")
    assert evaluate(parse("{x} * 2"), {"x": 4}) == evaluate("{x} * 2", {"x": 4}) == 8


def test_integral_results_are_ints_and_others_floats() -> None:
    """Integral doubles up to 2**53 come back as int, other numbers as float."""
    assert type(evaluate("1 + 2")) is int
    assert type(evaluate("1 / 4")) is float
    assert type(evaluate("9007199254740992 * 4")) is float
    assert evaluate("['a', 'b']") == ["a", "b"]


def test_errors_carry_code_position_and_message() -> None:
    """A parse error is an ExpressionError (a ValueError) with code, 0-based position and a located message."""
    err = _error("max(1, 2")
    assert isinstance(err, ValueError) and isinstance(err, SurveyEngineError)
    assert err.code is Code.PARSE_UNEXPECTED_END
    assert err.position == 8
    assert str(err) == "at position 8: expected ')' or ',' in the list but found end of expression"
    assert _error("(1 + 2").args[0] == (
        "at position 6: expected ')' to close the '(' at position 0 but found end of expression")


def test_unknown_function_suggests_a_close_name() -> None:
    """An unknown function name is reported with a suggestion and the known names."""
    err = _error("coalesec({a}, 1)")
    assert err.code is Code.UNKNOWN_FUNCTION and err.position == 0
    assert "did you mean coalesce()?" in str(err)


def test_keyword_case_hint() -> None:
    """Upper-case keywords are rejected with a hint to write them in lowercase."""
    assert "keywords are lowercase: write 'or'" in str(_error("{a} = 1 OR {b} = 2"))


def test_full_width_character_hint() -> None:
    """A full-width parenthesis (Chinese input method) is reported with its ASCII replacement."""
    err = _error("max\uff08{a}, 1)")
    assert err.code is Code.PARSE_UNEXPECTED_CHARACTER and err.position == 3
    assert "'('" in str(err)


def test_functions_registry_is_read_only_and_described() -> None:
    """FUNCTIONS cannot be modified and every spec has a signature, summary and consistent arity."""
    with pytest.raises(TypeError):
        FUNCTIONS["evil"] = FUNCTIONS["abs"]  # type: ignore[index]
    for name, spec in FUNCTIONS.items():
        assert spec.name == name and spec.signature.startswith(name + "(") and spec.summary
        assert spec.max_args is None or spec.min_args <= spec.max_args
        assert spec.accepts(spec.min_args)
        assert not spec.accepts(spec.min_args - 1) or spec.min_args == 0
    assert FUNCTIONS["round"].arity_text() == "1 to 2 arguments"
    assert FUNCTIONS["sum"].arity_text() == "at least 1 argument"


def test_every_function_is_documented_and_has_a_vector() -> None:
    """Each registered function appears in docs/expressions.md and in the conformance vectors."""
    root = Path(__file__).parents[2]
    docs = (root / "docs" / "expressions.md").read_text(encoding="utf-8")
    vectors = (Path(__file__).parent / "expression_vectors.json").read_text(encoding="utf-8")
    for name in FUNCTIONS:
        assert f"`{name}(" in docs, name
        assert f"{name}(" in vectors, name


def test_every_error_code_is_documented() -> None:
    """Each ExpressionErrorCode is explained in docs/expressions.md."""
    docs = (Path(__file__).parents[2] / "docs" / "expressions.md").read_text(encoding="utf-8")
    for code in Code:
        assert f"`{code.value}`" in docs, code


# -- to_bool ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "if_empty", "expected"), [
    (True, False, True), (False, True, False), (None, False, False), (None, True, True),
    ("", False, False), ([], True, True),
])
def test_to_bool_reads_booleans_and_empty(value: object, if_empty: bool, expected: bool) -> None:
    """to_bool keeps true/false and maps every form of empty to if_empty."""
    assert to_bool(value, if_empty=if_empty) is expected


@pytest.mark.parametrize("value", [1, 0, "yes", ["a"], 0.5])
def test_to_bool_refuses_truthiness(value: object) -> None:
    """Numbers, strings and lists are not conditions: to_bool raises TYPE_ERROR."""
    with pytest.raises(ExpressionError) as caught:
        to_bool(value)
    assert caught.value.code is Code.TYPE_ERROR


# -- clock -----------------------------------------------------------------------------------

def test_now_accepts_datetime_date_and_aware_datetime() -> None:
    """today()/now() read the given datetime or date; a time-zone offset is dropped (wall time)."""
    assert evaluate("now()", now=dt.datetime(2024, 1, 2, 3, 4, 5, 678)) == "2024-01-02T03:04:05"
    assert evaluate("today()", now=dt.date(2024, 2, 29)) == "2024-02-29"
    aware = dt.datetime(2024, 1, 2, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert evaluate("now()", now=aware) == "2024-01-02T23:30:00"
    assert evaluate("today()", now="2024-03-04T05:06:07+08:00") == "2024-03-04"


def test_without_now_the_local_clock_is_used() -> None:
    """With now=None, today() is the local date."""
    before = dt.date.today().isoformat()
    result = evaluate("today()")
    assert result in {before, dt.date.today().isoformat()}


def test_clock_is_read_only_when_needed() -> None:
    """An invalid now is only an error for expressions that read the clock."""
    assert evaluate("1 + 1", now="not a date") == 2
    assert _error("today()", now="not a date").code is Code.UNSUPPORTED_VALUE


# -- safety ----------------------------------------------------------------------------------

def test_no_eval_exec_or_dynamic_import_in_the_package() -> None:
    """The package source never calls eval, exec, compile, __import__ or importlib."""
    forbidden = {"eval", "exec", "compile", "__import__", "import_module"}
    for path in PACKAGE_DIR.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
                assert name not in forbidden or owner == "re", f"{path.name}: {name}"


@pytest.mark.parametrize("text", [
    "{__class__}", "{__builtins__} = 'x'", "empty({__dict__})",
])
def test_dunder_names_are_just_unanswered_questions(text: str) -> None:
    """Python-looking reference names are ordinary (missing) answers, never Python objects."""
    assert evaluate(text, {}) in (None, False, True)
    assert evaluate("{__class__}", {}) is None


@pytest.mark.parametrize("text", ["__import__('os')", "{a}.__class__", "getattr({a}, 'x')", "lambda: 1",
                                  "open('x')", "[x for x in y]", "{a}[0]"])
def test_python_syntax_is_rejected(text: str) -> None:
    """Python constructs are parse errors, never evaluated."""
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert caught.value.position is not None


@pytest.mark.parametrize("value", [object(), {"a": 1}, b"bytes", {1, 2}, ["a", None], [["a"]], 10 ** 400])
def test_unsupported_answer_values_are_refused(value: object) -> None:
    """Answers other than plain strings, numbers, booleans and flat lists raise UNSUPPORTED_VALUE."""
    assert _error("empty({a})", {"a": value}).code is Code.UNSUPPORTED_VALUE


def test_answers_must_be_a_mapping_and_expression_a_string() -> None:
    """Passing a list as answers or a non-string expression raises UNSUPPORTED_VALUE."""
    assert _error("{a}", ["a"]).code is Code.UNSUPPORTED_VALUE  # type: ignore[arg-type]
    with pytest.raises(ExpressionError) as caught:
        parse(12)  # type: ignore[arg-type]
    assert caught.value.code is Code.UNSUPPORTED_VALUE


def test_nan_and_numpy_answers() -> None:
    """A NaN answer (pandas' missing) is empty; numpy numbers are numbers."""
    np = pytest.importorskip("numpy")
    assert evaluate("empty({a})", {"a": float("nan")}) is True
    assert evaluate("{a} + {b}", {"a": np.int64(2), "b": np.float64(0.5)}) == 2.5


def _nest(kind: str, levels: int) -> str:
    if kind == "paren":
        return "(" * levels + "1" + ")" * levels
    if kind == "minus":
        return "-" * levels + "1"
    if kind == "not":
        return "not " * levels + "true"
    if kind == "call":
        return "abs(" * levels + "1" + ")" * levels
    if kind == "if":
        return "if(true, " * levels + "1" + ", 0)" * levels
    if kind == "list":
        return "1 in " + "[" * 1 + "(" * (levels - 1) + "1" + ")" * (levels - 1) + "]"
    return "1" + " + 1" * levels


@pytest.mark.parametrize("kind", ["paren", "minus", "not", "call", "if", "list", "plus"])
def test_nesting_limit_is_an_error_not_a_crash(kind: str) -> None:
    """Nesting beyond MAX_DEPTH is TOO_DEEP (no RecursionError); just inside the limit evaluates."""
    deep = _nest(kind, MAX_DEPTH * 3)
    assert _error(deep).code is Code.TOO_DEEP
    shallow = _nest(kind, MAX_DEPTH // 2)
    assert evaluate(shallow) is not None


def test_deepest_accepted_expression_evaluates() -> None:
    """An expression exactly MAX_DEPTH levels deep parses and evaluates."""
    text = _nest("if", MAX_DEPTH - 1)
    assert evaluate(text) == 1
    assert _error(_nest("if", MAX_DEPTH)).code is Code.TOO_DEEP


def test_huge_input_is_rejected_before_lexing() -> None:
    """Text longer than MAX_LENGTH is TOO_LONG, reported at the limit."""
    err = _error("1" * 10_000_000)
    assert err.code is Code.TOO_LONG and err.position == MAX_LENGTH


def test_wide_expressions_are_fine() -> None:
    """Width is not depth: a call with a thousand arguments evaluates."""
    text = "sum(" + ", ".join(["1"] * 1000) + ")"
    assert len(text) <= MAX_LENGTH
    assert evaluate(text) == 1000


def test_full_match_for_other_pattern_checks() -> None:
    """full_match applies the portable subset outside expressions and reports bad patterns as INVALID_PATTERN."""
    assert expressions.full_match("[0-9]{6}", "100000") is True
    assert expressions.full_match("[0-9]{6}", "1000000") is False
    assert expressions.check_pattern("(?i)abc") is not None
    with pytest.raises(ExpressionError) as caught:
        expressions.full_match("(a+)+", "aaa")
    assert caught.value.code is Code.INVALID_PATTERN


def test_regex_refuses_exponential_shapes() -> None:
    """Nested unbounded repeats are refused at parse time, so (a+)+ cannot stall the server."""
    assert _error("regex({t}, '(a*)*b')").code is Code.INVALID_PATTERN
    assert evaluate("regex({t}, '(?:ab?)+c?')", {"t": "a" * 900 + "x"}) is False


# -- static analysis -------------------------------------------------------------------------

def test_code_uses_lists_choice_codes_compared_with_answers() -> None:
    """code_uses() finds codes in selected(), =, != and in, with their positions."""
    text = "selected({q1}, 'a') or {q2} = 'b' or 'c' != {q3} or {q4} in ['d', 'e'] or {.} = 'f'"
    at = {code: text.index(f"'{code}'") for code in "abcdef"}
    assert parse(text).code_uses() == (
        CodeUse("q1", "a", at["a"]), CodeUse("q2", "b", at["b"]), CodeUse("q3", "c", at["c"]),
        CodeUse("q4", "d", at["d"]), CodeUse("q4", "e", at["e"]), CodeUse(None, "f", at["f"]))


def test_code_uses_ignores_non_literal_and_ordered_comparisons() -> None:
    """Comparisons with other answers, numbers or ordering operators are not code uses."""
    assert parse("{a} = {b} or {a} < 'x' or {n} = 3 or selected(concat({a}), 'x')").code_uses() == ()


def test_references_in_every_position() -> None:
    """References inside lists, function arguments, negation and not are all collected."""
    e = parse("not ({a} in [{b}, -{c}]) and coalesce({d}, [{e}]) = 1")
    assert e.references == frozenset("abcde")


# -- properties ------------------------------------------------------------------------------

_ALPHABET = st.sampled_from(list("0123456789.eE+-*/=!<>()[],{}'\" \\_abqnotdiv") + ["and", "or", "not",
                            "in", "mod", "null", "{q}", "{.}", "sum(", "if(", "selected(", "'x'"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_ALPHABET, max_size=30).map("".join))
def test_arbitrary_text_only_raises_expression_errors(text: str) -> None:
    """Any text either parses and evaluates, or raises ExpressionError — never another exception."""
    try:
        expression = parse(text)
        expression.evaluate({"q": 3, "a": "x"}, current="y", now="2024-01-01")
    except ExpressionError as exc:
        assert exc.code in Code
        assert exc.position is None or 0 <= exc.position <= len(text)


def _parsed_vector_expressions() -> list[Expression]:
    vectors = json.loads((Path(__file__).parent / "expression_vectors.json").read_text(encoding="utf-8"))
    parsed = []
    for vector in vectors["vectors"]:
        try:
            parsed.append(parse(vector["expression"]))
        except ExpressionError:
            continue
    return parsed


_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10 ** 20, 10 ** 20), st.floats(), st.text(max_size=12),
    st.sampled_from(["2024-02-29", "2023-02-29", "NA", "12.5", "a", "b", "", "1990-06-15T10:00:00"]),
)
_ANSWER = st.one_of(_SCALARS, st.lists(st.one_of(st.sampled_from(["a", "b", "1"]), st.integers(0, 5)), max_size=4))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_parsed_vector_expressions()), st.data())
def test_any_answers_only_raise_expression_errors(expression: Expression, data: st.DataObject) -> None:
    """Every valid vector expression, fed arbitrary answers of any type, returns a plain value or raises ExpressionError."""
    names = sorted(expression.references) + ["."]
    answers = {name: data.draw(_ANSWER, label=name) for name in names}
    current = answers.pop(".")
    try:
        result = expression.evaluate(answers, current=current, now="2024-06-15T10:30:00")
    except ExpressionError as exc:
        assert exc.code in Code
        return
    assert result is None or isinstance(result, (bool, int, float, str, list))
    assert not isinstance(result, float) or math.isfinite(result)


@settings(max_examples=400, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_format_number_round_trips(x: float) -> None:
    """string(x) reads back as exactly the same double (shortest round-trip digits)."""
    text = format_number(x)
    assert float(text) == x
    assert evaluate("number(string({x}))", {"x": x}) == x or (x == 0 and evaluate("string({x})", {"x": x}) == "0")


@pytest.mark.parametrize(("x", "js"), [
    (1e21, "1e+21"), (1e20, "100000000000000000000"), (123e-20, "1.23e-18"), (1e-6, "0.000001"),
    (1e-7, "1e-7"), (-1.5, "-1.5"), (2 ** 53, "9007199254740992"), (5e-324, "5e-324"),
    (1.7976931348623157e308, "1.7976931348623157e+308"), (0.1, "0.1"), (100.0, "100"),
])
def test_format_number_matches_javascript(x: float, js: str) -> None:
    """format_number reproduces JavaScript's Number.prototype.toString (outputs taken from node 18)."""
    assert format_number(x) == js


@pytest.mark.skipif(shutil.which("node") is None, reason="node.js is not installed")
def test_format_number_agrees_with_node_on_random_doubles() -> None:
    """For 3000 seeded random doubles of every magnitude, format_number equals node's String(x)."""
    rng = random.Random(20240615)
    values = [rng.uniform(-1, 1) * 10.0 ** rng.randint(-330, 308) for _ in range(2000)]
    values += [struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0] for _ in range(1000)]
    values = [v for v in values if math.isfinite(v)]
    script = "const xs = JSON.parse(require('fs').readFileSync(0, 'utf8')); console.log(JSON.stringify(xs.map(String)));"
    result = subprocess.run(["node", "-e", script], input=json.dumps(values), capture_output=True, text=True,
                            timeout=60, check=True)
    assert json.loads(result.stdout) == [format_number(v) for v in values]


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.integers(min_value=0, max_value=6))
def test_round_is_within_half_a_unit_and_has_at_most_digits_decimals(x: float, digits: int) -> None:
    """round(x, n) moves x by at most half a unit of the n-th decimal and prints with at most n decimals."""
    rounded = evaluate("round({x}, {n})", {"x": x, "n": digits})
    assert abs(rounded - x) <= 0.5 * 10 ** -digits * (1 + 1e-9)
    assert len(format_number(float(rounded)).partition(".")[2]) <= digits


def test_expressions_are_hashable_values() -> None:
    """Two parses of the same text are equal and hash alike; evaluation leaves the answers untouched."""
    answers = {"m": ["a", "b"], "n": 1}
    first = parse("count_selected({m}) + {n}")
    assert first == Expression(first.source, first.tree, first.references, first.uses_current, first.functions)
    assert hash(first) == hash(parse("count_selected({m}) + {n}"))
    assert first.evaluate(answers) == 3
    assert answers == {"m": ["a", "b"], "n": 1}
