"""Validate a raw questionnaire document: schema first, then every semantic check.

All problems are collected before anything fails, so an author fixes a file in one pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survey_engine.errors import Problem
from survey_engine.instruments.checks import ALL_CHECKS
from survey_engine.instruments.codes import QuestionnaireCode
from survey_engine.instruments.index import index_document
from survey_engine.instruments.schema_check import schema_problems

__all__ = ["validate_document"]


def validate_document(document: Mapping[str, Any]) -> list[Problem]:
    """Every problem of a questionnaire document, schema violations first; empty if valid."""
    try:
        problems = schema_problems(document)
        if not isinstance(document, Mapping):
            return problems  # the schema already says "not an object"; the semantic checks need one
        index = index_document(document)
        seen = {(p.path, p.message) for p in problems}
        for check in ALL_CHECKS:
            for found in check(index):
                if (found.path, found.message) not in seen:
                    seen.add((found.path, found.message))
                    problems.append(found)
    except RecursionError:
        # only a document nested far deeper than any questionnaire gets here (JSON text that deep
        # already fails to parse); the walks above are recursive by nature
        return [Problem("$", "the document is nested too deeply to be a questionnaire", QuestionnaireCode.SCHEMA)]
    return problems
