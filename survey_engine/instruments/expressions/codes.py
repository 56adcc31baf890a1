"""Stable error codes and limits of the expression language.

Tests and the conformance vectors assert on these codes (never on the wording), and the
JavaScript port must raise the same code at the same position.
"""

from __future__ import annotations

from enum import Enum
from typing import NoReturn

from survey_engine.errors import ExpressionError

__all__ = ["ExpressionErrorCode", "MAX_LENGTH", "MAX_DEPTH", "fail"]

#: Longest accepted expression, in characters (Unicode code points).
MAX_LENGTH = 4000
#: Deepest accepted nesting: syntax-tree depth and bracket/operator nesting alike.
MAX_DEPTH = 100


class ExpressionErrorCode(str, Enum):
    """Why an expression was rejected (parse time) or could not be evaluated (run time)."""

    # -- parse time: the text is not a valid expression ----------------------------------
    EMPTY_EXPRESSION = "EMPTY_EXPRESSION"
    TOO_LONG = "TOO_LONG"
    TOO_DEEP = "TOO_DEEP"
    PARSE_UNEXPECTED_CHARACTER = "PARSE_UNEXPECTED_CHARACTER"
    PARSE_UNTERMINATED_STRING = "PARSE_UNTERMINATED_STRING"
    PARSE_INVALID_ESCAPE = "PARSE_INVALID_ESCAPE"
    PARSE_INVALID_NUMBER = "PARSE_INVALID_NUMBER"
    PARSE_INVALID_REFERENCE = "PARSE_INVALID_REFERENCE"
    PARSE_UNEXPECTED_TOKEN = "PARSE_UNEXPECTED_TOKEN"
    PARSE_UNEXPECTED_END = "PARSE_UNEXPECTED_END"
    PARSE_CHAINED_COMPARISON = "PARSE_CHAINED_COMPARISON"
    PARSE_EMPTY_COMPARISON = "PARSE_EMPTY_COMPARISON"
    PARSE_LITERAL_REQUIRED = "PARSE_LITERAL_REQUIRED"
    UNKNOWN_FUNCTION = "UNKNOWN_FUNCTION"
    WRONG_ARITY = "WRONG_ARITY"
    INVALID_PATTERN = "INVALID_PATTERN"
    # -- run time: valid expression, values that do not fit -----------------------------
    TYPE_ERROR = "TYPE_ERROR"
    INVALID_DATE = "INVALID_DATE"
    INVALID_ARGUMENT = "INVALID_ARGUMENT"
    UNSUPPORTED_VALUE = "UNSUPPORTED_VALUE"


def fail(code: ExpressionErrorCode, position: int | None, message: str) -> NoReturn:
    """Raise an :class:`ExpressionError` whose message starts with the position."""
    where = f"at position {position}: " if position is not None else ""
    raise ExpressionError(f"{where}{message}", code, position)
