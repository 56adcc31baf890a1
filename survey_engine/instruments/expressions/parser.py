"""Parser: tokens → syntax tree, by precedence climbing (a Pratt parser).

Grammar (EBNF; ``docs/expressions.md`` has the commented version)::

    expression  = or_expr
    or_expr     = and_expr {"or" and_expr}
    and_expr    = not_expr {"and" not_expr}
    not_expr    = "not" not_expr | comparison
    comparison  = additive [comp_op additive]          (at most one: a < b < c is an error)
    comp_op     = "=" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not" "in"
    additive    = multiplicative {("+" | "-") multiplicative}
    multiplicative = unary {("*" | "/" | "div" | "mod") unary}
    unary       = "-" unary | primary
    primary     = number | string | "true" | "false" | "null" | reference
                | name "(" [expression {"," expression}] ")"
                | "(" expression ")"
                | "(" expression "," expression {"," expression} ")"
                | "[" [expression {"," expression}] "]"

Function names are resolved against the registry here, so unknown functions, wrong argument
counts and non-portable regex patterns are parse errors with a position.
"""

from __future__ import annotations

import difflib

from survey_engine.instruments.expressions.codes import MAX_DEPTH, ExpressionErrorCode as Code, fail
from survey_engine.instruments.expressions.functions import FUNCTIONS
from survey_engine.instruments.expressions.nodes import (
    Arithmetic, ArithmeticOp, Call, Comparison, ComparisonOp, ListLiteral, Literal, Logical,
    LogicalOp, Negate, Node, Not, Reference,
)
from survey_engine.instruments.expressions.tokens import KEYWORDS, Token, TokenKind, tokenize

__all__ = ["parse_tree"]

# Binding powers: higher binds tighter.  Comparisons do not associate.
_OR, _AND, _NOT, _COMPARE, _ADD, _MULTIPLY, _NEGATE = 1, 2, 3, 4, 5, 6, 7
_INFIX: dict[str, tuple[object, int]] = {
    "or": (LogicalOp.OR, _OR),
    "and": (LogicalOp.AND, _AND),
    **{op.value: (op, _COMPARE) for op in ComparisonOp if op is not ComparisonOp.NOT_IN},
    "==": (ComparisonOp.EQ, _COMPARE),
    "+": (ArithmeticOp.ADD, _ADD),
    "-": (ArithmeticOp.SUBTRACT, _ADD),
    "*": (ArithmeticOp.MULTIPLY, _MULTIPLY),
    "/": (ArithmeticOp.DIVIDE, _MULTIPLY),
    "div": (ArithmeticOp.INT_DIVIDE, _MULTIPLY),
    "mod": (ArithmeticOp.MODULO, _MULTIPLY),
}
_LITERALS = {"true": True, "false": False, "null": None}


def parse_tree(text: str) -> Node:
    """Parse ``text`` into a syntax tree or raise ``ExpressionError`` with a position."""
    tokens = tokenize(text)
    if tokens[0].kind is TokenKind.END:
        fail(Code.EMPTY_EXPRESSION, 0, "the expression is empty; write a condition or a value")
    parser = _Parser(tokens)
    node, _ = parser.expression(0, 1)
    end = parser.peek()
    if end.kind is not TokenKind.END:
        hint = ""
        if end.kind is TokenKind.NAME and end.value.lower() in KEYWORDS:
            hint = f"; keywords are lowercase: write '{end.value.lower()}'"
        fail(Code.PARSE_UNEXPECTED_TOKEN, end.position,
             f"expected an operator or the end of the expression but found {end.describe()}{hint}")
    return node


