"""Values no questionnaire can hold: NaN or infinite numbers, NUL characters, lone surrogates.

Python's JSON reader accepts ``NaN``, ``Infinity`` and escapes such as ``\\ud800``, but the
content hash is taken over strict UTF-8 JSON and PostgreSQL text columns refuse NUL characters:
refuse them here, with their location, rather than fail later while hashing or storing a version.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from survey_engine.errors import Problem
from survey_engine.instruments.checks._problem import problem
from survey_engine.instruments.codes import QuestionnaireCode
from survey_engine.instruments.index import DocumentIndex

__all__ = ["check_values"]


def _bad(value: Any) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value!r} is not a number JSON can hold; give a finite number"
    if isinstance(value, str):
        if "\x00" in value:
            return "contains a NUL character (\\u0000); remove it"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            return f"contains an unpaired surrogate ({value[exc.start]!r} at character {exc.start}); remove it"
    return None


def check_values(index: DocumentIndex) -> list[Problem]:
    """Every non-finite number and every text (value or key) containing NUL, in document order."""
    problems: list[Problem] = []
    stack: list[tuple[tuple, Any]] = [((), index.document)]
    while stack:  # iterative: documents nested deeper than any questionnaire must not overflow
        path, node = stack.pop()
        if isinstance(node, Mapping):
            for key in node:
                if _bad(key):
                    problems.append(problem(path + (key,), "key " + str(_bad(key)), QuestionnaireCode.SCHEMA))
            stack.extend((path + (key,), value) for key, value in reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend((path + (i,), value) for i, value in reversed(list(enumerate(node))))
        elif _bad(node):
            problems.append(problem(path, str(_bad(node)), QuestionnaireCode.SCHEMA))
    return problems
