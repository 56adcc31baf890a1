"""Run the language-neutral conformance vectors (``expression_vectors.json``) against the
Python implementation; the JavaScript port will run the same file."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from survey_engine.errors import ExpressionError
from survey_engine.instruments.expressions import ExpressionErrorCode, evaluate

VECTORS_FILE = Path(__file__).parent / "expression_vectors.json"
DOCUMENT = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))
VECTORS = DOCUMENT["vectors"]


def _same(actual: object, expected: object) -> bool:
    """Type-strict equality with the documented tolerance for numbers."""
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        return type(actual) is type(expected) and actual == expected
    if isinstance(expected, (int, float)):
        return (isinstance(actual, (int, float)) and not isinstance(actual, bool)
                and math.isfinite(actual)
                and abs(actual - expected) <= 1e-12 * max(1.0, abs(expected)))
    if isinstance(expected, list):
        return (isinstance(actual, list) and len(actual) == len(expected)
                and all(_same(a, e) for a, e in zip(actual, expected)))
    raise AssertionError(f"unsupported expected value {expected!r}")


def test_vector_file_is_well_formed() -> None:
    """The file has version 1, at least 150 vectors with unique ids, each with expect xor error."""
    assert DOCUMENT["version"] == 1
    assert len(VECTORS) >= 150
    ids = [vector["id"] for vector in VECTORS]
    assert len(ids) == len(set(ids))
    codes = {code.value for code in ExpressionErrorCode}
    for vector in VECTORS:
        assert ("expect" in vector) != ("error" in vector), vector["id"]
        if "error" in vector:
            assert vector["error"]["code"] in codes, vector["id"]
            assert vector["error"]["position"] is None or isinstance(vector["error"]["position"], int), vector["id"]


def test_vectors_cover_errors_and_values() -> None:
    """At least a quarter of the vectors are errors and every error code is exercised."""
    errors = {vector["error"]["code"] for vector in VECTORS if "error" in vector}
    assert sum("error" in vector for vector in VECTORS) >= len(VECTORS) // 4
    expected = {code.value for code in ExpressionErrorCode}
    assert expected <= errors, sorted(expected - errors)


@pytest.mark.parametrize("vector", VECTORS, ids=[vector["id"] for vector in VECTORS])
def test_vector(vector: dict) -> None:
    """The expression gives the expected value, or fails with the expected code at the expected position."""
    call = lambda: evaluate(vector["expression"], vector["answers"],  # noqa: E731
                            current=vector["current"], now=vector["now"])
    if "error" in vector:
        with pytest.raises(ExpressionError) as caught:
            call()
        assert caught.value.code.value == vector["error"]["code"], str(caught.value)
        assert caught.value.position == vector["error"]["position"], str(caught.value)
        if vector["error"]["position"] is not None:
            assert str(caught.value).startswith(f"at position {vector['error']['position']}: ")
    else:
        actual = call()
        assert _same(actual, vector["expect"]), f"{vector['expression']!r} gave {actual!r}, expected {vector['expect']!r}"
