"""The public face of the language: :func:`parse`, :class:`Expression`, :func:`evaluate`,
:func:`to_bool`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from survey_engine.instruments.expressions import analysis
from survey_engine.instruments.expressions.codes import ExpressionErrorCode as Code, fail
from survey_engine.instruments.expressions.evaluator import Context, evaluate_tree
from survey_engine.instruments.expressions.nodes import Node
from survey_engine.instruments.expressions.parser import parse_tree
from survey_engine.instruments.expressions.values import describe, export, from_answer

__all__ = ["Expression", "parse", "evaluate", "to_bool"]


@dataclass(frozen=True, slots=True)
class Expression:
    """A parsed expression: immutable, safe to share and to evaluate many times.

    ``references`` are the question ids written as ``{id}`` (``{.}`` excluded; see
    ``uses_current``); ``functions`` the function names called.
    """

    source: str
    tree: Node = field(repr=False)
    references: frozenset[str] = field(repr=False)
    uses_current: bool = field(repr=False)
    functions: frozenset[str] = field(repr=False)

    def evaluate(self, answers: Mapping[str, object] | None = None, *, current: object = None,
                 now: object = None) -> object:
        """The value of the expression for ``answers`` (question id → answer).

        ``current`` is the answer being validated (``{.}``); ``now`` (datetime, date or ISO
        string) fixes what ``today()``/``now()`` return, the local clock otherwise.  Returns
        None, bool, int/float (integral doubles up to 2**53 as int), str or list.
        """
        return export(evaluate_tree(self.tree, Context(answers, current, now)))

    def code_uses(self) -> tuple[analysis.CodeUse, ...]:
        """Choice codes compared against referenced answers (see :func:`analysis.code_uses`)."""
        return analysis.code_uses(self.tree)


def parse(text: str) -> Expression:
    """Parse ``text``; raises ``ExpressionError`` with ``.code`` and ``.position`` (0-based
    code-point offset) when it is not a valid expression.  Results are cached."""
    if not isinstance(text, str):
        fail(Code.UNSUPPORTED_VALUE, None, f"an expression must be a string, not {type(text).__name__}")
    return _parse(text)


@lru_cache(maxsize=4096)
def _parse(text: str) -> Expression:
    tree = parse_tree(text)
    return Expression(text, tree, *analysis.summarise(tree))


def evaluate(expression: str | Expression, answers: Mapping[str, object] | None = None, *,
             current: object = None, now: object = None) -> object:
    """Parse (cached) and evaluate in one call; see :meth:`Expression.evaluate`."""
    parsed = expression if isinstance(expression, Expression) else parse(expression)
    return parsed.evaluate(answers, current=current, now=now)


def to_bool(value: object, *, if_empty: bool = False) -> bool:
    """Read an expression result as a decision: true/false as they are, empty (None, '' or
    []) as ``if_empty``; any other value is a TYPE_ERROR, never Python truthiness.

    The engine uses ``if_empty=False`` for relevance (empty → not shown) and
    ``if_empty=True`` for constraints (empty → passes).
    """
    normalised = from_answer(value, "result") if not isinstance(value, bool) else value
    if normalised is None:
        return if_empty
    if isinstance(normalised, bool):
        return normalised
    fail(Code.TYPE_ERROR, None,
         f"a condition must give true or false but gave {describe(normalised)}; "
         "compare the value, e.g. {q} = 'yes' or {q} > 0")
