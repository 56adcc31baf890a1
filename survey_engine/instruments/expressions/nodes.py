"""The immutable syntax tree.  Every node records ``position``: the 0-based offset of the
token that names it (the operator, the function name, the literal's first character), which
run-time errors report."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Union

__all__ = [
    "ArithmeticOp", "ComparisonOp", "LogicalOp",
    "Literal", "Reference", "ListLiteral", "Negate", "Not", "Arithmetic", "Comparison",
    "Logical", "Call", "Node", "children",
]


class ArithmeticOp(Enum):
    """Binary arithmetic operators."""

    ADD = "+"
    SUBTRACT = "-"
    MULTIPLY = "*"
    DIVIDE = "/"
    INT_DIVIDE = "div"
    MODULO = "mod"


class ComparisonOp(Enum):
    """Comparison operators (``==`` is read as ``=``)."""

    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    IN = "in"
    NOT_IN = "not in"


class LogicalOp(Enum):
    """Short-circuit boolean operators."""

    AND = "and"
    OR = "or"


@dataclass(frozen=True, slots=True)
class Literal:
    """``12``, ``'text'``, ``true``, ``false``, ``null``; numbers are stored as floats."""

    value: None | bool | float | str
    position: int


@dataclass(frozen=True, slots=True)
class Reference:
    """``{q3}``; ``name`` is None for ``{.}``, the answer being validated."""

    name: str | None
    position: int


@dataclass(frozen=True, slots=True)
class ListLiteral:
    """``['a', 'b']`` or ``(1, 2, 3)``."""

    items: tuple[Node, ...]
    position: int


@dataclass(frozen=True, slots=True)
class Negate:
    """Unary minus."""

    operand: Node
    position: int


@dataclass(frozen=True, slots=True)
class Not:
    """``not x``."""

    operand: Node
    position: int


@dataclass(frozen=True, slots=True)
class Arithmetic:
    """``left op right`` for ``+ - * / div mod``."""

    op: ArithmeticOp
    left: Node
    right: Node
    position: int


@dataclass(frozen=True, slots=True)
class Comparison:
    """``left op right`` for ``= != < <= > >= in``, ``not in``."""

    op: ComparisonOp
    left: Node
    right: Node
    position: int


@dataclass(frozen=True, slots=True)
class Logical:
    """``left and right`` / ``left or right``."""

    op: LogicalOp
    left: Node
    right: Node
    position: int


@dataclass(frozen=True, slots=True)
class Call:
    """``name(args...)``; the name was checked against the function registry when parsed."""

    name: str
    args: tuple[Node, ...]
    position: int


Node = Union[Literal, Reference, ListLiteral, Negate, Not, Arithmetic, Comparison, Logical, Call]


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of ``node``, left to right."""
    if isinstance(node, (Arithmetic, Comparison, Logical)):
        return (node.left, node.right)
    if isinstance(node, (Negate, Not)):
        return (node.operand,)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, ListLiteral):
        return node.items
    return ()
