"""Load questionnaire documents: file or text -> dict -> validated, immutable ``Questionnaire``.

Every failure becomes a ``QuestionnaireError`` listing all problems with their location;
malformed JSON reports its line and column.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from survey_engine.errors import Problem, QuestionnaireError
from survey_engine.instruments.build import build_questionnaire
from survey_engine.instruments.codes import QuestionnaireCode
from survey_engine.instruments.model import Questionnaire
from survey_engine.instruments.validate import validate_document

__all__ = ["load", "loads", "from_dict", "read_document", "parse_document", "problems_in_file"]


def parse_document(text: str, source: str = "<text>") -> dict[str, Any]:
    """Parse JSON text into a dict, reporting syntax errors by line and column."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        problem = Problem(
            f"{source}:{exc.lineno}:{exc.colno}",
            f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})",
            QuestionnaireCode.MALFORMED_JSON,
        )
        raise QuestionnaireError(str(problem), QuestionnaireCode.MALFORMED_JSON, (problem,)) from None
    except RecursionError:
        problem = Problem(source, "malformed JSON: nested too deeply to be a questionnaire",
                          QuestionnaireCode.MALFORMED_JSON)
        raise QuestionnaireError(str(problem), QuestionnaireCode.MALFORMED_JSON, (problem,)) from None
    if not isinstance(doc, dict):
        problem = Problem("$", "a questionnaire must be a JSON object { ... }", QuestionnaireCode.SCHEMA)
        raise QuestionnaireError(str(problem), QuestionnaireCode.SCHEMA, (problem,))
    return doc


def read_document(path: str | Path) -> dict[str, Any]:
    """Read a questionnaire file (UTF-8, BOM tolerated) into a dict."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        problem = Problem(str(path), "file not found", QuestionnaireCode.FILE_NOT_FOUND)
        raise QuestionnaireError(str(problem), QuestionnaireCode.FILE_NOT_FOUND, (problem,)) from None
    except UnicodeDecodeError as exc:
        problem = Problem(str(path), f"not UTF-8 text (byte {exc.start}); save the file as UTF-8",
                          QuestionnaireCode.MALFORMED_JSON)
        raise QuestionnaireError(str(problem), QuestionnaireCode.MALFORMED_JSON, (problem,)) from None
    except OSError as exc:  # a directory, no permission, a broken link...
        problem = Problem(str(path), f"cannot be read ({exc.strerror or exc}); give a questionnaire file",
                          QuestionnaireCode.FILE_NOT_FOUND)
        raise QuestionnaireError(str(problem), QuestionnaireCode.FILE_NOT_FOUND, (problem,)) from None
    return parse_document(text, source=str(path))


def from_dict(doc: Mapping[str, Any]) -> Questionnaire:
    """Validate a questionnaire dict completely and build the immutable instrument."""
    problems = validate_document(doc)
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise QuestionnaireError(f"invalid questionnaire: {first}{more}", first.code, tuple(problems))
    return build_questionnaire(doc)


def loads(text: str) -> Questionnaire:
    """Build a questionnaire from JSON text."""
    return from_dict(parse_document(text))


def load(path: str | Path) -> Questionnaire:
    """Build a questionnaire from a JSON file."""
    return from_dict(read_document(path))


def problems_in_file(path: str | Path) -> list[Problem]:
    """Every problem of one file (empty when valid): what ``survey-engine validate`` prints."""
    try:
        doc = read_document(path)
    except QuestionnaireError as exc:
        return list(exc.problems)
    return validate_document(doc)