class _Parser:
    """Recursive precedence climbing; every method returns ``(node, tree depth)``."""

    def __init__(self, tokens: tuple[Token, ...]) -> None:
        self.tokens = tokens
        self.index = 0

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, op: str, context: str) -> Token:
        token = self.peek()
        if not token.is_op(op):
            code = Code.PARSE_UNEXPECTED_END if token.kind is TokenKind.END else Code.PARSE_UNEXPECTED_TOKEN
            fail(code, token.position, f"expected '{op}' {context} but found {token.describe()}")
        return self.advance()

    def expression(self, min_power: int, depth: int) -> tuple[Node, int]:
        if depth > MAX_DEPTH:
            fail(Code.TOO_DEEP, self.peek().position,
                 f"the expression nests more than {MAX_DEPTH} levels deep; simplify it")
        left, left_depth = self.prefix(min_power, depth)
        compared = False
        while True:
            token = self.peek()
            op, power, width = self.infix(token)
            if op is None or power <= min_power:
                return left, left_depth
            if power == _COMPARE and compared:
                fail(Code.PARSE_CHAINED_COMPARISON, token.position,
                     "comparisons cannot be chained; write 'a < b and b < c' instead of 'a < b < c'")
            self.index += width
            right, right_depth = self.expression(power, depth + 1)
            left_depth = 1 + max(left_depth, right_depth)
            if left_depth > MAX_DEPTH:
                fail(Code.TOO_DEEP, token.position,
                     f"the expression nests more than {MAX_DEPTH} levels deep; use sum() or split it")
            left = self.combine(op, left, right, token.position)
            compared = power == _COMPARE

    def infix(self, token: Token) -> tuple[object, int, int]:
        """The operator ``token`` starts, its binding power and its width in tokens."""
        if token.is_keyword("not") and self.peek(1).is_keyword("in"):
            return ComparisonOp.NOT_IN, _COMPARE, 2
        if token.kind in (TokenKind.OPERATOR, TokenKind.KEYWORD) and token.value in _INFIX:
            op, power = _INFIX[token.value]
            return op, power, 1
        return None, 0, 0

    @staticmethod
    def combine(op: object, left: Node, right: Node, position: int) -> Node:
        if isinstance(op, LogicalOp):
            return Logical(op, left, right, position)
        if isinstance(op, ArithmeticOp):
            return Arithmetic(op, left, right, position)
        for side in (left, right):
            if isinstance(side, Literal) and side.value in (None, ""):
                fail(Code.PARSE_EMPTY_COMPARISON, position,
                     "a comparison with null or '' is always false; test emptiness with empty({q}) "
                     "or not_empty({q})")
        return Comparison(op, left, right, position)

    def prefix(self, min_power: int, depth: int) -> tuple[Node, int]:
        token = self.advance()
        kind, value, position = token.kind, token.value, token.position
        if kind is TokenKind.NUMBER or kind is TokenKind.STRING:
            return Literal(value, position), 1
        if kind is TokenKind.REFERENCE:
            return Reference(None if value == "." else value, position), 1
        if kind is TokenKind.KEYWORD and value in _LITERALS:
            return Literal(_LITERALS[value], position), 1
        if token.is_keyword("not"):
            if min_power > _NOT:
                fail(Code.PARSE_UNEXPECTED_TOKEN, position,
                     "'not' cannot appear inside a comparison or arithmetic; put 'not ...' in parentheses")
            operand, operand_depth = self.expression(_NOT, depth + 1)
            return Not(operand, position), operand_depth + 1
        if token.is_op("-"):
            operand, operand_depth = self.expression(_NEGATE, depth + 1)
            return Negate(operand, position), operand_depth + 1
        if token.is_op("("):
            return self.parenthesis(token, depth)
        if token.is_op("["):
            items, items_depth = self.items("]", depth)
            return ListLiteral(items, position), items_depth + 1
        if kind is TokenKind.NAME:
            return self.call(token, depth)
        self.index -= 1
        if kind is TokenKind.END:
            fail(Code.PARSE_UNEXPECTED_END, position, "expected a value but found the end of the expression")
        fail(Code.PARSE_UNEXPECTED_TOKEN, position, f"expected a value but found {token.describe()}")

    def parenthesis(self, opening: Token, depth: int) -> tuple[Node, int]:
        first, first_depth = self.expression(0, depth + 1)
        if not self.peek().is_op(","):
            self.expect(")", f"to close the '(' at position {opening.position}")
            return first, first_depth
        self.advance()
        rest, rest_depth = self.items(")", depth, opening=opening)
        return ListLiteral((first, *rest), opening.position), max(first_depth, rest_depth) + 1

    def items(self, closing: str, depth: int, opening: Token | None = None) -> tuple[tuple[Node, ...], int]:
        """Comma-separated expressions up to ``closing`` (the opening bracket is consumed)."""
        items: list[Node] = []
        deepest = 0
        if opening is None and self.peek().is_op(closing):
            self.advance()
            return (), 0
        while True:
            item, item_depth = self.expression(0, depth + 1)
            items.append(item)
            deepest = max(deepest, item_depth)
            if self.peek().is_op(","):
                self.advance()
                continue
            self.expect(closing, "or ',' in the list")
            return tuple(items), deepest

    def call(self, name: Token, depth: int) -> tuple[Node, int]:
        spec = FUNCTIONS.get(name.value)
        if not self.peek().is_op("("):
            if name.value.lower() in KEYWORDS:
                hint = f"; keywords are lowercase: write '{name.value.lower()}'"
            elif spec is None:
                hint = f"; did you mean {{{name.value}}}?"
            else:
                hint = f"; call it as {spec.signature}"
            fail(Code.PARSE_UNEXPECTED_TOKEN, name.position,
                 f"found the bare name '{name.value}': answers are referenced as {{question_id}}{hint}")
        if spec is None:
            close = difflib.get_close_matches(name.value, list(FUNCTIONS), n=1)
            hint = f"did you mean {close[0]}()? " if close else ""
            fail(Code.UNKNOWN_FUNCTION, name.position,
                 f"unknown function '{name.value}'; {hint}known functions: {', '.join(sorted(FUNCTIONS))}")
        self.advance()
        args, args_depth = self.items(")", depth)
        if not spec.accepts(len(args)):
            fail(Code.WRONG_ARITY, name.position,
                 f"{name.value}() takes {spec.arity_text()} but was given {len(args)}; use {spec.signature}")
        for index, check in spec.literal_args.items():
            argument = args[index]
            if not (isinstance(argument, Literal) and isinstance(argument.value, str)):
                fail(Code.PARSE_LITERAL_REQUIRED, getattr(argument, "position", name.position),
                     f"argument {index + 1} of {name.value}() must be a string literal")
            problem = check(argument.value)
            if problem is not None:
                fail(Code.INVALID_PATTERN, argument.position, f"{name.value}() pattern: {problem}")
        return Call(name.value, args, name.position), args_depth + 1
