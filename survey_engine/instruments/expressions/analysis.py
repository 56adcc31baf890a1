"""Static questions about a parsed expression, answered without evaluating it.

The questionnaire validator uses these to find unknown questions, forward references,
calculation cycles and choice codes that do not exist.  Walks are iterative.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from survey_engine.instruments.expressions.nodes import (
    Call, Comparison, ComparisonOp, ListLiteral, Literal, Node, Reference, children,
)

__all__ = ["walk", "summarise", "references", "uses_current", "functions_used", "CodeUse", "code_uses", "depth"]


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children, left to right."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def summarise(node: Node) -> tuple[frozenset[str], bool, frozenset[str]]:
    """``(references, uses_current, functions_used)`` in one walk."""
    names: set[str] = set()
    functions: set[str] = set()
    current = False
    for n in walk(node):
        if isinstance(n, Reference):
            if n.name is None:
                current = True
            else:
                names.add(n.name)
        elif isinstance(n, Call):
            functions.add(n.name)
    return frozenset(names), current, frozenset(functions)


def references(node: Node) -> frozenset[str]:
    """Ids of the questions referenced as ``{id}`` (``{.}`` is not included)."""
    return frozenset(n.name for n in walk(node) if isinstance(n, Reference) and n.name is not None)


def uses_current(node: Node) -> bool:
    """True when ``{.}`` (the answer being validated) occurs."""
    return any(isinstance(n, Reference) and n.name is None for n in walk(node))


def functions_used(node: Node) -> frozenset[str]:
    """Names of the functions called."""
    return frozenset(n.name for n in walk(node) if isinstance(n, Call))


def depth(node: Node) -> int:
    """Height of the tree (a lone literal has depth 1)."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children(current))
    return deepest


@dataclass(frozen=True, slots=True)
class CodeUse:
    """A string literal used as a choice code of question ``question`` (``None`` for
    ``{.}``), at ``position``: in ``selected({q}, 'c')``, ``{q} = 'c'``/``!=``, or
    ``{q} in ['c', ...]``."""

    question: str | None
    code: str
    position: int


def code_uses(node: Node) -> tuple[CodeUse, ...]:
    """Every choice code compared against a referenced answer, in source order, so a
    validator can check that each code exists in that question's choice list."""
    uses: list[CodeUse] = []
    for n in walk(node):
        if isinstance(n, Call) and n.name == "selected" and isinstance(n.args[0], Reference):
            uses.extend(_literal_codes(n.args[0], (n.args[1],)))
        elif isinstance(n, Comparison) and n.op in (ComparisonOp.EQ, ComparisonOp.NE):
            for ref, other in ((n.left, n.right), (n.right, n.left)):
                if isinstance(ref, Reference):
                    uses.extend(_literal_codes(ref, (other,)))
        elif (isinstance(n, Comparison) and n.op in (ComparisonOp.IN, ComparisonOp.NOT_IN)
              and isinstance(n.left, Reference) and isinstance(n.right, ListLiteral)):
            uses.extend(_literal_codes(n.left, n.right.items))
    return tuple(sorted(uses, key=lambda use: use.position))


def _literal_codes(ref: Reference, candidates: tuple[Node, ...]) -> list[CodeUse]:
    return [CodeUse(ref.name, c.value, c.position) for c in candidates
            if isinstance(c, Literal) and isinstance(c.value, str) and c.value != ""]
