"""The questionnaire expression language: relevance, constraints and calculations.

>>> from survey_engine.instruments.expressions import parse
>>> e = parse("selected({q3}, 'b') and {age} >= 18")
>>> sorted(e.references), e.evaluate({"q3": ["a", "b"], "age": 30})
(['age', 'q3'], True)

Safe by construction: a hand-written lexer and parser, a fixed function registry, no
``eval``/``exec``, no attribute access, bounded length (``MAX_LENGTH``) and nesting
(``MAX_DEPTH``).  Grammar, value and empty semantics, functions and error codes are
documented in ``docs/expressions.md``; ``tests/instruments/expression_vectors.json`` is the
language-neutral conformance suite.
"""

from __future__ import annotations

from survey_engine.instruments.expressions.analysis import CodeUse
from survey_engine.instruments.expressions.codes import MAX_DEPTH, MAX_LENGTH, ExpressionErrorCode
from survey_engine.instruments.expressions.expression import Expression, evaluate, parse, to_bool
from survey_engine.instruments.expressions.functions import FUNCTIONS, FunctionSpec
from survey_engine.instruments.expressions.patterns import check_pattern, full_match
from survey_engine.instruments.expressions.values import format_number

__all__ = [
    "parse",
    "evaluate",
    "Expression",
    "ExpressionErrorCode",
    "FUNCTIONS",
    "FunctionSpec",
    "to_bool",
    "CodeUse",
    "format_number",
    "check_pattern",
    "full_match",
    "MAX_LENGTH",
    "MAX_DEPTH",
]
