"""The portable regular-expression subset used by ``regex(text, pattern)``.

Only constructs that Python's ``re`` (with ``re.ASCII``) and JavaScript's ``RegExp`` (with
the ``u`` flag) read identically are accepted, and the pattern always has to match the
*whole* text (JS: ``new RegExp('^(?:' + p + ')$', 'u')``; Python: ``re.fullmatch``):

* literal characters; ``.`` (any character except ``\\n \\r \\u2028 \\u2029``);
* classes ``[abc]``, ``[^abc]``, ranges ``[a-z]``, and ``\\d \\D \\w \\W`` (ASCII meaning);
* escapes ``\\n \\t \\r \\f \\v`` and of the syntax characters ``\\ ^ $ . * + ? ( ) [ ] { } | /``
  (plus ``\\-`` inside a class);
* groups ``( )`` and ``(?: )``, alternation ``|``;
* quantifiers ``* + ? {n} {n,} {n,m}``, each optionally lazy (``*?``);
* ``^`` only as the first and ``$`` only as the last character (redundant but harmless).

Refused for safety: an unbounded repeat (``* + {n,}``) of a group that contains an unbounded
repeat (``(a+)+``, ``(?:[a-z]+\\.)*``), the classic exponential-backtracking shape; and
``regex()`` never matches texts longer than ``MAX_TEXT_LENGTH`` characters.

Refused: back-references, look-arounds, named groups, flags, ``\\s``, ``\\b``, ``\\u``,
nested ``[`` inside a class, ``&& -- || ~~`` inside a class, possessive quantifiers.
"""

from __future__ import annotations

import re
from functools import lru_cache

from survey_engine.instruments.expressions.codes import ExpressionErrorCode as Code, fail

__all__ = ["check_pattern", "compile_pattern", "full_match", "MAX_PATTERN_LENGTH", "MAX_TEXT_LENGTH"]

MAX_PATTERN_LENGTH = 500
MAX_TEXT_LENGTH = 1000
_SYNTAX = frozenset("\\^$.*+?()[]{}|/")
_CONTROL = frozenset("ntrfv")
_CLASS_ESCAPES = frozenset("dDwW")
_QUANTIFIER = re.compile(r"\{[0-9]+(?:,[0-9]*)?\}")
_DOT = "[^\\n\\r\\u2028\\u2029]"
_MAX_REPEAT = 4294967295


def check_pattern(pattern: str) -> str | None:
    """Why ``pattern`` is outside the portable subset (a message naming the offending
    character's 0-based offset in the pattern), or None when it is accepted."""
    try:
        _translate(pattern)
    except ValueError as exc:
        return str(exc)
    return None


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """The compiled Python equivalent of an accepted pattern (raises ValueError otherwise)."""
    return re.compile(_translate(pattern), re.ASCII)


def full_match(pattern: str, text: str) -> bool:
    """True when ``pattern`` matches all of ``text``; texts longer than MAX_TEXT_LENGTH never
    match (a bound on backtracking work).  A pattern outside the portable subset raises
    ``ExpressionError`` (INVALID_PATTERN)."""
    try:
        compiled = compile_pattern(pattern)
    except ValueError as exc:
        fail(Code.INVALID_PATTERN, None, f"pattern {pattern[:40]!r}: {exc}")
    return len(text) <= MAX_TEXT_LENGTH and compiled.fullmatch(text) is not None


