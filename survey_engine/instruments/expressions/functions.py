"""The function registry: one read-only table from name to :class:`FunctionSpec`.

Conventions (documented per function in ``docs/expressions.md``): numeric functions return
empty when a numeric argument is empty; predicates (``selected``, ``contains``, ``regex``)
return false; ``if`` and ``coalesce`` evaluate their arguments lazily, left to right.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from types import MappingProxyType
from typing import Any, Protocol

from survey_engine.instruments.expressions.codes import ExpressionErrorCode as Code, fail
from survey_engine.instruments.expressions.dates import completed_years, format_date, parse_date
from survey_engine.instruments.expressions.nodes import Call
from survey_engine.instruments.expressions.patterns import check_pattern, full_match
from survey_engine.instruments.expressions.values import (
    Value, describe, equal, normalise, parse_number_text, to_text,
)

__all__ = ["FunctionSpec", "FUNCTIONS", "Clock"]


class Clock(Protocol):
    """What functions may ask of the evaluation context."""

    def clock(self) -> dt.datetime: ...


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """One function: its arity, its implementation and, for ``regex``, the arguments that
    must be string literals checked when the expression is parsed."""

    name: str
    signature: str
    min_args: int
    max_args: int | None
    summary: str
    impl: Callable[..., Value] = field(repr=False)
    lazy: bool = False
    literal_args: Mapping[int, Callable[[str], str | None]] = field(default_factory=dict, repr=False)

    def accepts(self, count: int) -> bool:
        """True when ``count`` arguments fit the arity."""
        return count >= self.min_args and (self.max_args is None or count <= self.max_args)

    def arity_text(self) -> str:
        """``exactly 2 arguments``, ``1 to 2 arguments``, ``at least 1 argument``."""
        def plural(k: int) -> str:
            return f"{k} argument" + ("" if k == 1 else "s")
        if self.max_args is None:
            return f"at least {plural(self.min_args)}"
        if self.min_args == self.max_args:
            return f"exactly {plural(self.min_args)}"
        return f"{self.min_args} to {plural(self.max_args)}"


def _type_error(call: Call, index: int, expected: str, value: Value) -> None:
    fail(Code.TYPE_ERROR, call.position,
         f"{call.name}() expects {expected} as argument {index + 1} but got {describe(value)}")


def _num(call: Call, index: int, value: Value) -> float | None:
    if value is None or isinstance(value, float):
        return value
    _type_error(call, index, "a number", value)


def _text(call: Call, index: int, value: Value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    _type_error(call, index, "a string", value)


def _scalar(call: Call, index: int, value: Value) -> Value:
    if isinstance(value, tuple):
        _type_error(call, index, "a single value (not a list)", value)
    return value


def _integer(call: Call, index: int, value: Value, low: float, high: float) -> int:
    number = _num(call, index, value)
    if number is None or not number.is_integer() or not low <= number <= high:
        fail(Code.INVALID_ARGUMENT, call.position,
             f"{call.name}() needs a whole number from {low:g} to {high:g} as argument {index + 1}, "
             f"got {describe(value)}")
    return int(number)


def _date(call: Call, index: int, value: Value) -> dt.date | None:
    text = _text(call, index, value)
    return None if text is None else parse_date(text, f"argument {index + 1} of {call.name}()", call.position)


# -- choices and emptiness ----------------------------------------------------------------

def _selected(ctx: Clock, args: Sequence[Value], call: Call) -> bool:
    answer, code = args
    if answer is None or _scalar(call, 1, code) is None:
        return False
    if isinstance(answer, tuple):
        return any(equal(item, code) for item in answer)
    return equal(answer, code)


def _count_selected(ctx: Clock, args: Sequence[Value], call: Call) -> float:
    (answer,) = args
    if answer is None:
        return 0.0
    if isinstance(answer, tuple):
        return float(len(answer))
    if isinstance(answer, str):
        return 1.0
    _type_error(call, 0, "a choice answer (list or code)", answer)


def _if(ctx: Clock, thunks: Sequence[Callable[[], Value]], call: Call) -> Value:
    condition = thunks[0]()
    if condition is not None and not isinstance(condition, bool):
        _type_error(call, 0, "true/false", condition)
    return thunks[1]() if condition else thunks[2]()


def _coalesce(ctx: Clock, thunks: Sequence[Callable[[], Value]], call: Call) -> Value:
    for thunk in thunks:
        value = thunk()
        if value is not None:
            return value
    return None


# -- numbers -------------------------------------------------------------------------------

def _numbers(call: Call, args: Sequence[Value]) -> list[float]:
    return [v for i, v in enumerate(args) if _num(call, i, v) is not None]


def _min(ctx: Clock, args: Sequence[Value], call: Call) -> float | None:
    numbers = _numbers(call, args)
    return min(numbers) if numbers else None


def _max(ctx: Clock, args: Sequence[Value], call: Call) -> float | None:
    numbers = _numbers(call, args)
    return max(numbers) if numbers else None


def _left_sum(numbers: list[float]) -> float:
    total = 0.0
    for number in numbers:  # left to right, as the JS port will add them (not math.fsum)
        total += number
    return total


def _sum(ctx: Clock, args: Sequence[Value], call: Call) -> float | None:
    return _finite(_left_sum(_numbers(call, args)))


def _mean(ctx: Clock, args: Sequence[Value], call: Call) -> float | None:
    numbers = _numbers(call, args)
    return _finite(_left_sum(numbers) / len(numbers)) if numbers else None


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _round(ctx: Clock, args: Sequence[Value], call: Call) -> float | None:
    x = _num(call, 0, args[0])
    digits = _integer(call, 1, args[1], -15, 15) if len(args) > 1 else 0
    if x is None:
        return None
    # Round the shortest decimal that reads back as x (what string(x) shows), halves away
    # from zero: round(1.005, 2) = 1.01 as a person expects, not 1.0 as binary rounding gives.
    with localcontext() as context:
        context.prec = 400
        rounded = Decimal(repr(x)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return _finite(float(rounded))


def _unary(fn: Callable[[float], float]) -> Callable[[Clock, Sequence[Value], Call], float | None]:
    def impl(ctx: Clock, args: Sequence[Value], call: Call) -> float | None:
        x = _num(call, 0, args[0])
        return None if x is None else float(fn(x))
    return impl


def _number(ctx: Clock, args: Sequence[Value], call: Call) -> float | None:
    value = _scalar(call, 0, args[0])
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, str):
        return parse_number_text(value)
    return value


# -- text ----------------------------------------------------------------------------------

def _length(ctx: Clock, args: Sequence[Value], call: Call) -> float:
    text = _text(call, 0, args[0])
    return 0.0 if text is None else float(len(text))


def _string(ctx: Clock, args: Sequence[Value], call: Call) -> str | None:
    value = _scalar(call, 0, args[0])
    return None if value is None else to_text(value)


def _concat(ctx: Clock, args: Sequence[Value], call: Call) -> str | None:
    return normalise("".join("" if v is None else to_text(_scalar(call, i, v)) for i, v in enumerate(args)))


def _contains(ctx: Clock, args: Sequence[Value], call: Call) -> bool:
    text, part = _text(call, 0, args[0]), _text(call, 1, args[1])
    return text is not None and part is not None and part in text


def _regex(ctx: Clock, args: Sequence[Value], call: Call) -> bool:
    text = _text(call, 0, args[0])
    # The pattern '' is read as empty; it could only match '' and texts are never ''.
    return text is not None and args[1] is not None and full_match(args[1], text)


# -- dates ---------------------------------------------------------------------------------

def _today(ctx: Clock, args: Sequence[Value], call: Call) -> str:
    return format_date(ctx.clock().date())


def _now(ctx: Clock, args: Sequence[Value], call: Call) -> str:
    return format_date(ctx.clock().date()) + ctx.clock().strftime("T%H:%M:%S")


def _as_date(ctx: Clock, args: Sequence[Value], call: Call) -> str | None:
    value = _date(call, 0, args[0])
    return None if value is None else format_date(value)


def _age(ctx: Clock, args: Sequence[Value], call: Call) -> float | None:
    birth = _date(call, 0, args[0])
    on = _date(call, 1, args[1]) if len(args) > 1 else ctx.clock().date()
    return None if birth is None or on is None else float(completed_years(birth, on))


def _days_between(ctx: Clock, args: Sequence[Value], call: Call) -> float | None:
    start, end = _date(call, 0, args[0]), _date(call, 1, args[1])
    return None if start is None or end is None else float(end.toordinal() - start.toordinal())


def _add_days(ctx: Clock, args: Sequence[Value], call: Call) -> str | None:
    start = _date(call, 0, args[0])
    if args[1] is None:
        return None
    days = _integer(call, 1, args[1], -3_000_000, 3_000_000)
    if start is None:
        return None
    ordinal = start.toordinal() + days
    if not dt.date.min.toordinal() <= ordinal <= dt.date.max.toordinal():
        fail(Code.INVALID_DATE, call.position, "add_days() goes outside the years 0001-9999")
    return format_date(dt.date.fromordinal(ordinal))


def _part(attribute: str) -> Callable[[Clock, Sequence[Value], Call], float | None]:
    def impl(ctx: Clock, args: Sequence[Value], call: Call) -> float | None:
        value = _date(call, 0, args[0])
        return None if value is None else float(getattr(value, attribute))
    return impl


def _spec(signature: str, low: int, high: int | None, summary: str, impl: Callable[..., Value],
          **extra: Any) -> FunctionSpec:
    return FunctionSpec(signature.split("(", 1)[0], signature, low, high, summary, impl, **extra)


_SPECS = (
    _spec("selected(answer, code)", 2, 2, "true when the choice answer is or contains code", _selected),
    _spec("count_selected(answer)", 1, 1, "number of codes chosen (0 when empty)", _count_selected),
    _spec("empty(x)", 1, 1, "true when x is empty (unanswered, '' or an empty list)",
          lambda ctx, a, call: a[0] is None),
    _spec("not_empty(x)", 1, 1, "true when x is not empty", lambda ctx, a, call: a[0] is not None),
    _spec("if(condition, then, else)", 3, 3, "then when condition is true, else otherwise (empty counts as false)",
          _if, lazy=True),
    _spec("coalesce(x, y, ...)", 1, None, "the first argument that is not empty", _coalesce, lazy=True),
    _spec("min(x, ...)", 1, None, "smallest number, skipping empty ones (empty if all are)", _min),
    _spec("max(x, ...)", 1, None, "largest number, skipping empty ones (empty if all are)", _max),
    _spec("sum(x, ...)", 1, None, "sum of the numbers, skipping empty ones (0 if all are)", _sum),
    _spec("mean(x, ...)", 1, None, "mean of the numbers, skipping empty ones (empty if all are)", _mean),
    _spec("round(x[, digits])", 1, 2, "x rounded to digits decimals (-15..15), halves away from zero", _round),
    _spec("floor(x)", 1, 1, "largest whole number <= x", _unary(math.floor)),
    _spec("ceil(x)", 1, 1, "smallest whole number >= x", _unary(math.ceil)),
    _spec("abs(x)", 1, 1, "absolute value", _unary(abs)),
    _spec("number(x)", 1, 1, "x as a number: text like '12.5' is read, other text gives empty", _number),
    _spec("string(x)", 1, 1, "x as text (numbers as JavaScript prints them)", _string),
    _spec("concat(x, ...)", 1, None, "the texts joined, empty parts skipped", _concat),
    _spec("length(text)", 1, 1, "number of characters (code points); 0 when empty", _length),
    _spec("contains(text, part)", 2, 2, "true when part occurs in text", _contains),
    _spec("regex(text, 'pattern')", 2, 2, "true when the whole text matches the portable pattern", _regex,
          literal_args={1: check_pattern}),
    _spec("today()", 0, 0, "the evaluation date 'YYYY-MM-DD'", _today),
    _spec("now()", 0, 0, "the evaluation date-time 'YYYY-MM-DDTHH:MM:SS'", _now),
    _spec("date(text)", 1, 1, "text checked and normalised to 'YYYY-MM-DD'", _as_date),
    _spec("age(birth[, on])", 1, 2, "completed years from birth to on (default today())", _age),
    _spec("days_between(start, end)", 2, 2, "end minus start in days", _days_between),
    _spec("add_days(date, days)", 2, 2, "the date days later (earlier when negative)", _add_days),
    _spec("year(date)", 1, 1, "the year as a number", _part("year")),
    _spec("month(date)", 1, 1, "the month 1-12", _part("month")),
    _spec("day(date)", 1, 1, "the day of the month 1-31", _part("day")),
)

#: Read-only registry: function name → :class:`FunctionSpec`.
FUNCTIONS: Mapping[str, FunctionSpec] = MappingProxyType({spec.name: spec for spec in _SPECS})
