"""Evaluator: syntax tree + answers → value, one handler per node type (a registry).

Semantics (the normative text is ``docs/expressions.md``):

* arithmetic needs numbers; an empty operand gives empty; division by zero (``/``, ``div``,
  ``mod``) and results too large for a double give empty;
* ``a div b`` is ``trunc(a / b)``; ``a mod b`` is ``a - b * trunc(a / b)`` computed as C
  ``fmod`` (JavaScript ``%``): the result has the sign of ``a``;
* a comparison with an empty operand is false (``!=``, ``in`` and ``not in`` included);
  ``=``/``!=`` compare type and value (no coercion: ``1 = '1'`` is false); ``< <= > >=``
  order two numbers or two strings (by code point) and are false for any other pair;
  lists cannot be compared (TYPE_ERROR) except as the right side of ``in``;
* ``and``/``or``/``not`` accept true, false or empty (read as false), short-circuit, and
  always give true or false.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping

from survey_engine.instruments.expressions.codes import ExpressionErrorCode as Code, fail
from survey_engine.instruments.expressions.dates import resolve_clock
from survey_engine.instruments.expressions.functions import FUNCTIONS
from survey_engine.instruments.expressions.nodes import (
    Arithmetic, ArithmeticOp, Call, Comparison, ComparisonOp, ListLiteral, Literal, Logical,
    LogicalOp, Negate, Node, Not, Reference,
)
from survey_engine.instruments.expressions.values import (
    Value, describe, equal, from_answer, kind, lookup, normalise,
)

__all__ = ["Context", "evaluate_tree"]


class Context:
    """The inputs one evaluation reads: answers, the current answer, and a lazy clock."""

    __slots__ = ("answers", "current", "_now", "_clock")

    def __init__(self, answers: Mapping[str, object] | None, current: object, now: object) -> None:
        if answers is not None and type(answers) is not dict and not isinstance(answers, Mapping):
            fail(Code.UNSUPPORTED_VALUE, None,
                 f"answers must be a mapping of question id to answer, not {type(answers).__name__}")
        self.answers = {} if answers is None else answers
        self.current = from_answer(current, None)
        self._now = now
        self._clock: dt.datetime | None = None

    def clock(self) -> dt.datetime:
        """The time ``today()``/``now()`` read, resolved once per evaluation."""
        if self._clock is None:
            self._clock = resolve_clock(self._now)
        return self._clock

    def value_of(self, node: Node) -> Value:
        """Evaluate ``node`` (recursion depth is bounded by the parser's MAX_DEPTH)."""
        return _HANDLERS[type(node)](self, node)


def evaluate_tree(node: Node, context: Context) -> Value:
    """Evaluate a parsed tree in ``context``."""
    return context.value_of(node)


def _literal(ctx: Context, node: Literal) -> Value:
    return normalise(node.value)


def _reference(ctx: Context, node: Reference) -> Value:
    return ctx.current if node.name is None else lookup(ctx.answers, node.name)


def _list(ctx: Context, node: ListLiteral) -> Value:
    items = []
    for item in node.items:
        value = ctx.value_of(item)
        if isinstance(value, tuple):
            fail(Code.TYPE_ERROR, item.position, "a list cannot contain another list")
        if value is not None:
            items.append(value)
    return normalise(tuple(items))


def _number_operand(value: Value, what: str, position: int) -> float | None:
    if value is None or isinstance(value, float):
        return value
    hint = "; join texts with concat()" if isinstance(value, str) else ""
    fail(Code.TYPE_ERROR, position, f"{what} must be a number but is {describe(value)}{hint}")


def _negate(ctx: Context, node: Negate) -> Value:
    value = _number_operand(ctx.value_of(node.operand), "the operand of unary '-'", node.position)
    return None if value is None else -value


def _divide(a: float, b: float) -> float | None:
    return None if b == 0 else a / b


def _int_divide(a: float, b: float) -> float | None:
    if b == 0:
        return None
    quotient = a / b
    return float(math.trunc(quotient)) if math.isfinite(quotient) else None


def _modulo(a: float, b: float) -> float | None:
    return None if b == 0 else math.fmod(a, b)


_ARITHMETIC: dict[ArithmeticOp, Callable[[float, float], float | None]] = {
    ArithmeticOp.ADD: lambda a, b: a + b,
    ArithmeticOp.SUBTRACT: lambda a, b: a - b,
    ArithmeticOp.MULTIPLY: lambda a, b: a * b,
    ArithmeticOp.DIVIDE: _divide,
    ArithmeticOp.INT_DIVIDE: _int_divide,
    ArithmeticOp.MODULO: _modulo,
}


def _arithmetic(ctx: Context, node: Arithmetic) -> Value:
    symbol = node.op.value
    left = _number_operand(ctx.value_of(node.left), f"the left side of '{symbol}'", node.position)
    right = _number_operand(ctx.value_of(node.right), f"the right side of '{symbol}'", node.position)
    if left is None or right is None:
        return None
    result = _ARITHMETIC[node.op](left, right)
    return result if result is not None and math.isfinite(result) else None


def _ordered(test: Callable[[object, object], bool]) -> Callable[[Value, Value], bool]:
    def compare(a: Value, b: Value) -> bool:
        pair = (kind(a), kind(b))
        return pair in (("number", "number"), ("string", "string")) and test(a, b)
    return compare


_COMPARISONS: dict[ComparisonOp, Callable[[Value, Value], bool]] = {
    ComparisonOp.EQ: equal,
    ComparisonOp.NE: lambda a, b: not equal(a, b),
    # Python compares str by code point, which is the documented rule (the JS port must not
    # use UTF-16 code-unit order for characters beyond U+FFFF).
    ComparisonOp.LT: _ordered(lambda a, b: a < b),
    ComparisonOp.LE: _ordered(lambda a, b: a <= b),
    ComparisonOp.GT: _ordered(lambda a, b: a > b),
    ComparisonOp.GE: _ordered(lambda a, b: a >= b),
}


def _comparison(ctx: Context, node: Comparison) -> bool:
    left, right = ctx.value_of(node.left), ctx.value_of(node.right)
    symbol = node.op.value
    if isinstance(left, tuple):
        fail(Code.TYPE_ERROR, node.position,
             f"the left side of '{symbol}' is {describe(left)}; test a multiple-choice answer "
             "with selected({q}, 'code') or count_selected({q})")
    if node.op in (ComparisonOp.IN, ComparisonOp.NOT_IN):
        if right is not None and not isinstance(right, tuple):
            fail(Code.TYPE_ERROR, node.position,
                 f"the right side of '{symbol}' must be a list such as ['a', 'b'] but is {describe(right)}")
        if left is None or right is None:
            return False
        found = any(equal(left, item) for item in right)
        return found if node.op is ComparisonOp.IN else not found
    if isinstance(right, tuple):
        fail(Code.TYPE_ERROR, node.position,
             f"the right side of '{symbol}' is {describe(right)}; lists can only follow 'in'")
    if left is None or right is None:
        return False
    return _COMPARISONS[node.op](left, right)


def _truth(value: Value, what: str, position: int) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    fail(Code.TYPE_ERROR, position, f"{what} must be true/false (or empty) but is {describe(value)}")


def _not(ctx: Context, node: Not) -> bool:
    return not _truth(ctx.value_of(node.operand), "the operand of 'not'", node.position)


def _logical(ctx: Context, node: Logical) -> bool:
    symbol = node.op.value
    left = _truth(ctx.value_of(node.left), f"the left side of '{symbol}'", node.position)
    if left is (node.op is LogicalOp.OR):
        return left
    return _truth(ctx.value_of(node.right), f"the right side of '{symbol}'", node.position)


def _call(ctx: Context, node: Call) -> Value:
    spec = FUNCTIONS[node.name]
    if spec.lazy:
        thunks = [lambda arg=arg: ctx.value_of(arg) for arg in node.args]
        return normalise(spec.impl(ctx, thunks, node))
    return normalise(spec.impl(ctx, [ctx.value_of(arg) for arg in node.args], node))


_HANDLERS: dict[type, Callable[[Context, Node], Value]] = {
    Literal: _literal,
    Reference: _reference,
    ListLiteral: _list,
    Negate: _negate,
    Not: _not,
    Arithmetic: _arithmetic,
    Comparison: _comparison,
    Logical: _logical,
    Call: _call,
}