def _translate(pattern: str) -> str:
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(f"pattern longer than {MAX_PATTERN_LENGTH} characters")
    out: list[str] = []
    # groups[k]: does open group k contain an unbounded quantifier?  groups[0] is the pattern.
    groups, i, n = [False], 0, len(pattern)
    can_repeat = False  # is there an atom the next quantifier may apply to?
    atom_unbounded = False  # is that atom a group containing an unbounded quantifier?
    while i < n:
        c = pattern[i]
        if c in "*+?{":
            i = _quantifier(pattern, i, can_repeat, atom_unbounded, groups, out)
            can_repeat = atom_unbounded = False
            continue
        atom_unbounded = False
        if c == "\\":
            out.append(_escape(pattern, i, in_class=False))
            i, can_repeat = i + 2, True
        elif c == "[":
            end = _class_end(pattern, i)
            out.append(pattern[i:end])
            i, can_repeat = end, True
        elif c == "(":
            if pattern.startswith("(?", i) and not pattern.startswith("(?:", i):
                raise ValueError(f"offset {i}: only plain groups ( ) and (?: ) are portable")
            width = 3 if pattern.startswith("(?:", i) else 1
            out.append(pattern[i:i + width])
            groups.append(False)
            i, can_repeat = i + width, False
        elif c == ")":
            if len(groups) == 1:
                raise ValueError(f"offset {i}: ')' without a matching '('")
            atom_unbounded = groups.pop()
            groups[-1] = groups[-1] or atom_unbounded
            out.append(c)
            i, can_repeat = i + 1, True
        elif c == "|":
            out.append(c)
            i, can_repeat = i + 1, False
        elif c in "^$":
            if (c == "^" and i != 0) or (c == "$" and i != n - 1):
                raise ValueError(f"offset {i}: '{c}' is only allowed at the very start/end "
                                 "(the pattern always matches the whole text); escape it as \\" + c)
            i += 1
        elif c in "]}":
            raise ValueError(f"offset {i}: unescaped '{c}'; write \\{c}")
        else:
            out.append(_DOT if c == "." else re.escape(c))
            i, can_repeat = i + 1, True
    if len(groups) > 1:
        raise ValueError("a '(' is not closed")
    translated = "".join(out)
    try:
        re.compile(translated, re.ASCII)
    except re.error as exc:
        raise ValueError(f"not a valid pattern ({exc})") from None
    return translated


def _escape(pattern: str, i: int, *, in_class: bool) -> str:
    nxt = pattern[i + 1] if i + 1 < len(pattern) else ""
    if nxt and (nxt in _SYNTAX or nxt in _CONTROL or nxt in _CLASS_ESCAPES or (in_class and nxt == "-")):
        return "\\" + nxt
    raise ValueError(f"offset {i}: escape '\\{nxt}' is not portable; allowed: \\d \\D \\w \\W "
                     "\\n \\t \\r \\f \\v and escaped syntax characters")


def _class_end(pattern: str, start: int) -> int:
    i = start + 1
    if pattern.startswith("^", i):
        i += 1
    if pattern.startswith("]", i):
        raise ValueError(f"offset {start}: empty character class; escape a literal ']' as \\]")
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            _escape(pattern, i, in_class=True)
            i += 2
            continue
        if c == "]":
            return i + 1
        if c == "[" or (c in "&-|~" and pattern.startswith(c * 2, i)):
            raise ValueError(f"offset {i}: '{pattern[i:i + 2]}' inside a class is not portable; escape it")
        i += 1
    raise ValueError(f"offset {start}: character class '[' is not closed")


def _quantifier(pattern: str, i: int, can_repeat: bool, atom_unbounded: bool,
                groups: list[bool], out: list[str]) -> int:
    if pattern[i] == "{":
        match = _QUANTIFIER.match(pattern, i)
        if match is None:
            raise ValueError(f"offset {i}: '{{' must start a quantifier {{n}}, {{n,}} or {{n,m}}; "
                             "escape a literal brace as \\{")
        end = match.end()
        unbounded = match.group().endswith(",}")
        if any(count and int(count) >= _MAX_REPEAT for count in match.group()[1:-1].split(",")):
            # Python's re cannot represent such counts (its MAXREPEAT); JavaScript would clamp them.
            raise ValueError(f"offset {i}: the repeat count in '{match.group()}' is too large")
    else:
        end = i + 1
        unbounded = pattern[i] in "*+"
    if not can_repeat:
        raise ValueError(f"offset {i}: quantifier '{pattern[i:end]}' has nothing to repeat")
    if unbounded and atom_unbounded:
        # (a+)+ backtracks exponentially on a non-matching text; JS and Python alike.
        raise ValueError(f"offset {i}: an unbounded repeat of a group that itself repeats without "
                         "bound, like (a+)+, can take exponential time; rewrite it, e.g. as a class [..]+")
    if unbounded:
        groups[-1] = True
    if pattern.startswith("?", end):
        end += 1
    if end < len(pattern) and pattern[end] in "*+?{":
        raise ValueError(f"offset {end}: a quantifier cannot follow another quantifier")
    out.append(pattern[i:end])
    return end
