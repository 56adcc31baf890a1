"""Lexer: expression text → tuple of tokens, each with its 0-based code-point position.

Lexical grammar (see ``docs/expressions.md``)::

    number     = digit+ ["." digit+] [("e" | "E") ["+" | "-"] digit+]   (no letter, digit, "_" or "." may follow)
    string     = "'" {char | escape} "'" | '"' {char | escape} '"'
    escape     = "\\" ("\\" | "'" | '"' | "n" | "t" | "r" | "u" hex hex hex hex)
    reference  = "{" (name | ".") "}"                                   (no blanks inside)
    name       = ("A".."Z" | "a".."z" | "_") {"A".."Z" | "a".."z" | "0".."9" | "_"}
    operator   = "==" | "!=" | "<=" | ">=" | "=" | "<" | ">" | "+" | "-" | "*" | "/"
               | "(" | ")" | "[" | "]" | ","
    blank      = U+0020 | U+0009 | U+000A | U+000D | U+3000 (ideographic space)

Names that are keywords (``and or not in div mod true false null``, lowercase only) become
KEYWORD tokens.  Everything is ASCII-only on purpose so the JavaScript port lexes alike.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import NamedTuple

from survey_engine.instruments.expressions.codes import (
    MAX_LENGTH,
    ExpressionErrorCode as Code,
    fail,
)

__all__ = ["TokenKind", "Token", "KEYWORDS", "tokenize"]

KEYWORDS = frozenset({"and", "or", "not", "in", "div", "mod", "true", "false", "null"})
_OPERATOR = re.compile(r"==|!=|<=|>=|[=<>+\-*/()\[\],]")
_BLANKS = re.compile("[ \t\n\r\u3000]+")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t", "r": "\r"}
_HEX = re.compile(r"[0-9A-Fa-f]{4}")
# Characters authors type by mistake, with what to write instead.
_HINTS = {
    "&": "write 'and' instead of '&'/'&&'",
    "|": "write 'or' instead of '|'/'||'",
    "!": "write 'not' for negation ('!=' is 'not equal')",
    "\u201c": "use ASCII quotes ' or \" around strings",
    "\u201d": "use ASCII quotes ' or \" around strings",
    "\u2018": "use ASCII quotes ' or \" around strings",
    "\u2019": "use ASCII quotes ' or \" around strings",
    ".": "numbers need a digit before the point (0.5) and references are written {q1}",
    "}": "a reference is written {question_id}",
}


class TokenKind(Enum):
    """What a token is."""

    NUMBER = "number"
    STRING = "string"
    REFERENCE = "reference"
    NAME = "name"
    KEYWORD = "keyword"
    OPERATOR = "operator"
    END = "end"


class Token(NamedTuple):
    """One token: ``value`` is the float, the string content, the referenced id (``"."`` for
    the current question), or the name/keyword/operator text.  (A named tuple rather than a
    dataclass: tokens are short-lived and this is the lexer's hot path.)"""

    kind: TokenKind
    value: object
    position: int
    text: str

    def describe(self) -> str:
        """How messages name this token: ``"')'"``, ``"number 12"``, ``"end of expression"``."""
        if self.kind is TokenKind.END:
            return "end of expression"
        if self.kind is TokenKind.OPERATOR:
            return f"'{self.text}'"
        if self.kind is TokenKind.KEYWORD:
            return f"keyword '{self.text}'"
        return f"{self.kind.value} {self.text}"

    def is_op(self, text: str) -> bool:
        """True when this is the operator ``text``."""
        return self.kind is TokenKind.OPERATOR and self.value == text

    def is_keyword(self, text: str) -> bool:
        """True when this is the keyword ``text``."""
        return self.kind is TokenKind.KEYWORD and self.value == text


def tokenize(text: str) -> tuple[Token, ...]:
    """Split ``text`` into tokens, ending with an END token at ``len(text)``."""
    if len(text) > MAX_LENGTH:
        fail(Code.TOO_LONG, MAX_LENGTH,
             f"the expression has {len(text)} characters, more than the limit of {MAX_LENGTH}; "
             "split it into calculated questions")
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        blanks = _BLANKS.match(text, i)
        if blanks is not None:
            i = blanks.end()
            continue
        c = text[i]
        if "0" <= c <= "9":
            token = _number(text, i)
        elif c == "'" or c == '"':
            token = _string(text, i)
        elif c == "{":
            token = _reference(text, i)
        elif c in _NAME_CHARS:
            word = _NAME.match(text, i).group()
            token = Token(TokenKind.KEYWORD if word in KEYWORDS else TokenKind.NAME, word, i, word)
        else:
            op = _OPERATOR.match(text, i)
            if op is None:
                _unexpected_character(c, i)
            token = Token(TokenKind.OPERATOR, op.group(), i, op.group())
        tokens.append(token)
        i += len(token.text)
    tokens.append(Token(TokenKind.END, None, n, ""))
    return tuple(tokens)


def _unexpected_character(c: str, i: int) -> None:
    hint = _HINTS.get(c)
    if hint is None and 0xFF01 <= ord(c) <= 0xFF5E:
        hint = f"use the ASCII character '{chr(ord(c) - 0xFEE0)}' instead of the full-width '{c}'"
    suffix = f"; {hint}" if hint else ""
    fail(Code.PARSE_UNEXPECTED_CHARACTER, i, f"unexpected character '{c}' (U+{ord(c):04X}){suffix}")


def _number(text: str, i: int) -> Token:
    literal = _NUMBER.match(text, i).group()
    end = i + len(literal)
    if end < len(text) and (text[end] in _NAME_CHARS or text[end] == "."):
        fail(Code.PARSE_INVALID_NUMBER, i,
             f"malformed number starting '{text[i:end + 1]}'; write numbers like 12, 0.5 or 1.5e3")
    value = float(literal)
    if value == float("inf"):
        fail(Code.PARSE_INVALID_NUMBER, i, f"number {literal} is too large for a double")
    return Token(TokenKind.NUMBER, value, i, literal)


def _string(text: str, i: int) -> Token:
    quote, j, n, parts = text[i], i + 1, len(text), []
    while j < n:
        c = text[j]
        if c == quote:
            return Token(TokenKind.STRING, "".join(parts), i, text[i:j + 1])
        if c != "\\":
            parts.append(c)
            j += 1
            continue
        nxt = text[j + 1] if j + 1 < n else ""
        if nxt in _ESCAPES and nxt:
            parts.append(_ESCAPES[nxt])
            j += 2
        elif nxt == "u" and _HEX.fullmatch(text, j + 2, j + 6) and not 0xD800 <= int(text[j + 2:j + 6], 16) <= 0xDFFF:
            parts.append(chr(int(text[j + 2:j + 6], 16)))
            j += 6
        else:
            fail(Code.PARSE_INVALID_ESCAPE, j,
                 f"invalid escape '\\{nxt}' in string; allowed: \\\\ \\' \\\" \\n \\t \\r \\uXXXX (not a surrogate)")
    fail(Code.PARSE_UNTERMINATED_STRING, i, f"string starting here has no closing {quote}; add {quote} at its end")


def _reference(text: str, i: int) -> Token:
    close = text.find("}", i + 1)
    inner = text[i + 1:close] if close >= 0 else ""
    if close < 0 or not (inner == "." or _NAME.fullmatch(inner)):
        shown = text[i:close + 1] if close >= 0 else text[i:i + 20]
        fail(Code.PARSE_INVALID_REFERENCE, i,
             f"invalid reference '{shown}'; write {{question_id}} (letters, digits, '_', not starting "
             "with a digit, no blanks) or {.} for the current answer")
    return Token(TokenKind.REFERENCE, inner, i, text[i:close + 1])
