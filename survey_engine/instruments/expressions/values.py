"""The value model shared by the evaluator and the functions.

A value is one of: *empty* (``None``), boolean, number (an IEEE-754 double, held as a
Python ``float``), string, or list (a tuple of non-empty scalars).  The empty string and the
empty list *are* the empty value: every value entering or produced by an expression is
normalised so that there is exactly one empty.  These rules are written so that a JavaScript
implementation reproduces them exactly (JS ``number`` is the same double).
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from typing import Union

from survey_engine.instruments.expressions.codes import ExpressionErrorCode as Code, fail

__all__ = [
    "Value", "normalise", "from_answer", "kind", "describe", "equal", "format_number",
    "to_text", "parse_number_text", "export", "lookup",
]

Scalar = Union[bool, float, str]
Value = Union[None, bool, float, str, tuple]
_NUMERIC_TEXT = re.compile(r"[ ]*([+-]?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)[ ]*")
_MAX_SAFE = 2.0 ** 53


def normalise(value: Value) -> Value:
    """Map ``''`` and the empty list to ``None``; leave every other value alone."""
    if value == "" or value == ():
        return None
    return value


def from_answer(value: object, name: str | None) -> Value:
    """Convert one answer (as stored by the engine) into an expression value.

    ``None``, ``''``, ``[]`` and non-finite floats (pandas' NaN) are empty; real numbers
    (int, float, numpy scalars) become doubles; lists/tuples become tuples of strings/numbers; anything else is refused,
    so no Python object ever reaches the evaluator.
    """
    if value is None or isinstance(value, (bool, str)):
        return normalise(value)
    if type(value) is int or type(value) is float:  # the common case, without the slower ABC check
        return _number_answer(value, name)
    if isinstance(value, numbers.Real):  # int, float and numpy's numbers alike
        return _number_answer(value, name)
    if isinstance(value, (list, tuple)):
        items = tuple([_list_item(item, name) for item in value])
        return normalise(items)
    _unsupported(value, name)


def _number_answer(value: numbers.Real, name: str | None) -> float | None:
    try:
        number = float(value)
    except OverflowError:
        _unsupported(value, name)
    return number if math.isfinite(number) else None


def _list_item(item: object, name: str | None) -> Scalar:
    if isinstance(item, str) and item != "":
        return item
    if isinstance(item, numbers.Real) and not isinstance(item, bool):
        number = _number_answer(item, name)
        if number is not None:
            return number
    _unsupported(item, name)


def _unsupported(value: object, name: str | None) -> None:
    where = f"answer {{{name}}}" if name else "the current answer {.}"
    fail(Code.UNSUPPORTED_VALUE, None,
         f"{where} holds a {type(value).__name__} ({value!r:.40}); answers must be None, a "
         "string, a number, a boolean or a list of non-empty strings/numbers")


def kind(value: Value) -> str:
    """The type name used in messages and docs: empty, boolean, number, string, list."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "list"


def describe(value: Value) -> str:
    """A short rendering for error messages: ``number 3``, ``string 'NA'``, ``empty``."""
    k = kind(value)
    if k == "empty":
        return "empty"
    if k == "boolean":
        return f"boolean {'true' if value else 'false'}"
    if k == "number":
        return f"number {format_number(value)}"
    if k == "string":
        shown = value if len(value) <= 30 else value[:27] + "..."
        return f"string '{shown}'"
    return "list [" + ", ".join(describe(v).split(" ", 1)[1] for v in value[:5]) + (", ...]" if len(value) > 5 else "]")


def equal(a: Value, b: Value) -> bool:
    """Equality of two non-empty scalars: same type and same value (no coercion)."""
    if type(a) is type(b):  # same Python type → same kind; skips two kind() calls
        return a == b
    return kind(a) == kind(b) and a == b


def format_number(x: float) -> str:
    """Render a double exactly as ECMAScript ``Number.prototype.toString()`` does.

    The digits are the shortest that round-trip (Python's ``repr`` and JS use the same
    Steele-White/Gay criterion); the layout follows ECMA-262 §6.1.6.1.20: plain notation
    for 1e-7 < |x| < 1e21, otherwise ``d.ddde±n``.
    """
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    mantissa, _, exp = repr(abs(x)).partition("e")
    whole, _, frac = mantissa.partition(".")
    raw = whole + frac
    digits = raw.lstrip("0")
    n = len(whole) + (int(exp) if exp else 0) - (len(raw) - len(digits))
    digits = digits.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        head = digits if k == 1 else digits[0] + "." + digits[1:]
        body = f"{head}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + body


def to_text(value: Value) -> str:
    """Text of a scalar for ``string()`` and ``concat()``: numbers as :func:`format_number`,
    booleans as ``true``/``false``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_number(value)
    return value


def parse_number_text(text: str) -> float | None:
    """``number('12.5')``: optional blanks (U+0020), optional sign, a number literal; else None."""
    match = _NUMERIC_TEXT.fullmatch(text)
    if match is None:
        return None
    value = float(match.group(1))
    return value if math.isfinite(value) else None


def export(value: Value) -> object:
    """Hand a value back to Python: tuples become lists and integral doubles up to 2**53
    become ``int`` (the same number; convenient for storing calculated answers)."""
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) <= _MAX_SAFE else value
    if isinstance(value, tuple):
        return [export(v) for v in value]
    return value


def lookup(answers: Mapping[str, object], name: str) -> Value:
    """The answer to ``name`` as an expression value (missing key → empty)."""
    return from_answer(answers.get(name), name)
