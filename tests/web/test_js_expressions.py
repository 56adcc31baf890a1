"""The JavaScript expression language (``survey_engine/web/static/js/expressions.js``) and the
page helper ``skip_logic.js``, run under Node: the conformance vectors, the API the page uses,
and a seeded differential run against the Python implementation.

Without ``node`` these tests are skipped locally but fail when ``CI`` is set: CI must run them.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from survey_engine.errors import ExpressionError
from survey_engine.instruments.expressions import (
    FUNCTIONS, MAX_DEPTH, MAX_LENGTH, ExpressionErrorCode, evaluate,
)

TESTS_DIR = Path(__file__).resolve().parent
REPO_DIR = TESTS_DIR.parent.parent
JS_DIR = TESTS_DIR / "js"
VECTORS_FILE = REPO_DIR / "tests" / "instruments" / "expression_vectors.json"
SUMMARY = re.compile(r"^(\d+) passed, (\d+) failed$")


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI"):
            pytest.fail("node is not installed but CI is set: the JavaScript expression tests must run in CI")
        pytest.skip("node is not installed")
    return node


def _run(script: str, *args: str) -> tuple[subprocess.CompletedProcess[str], int, int]:
    """Run a node script from the repository root; returns the process and its final counts."""
    process = subprocess.run([_node(), str(JS_DIR / script), *args], cwd=REPO_DIR, capture_output=True,
                             text=True, encoding="utf-8", timeout=120, check=False)
    lines = process.stdout.strip().splitlines()
    match = SUMMARY.match(lines[-1]) if lines else None
    assert match is not None, f"no summary line from {script}:\n{process.stdout}\n{process.stderr}"
    return process, int(match.group(1)), int(match.group(2))


def test_js_passes_every_conformance_vector() -> None:
    """node run_vectors.mjs passes every vector of expression_vectors.json and exits 0."""
    total = len(json.loads(VECTORS_FILE.read_text(encoding="utf-8"))["vectors"])
    process, passed, failed = _run("run_vectors.mjs")
    assert process.returncode == 0, process.stdout + process.stderr
    assert (passed, failed) == (total, 0), process.stdout


def test_js_runner_reports_failures(tmp_path: Path) -> None:
    """The runner counts a wrong expected value and a wrong error position as failures and exits non-zero."""
    vectors = {"vectors": [
        {"id": "ok", "expression": "1 + 1", "answers": {}, "current": None, "now": None, "expect": 2},
        {"id": "bad-value", "expression": "1 + 1", "answers": {}, "current": None, "now": None, "expect": 3},
        {"id": "bad-type", "expression": "1", "answers": {}, "current": None, "now": None, "expect": True},
        {"id": "bad-position", "expression": "1 +", "answers": {}, "current": None, "now": None,
         "error": {"code": "PARSE_UNEXPECTED_END", "position": 2}},
    ]}
    path = tmp_path / "vectors.json"
    path.write_text(json.dumps(vectors), encoding="utf-8")
    process, passed, failed = _run("run_vectors.mjs", str(path))
    assert process.returncode != 0
    assert (passed, failed) == (1, 3)
    assert "FAIL bad-position" in process.stdout


def test_js_api_checks() -> None:
    """The API the page uses (parse once/evaluate many, references, codeUses, toBool, errors) behaves as documented."""
    process, passed, failed = _run("api_checks.mjs")
    assert process.returncode == 0 and failed == 0 and passed > 0, process.stdout + process.stderr


def test_skip_logic_checks() -> None:
    """skip_logic.js reads answers as the server does, decides relevance in document order and wires the DOM."""
    process, passed, failed = _run("skip_logic_checks.mjs")
    assert process.returncode == 0 and failed == 0 and passed > 0, process.stdout + process.stderr


def test_js_registry_limits_and_codes_match_python() -> None:
    """expressions.js has Python's functions (names, signatures, arities), limits and error codes."""
    module = (REPO_DIR / "survey_engine" / "web" / "static" / "js" / "expressions.js").as_uri()
    script = (f"import * as m from {json.dumps(module)};"
              "console.log(JSON.stringify({functions: Object.values(m.FUNCTIONS).map(f => [f.name, f.signature, f.min, f.max]),"
              "codes: Object.values(m.ExpressionErrorCode), limits: [m.MAX_LENGTH, m.MAX_DEPTH]}));")
    process = subprocess.run([_node(), "--input-type=module", "-e", script], capture_output=True, text=True,
                             encoding="utf-8", timeout=60, check=False)
    assert process.returncode == 0, process.stderr
    js = json.loads(process.stdout)
    assert sorted(map(tuple, js["functions"])) == sorted(
        (spec.name, spec.signature, spec.min_args, spec.max_args) for spec in FUNCTIONS.values())
    assert sorted(js["codes"]) == sorted(code.value for code in ExpressionErrorCode)
    assert js["limits"] == [MAX_LENGTH, MAX_DEPTH]


