"""Coercion of raw answers (form strings or JSON values) to the typed values the expression
language and the analysis expect; each failure becomes an ``AnswerCode``."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from survey_engine.instruments.answer_messages import AnswerCode
from survey_engine.instruments.model import Question, QuestionType, Scale

__all__ = ["is_empty", "coerce", "Invalid"]


class Invalid(Exception):
    """A raw answer that cannot be read as its question's type."""

    def __init__(self, code: AnswerCode, **values: object):
        super().__init__(code.value)
        self.code = code
        self.values = values


def is_empty(value: Any) -> bool:
    """None, blank text and empty lists all mean 'not answered'."""
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, (list, tuple)) and len(value) == 0)


def _number(value: Any) -> float:
    if isinstance(value, bool):
        raise Invalid(AnswerCode.NOT_A_NUMBER)
    try:
        if isinstance(value, (int, float)):
            number = float(value)
        elif isinstance(value, str):
            number = float(value.strip().replace("，", ".").replace(",", "."))
        else:
            raise Invalid(AnswerCode.NOT_A_NUMBER)
    except (ValueError, OverflowError):  # OverflowError: an integer beyond any double, e.g. 10**400
        raise Invalid(AnswerCode.NOT_A_NUMBER) from None
    if not math.isfinite(number):
        raise Invalid(AnswerCode.NOT_A_NUMBER)
    return number


def _integer(value: Any) -> int:
    number = _number(value)
    if number != int(number):
        raise Invalid(AnswerCode.NOT_AN_INTEGER)
    return int(number)


def _scale_value(value: Any, scale: Scale) -> int | str:
    na = scale.not_applicable
    if na is not None and isinstance(value, str) and value.strip() == na.code:
        return na.code
    if type(value) is int:  # the common JSON case; same result as _integer for any int on a scale
        point = value
    else:
        try:
            point = _integer(value)
        except Invalid:
            point = None
    if point is None or not scale.start <= point < scale.start + scale.points:  # = point in scale.values
        raise Invalid(AnswerCode.NOT_ON_SCALE, low=scale.values[0], high=scale.values[-1])
    return point


def _decimal(value: Any, decimals: int | None) -> float | int:
    number = _number(value)
    if decimals is not None and isinstance(value, str) and "." in value.strip():
        if len(value.strip().split(".", 1)[1]) > decimals:
            raise Invalid(AnswerCode.TOO_MANY_DECIMALS, decimals=decimals)
    elif decimals is not None and round(number, decimals) != number:
        raise Invalid(AnswerCode.TOO_MANY_DECIMALS, decimals=decimals)
    return int(number) if number == int(number) and abs(number) < 2**53 else number


def _date(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise Invalid(AnswerCode.NOT_A_DATE) from None


def _code(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise Invalid(AnswerCode.NOT_A_CHOICE, value=str(value))
    return str(value).strip()


def _codes(value: Any) -> list[str]:
    items = [value] if isinstance(value, (str, int)) else value
    if not isinstance(items, Sequence) or isinstance(items, str):
        raise Invalid(AnswerCode.NOT_A_CHOICE, value=str(value))
    codes = [_code(v) for v in items if not is_empty(v)]
    return list(dict.fromkeys(codes))


def _text(value: Any) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise Invalid(AnswerCode.NOT_TEXT)
    return str(value).strip()


_BY_TYPE = {
    QuestionType.SINGLE_CHOICE: lambda question, value, scale: _code(value),
    QuestionType.CASCADING_SELECT: lambda question, value, scale: _code(value),
    QuestionType.MULTIPLE_CHOICE: lambda question, value, scale: _codes(value),
    QuestionType.RATING: lambda question, value, scale: _scale_value(value, scale or question.scale),
    QuestionType.MATRIX: lambda question, value, scale: _scale_value(value, scale or question.scale),
    QuestionType.NPS: lambda question, value, scale: _scale_value(value, scale or question.scale),
    QuestionType.INTEGER: lambda question, value, scale: _integer(value),
    QuestionType.DECIMAL: lambda question, value, scale: _decimal(value, question.decimals),
    QuestionType.DATE: lambda question, value, scale: _date(value),
}


def _as_text(question: Question, value: Any, scale: Scale | None) -> str:
    return _text(value)


def coerce(question: Question, value: Any, scale: Scale | None = None) -> Any:
    """The typed value of a non-empty raw answer to ``question`` (``scale`` for matrix items).

    Choice codes and cascade levels → code text; multiple choice → list of codes; rating,
    matrix and NPS → a point of the scale (or its not-applicable code); integer, decimal and
    date → their type; every other type → text.
    """
    return _BY_TYPE.get(question.type, _as_text)(question, value, scale)
