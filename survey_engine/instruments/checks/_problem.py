"""Shorthand for building located problems inside the checks."""

from __future__ import annotations

from survey_engine.errors import Problem
from survey_engine.instruments.codes import QuestionnaireCode
from survey_engine.instruments.paths import json_path

__all__ = ["problem"]


def problem(path: tuple[str | int, ...], message: str, code: QuestionnaireCode) -> Problem:
    """A problem at a JSON path given as parts."""
    return Problem(json_path(path), message, code)