# -- differential run: random expressions, Python's results as the expected values ----------

_ATOMS = ["1", "0", "2.5", "-3", "1e21", "0.1", "1e-7", "7", "1.005", "-0.5", "123456789.125", "0.000001234",
          "'a'", "'b'", "'NA'", "''", "null", "true", "false", "'😀'", "'\\uffff'", "'满意'",
          "{a}", "{b}", "{m}", "{n}", "{d}", "{s}", "{.}", "{x}", "'2024-02-29'", "'2000-02-29'",
          "'1990-06-15T10:00'", "[1, 2]", "['a', 'b']", "[]"]
_FUNCTIONS = ["selected", "count_selected", "empty", "not_empty", "if", "coalesce", "min", "max", "sum", "mean",
              "round", "floor", "ceil", "abs", "number", "string", "concat", "length", "contains", "regex",
              "today", "now", "date", "age", "days_between", "add_days", "year", "month", "day", "foo"]
_OPERATORS = ["+", "-", "*", "/", "div", "mod", "=", "==", "!=", "<", "<=", ">", ">=", "in", "not in", "and", "or"]
_PATTERN_PIECES = list("ab.-*+?{}[]()|^$,0:é😀") + ["{2}", "{1,3}", "{2,}", "(?:", "\\d", "\\s", "[a-z]", "\\\\", "\\."]
_ANSWERS = [
    {},
    {"a": 3, "b": "x", "m": ["a", "b"], "n": 0, "d": "2024-06-15", "s": "满意😀"},
    {"a": "NA", "b": 2.5, "m": "a", "n": -7, "d": "2023-02-28", "s": "aaa"},
    {"a": True, "b": None, "m": [1, 2], "n": 1e300, "d": "bad", "s": ""},
]


def _pattern(rng: random.Random) -> str:
    pattern = "".join(rng.choice(_PATTERN_PIECES) for _ in range(rng.randint(1, 6)))
    return "'" + pattern.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _expression(rng: random.Random, depth: int = 0) -> str:
    roll = rng.random()
    if depth > 3 or roll < 0.3:
        return rng.choice(_ATOMS)
    if roll < 0.55:
        return f"{_expression(rng, depth + 1)} {rng.choice(_OPERATORS)} {_expression(rng, depth + 1)}"
    if roll < 0.6:
        return f"not {_expression(rng, depth + 1)}"
    if roll < 0.65:
        return f"({_expression(rng, depth + 1)})"
    name = rng.choice(_FUNCTIONS)
    if name == "regex":
        return f"regex({_expression(rng, depth + 1)}, {_pattern(rng)})"
    arguments = ", ".join(_expression(rng, depth + 1) for _ in range(rng.choice([0, 1, 1, 2, 2, 3])))
    return f"{name}({arguments})"


def _differential_vectors(seed: int, count: int) -> list[dict]:
    rng = random.Random(seed)
    vectors = []
    for index in range(count):
        text = _expression(rng)
        if rng.random() < 0.1:  # a stray character somewhere: lexer and parser error paths
            cut = rng.randrange(len(text) + 1)
            text = text[:cut] + rng.choice("(){}[]'\",.@!&|-+ \u3000\\") + text[cut:]
        answers = rng.choice(_ANSWERS)
        current = rng.choice([None, 5, "x", ["a"]])
        now = rng.choice(["2024-06-15T10:30:00", "2024-01-02", "2000-02-29T23:59"])
        vector = {"id": f"diff-{index}", "expression": text, "answers": answers, "current": current, "now": now}
        try:
            value = evaluate(text, answers, current=current, now=now)
        except ExpressionError as error:
            vector["error"] = {"code": error.code.value, "position": error.position}
        else:
            assert not (isinstance(value, float) and not math.isfinite(value))
            vector["expect"] = value
        vectors.append(vector)
    return vectors


def test_js_matches_python_on_random_expressions(tmp_path: Path) -> None:
    """On 3000 seeded random expressions (values, parse and run-time errors alike) the JavaScript results equal Python's."""
    vectors = _differential_vectors(seed=20261123, count=3000)
    assert sum("expect" in v for v in vectors) > 500 and sum("error" in v for v in vectors) > 500
    path = tmp_path / "differential.json"
    path.write_text(json.dumps({"vectors": vectors}, ensure_ascii=False), encoding="utf-8")
    process, passed, failed = _run("run_vectors.mjs", str(path))
    assert process.returncode == 0 and (passed, failed) == (len(vectors), 0), process.stdout[-4000:]
