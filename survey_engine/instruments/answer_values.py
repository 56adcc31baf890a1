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
    try:
        point = _integer(value)
    except Invalid:
        point = None
    if point is None or point not in scale.values:
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


def coerce(question: Question, value: Any, scale: Scale | None = None) -> Any:
    """The typed value of a non-empty raw answer to ``question`` (``scale`` for matrix items)."""
    kind = question.type
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.CASCADING_SELECT):
        return _code(value)
    if kind is QuestionType.MULTIPLE_CHOICE:
        return _codes(value)
    if kind in (QuestionType.RATING, QuestionType.MATRIX, QuestionType.NPS):
        return _scale_value(value, scale or question.scale)
    if kind is QuestionType.INTEGER:
        return _integer(value)
    if kind is QuestionType.DECIMAL:
        return _decimal(value, question.decimals)
    if kind is QuestionType.DATE:
        return _date(value)
    return _text(value)
