"""Structural check of a questionnaire against the bundled JSON Schema.

jsonschema finds the problems; this module rewrites its messages so an author sees the
key and what to do, e.g. ``sections[0].questions[2].type: unknown question type 'slider';
accepted types: ...``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from survey_engine.errors import Problem
from survey_engine.instruments.codes import QuestionnaireCode
from survey_engine.instruments.paths import json_path

__all__ = ["schema", "schema_problems"]


@cache
def schema() -> Mapping[str, Any]:
    """The questionnaire JSON Schema shipped inside the package."""
    text = resources.files("survey_engine.instruments").joinpath("schema/questionnaire.schema.json").read_text("utf-8")
    return json.loads(text)


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


def _message(error: jsonschema.ValidationError, document: Any) -> tuple[list[str | int], str, QuestionnaireCode]:
    """Author-facing (path, message, code) for one jsonschema error."""
    path: list[str | int] = list(error.absolute_path)
    code = QuestionnaireCode.SCHEMA
    if error.validator == "not" and error.validator_value == {}:
        # Keys declared as {"not": {}} for question types that do not take them.
        owner = _at(document, path[:-1])
        qtype = owner.get("type") if isinstance(owner, Mapping) else None
        where = f" for type '{qtype}'" if qtype else " here"
        return path, f"key '{path[-1]}' is not allowed{where}; remove it", code
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, Mapping) else []
        names = ", ".join(f"'{k}'" for k in extra)
        return path, f"unknown key {names}; allowed keys: {', '.join(allowed)}", code
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return path, f"missing required key '{missing}'", code
    if error.validator == "enum" and path and path[-1] == "type" and len(path) >= 2:
        accepted = ", ".join(error.validator_value)
        return path, f"unknown question type {error.instance!r}; accepted types: {accepted}", QuestionnaireCode.UNKNOWN_TYPE
    if error.validator == "enum":
        accepted = ", ".join(repr(v) for v in error.validator_value)
        return path, f"{error.instance!r} is not accepted; use one of {accepted}", code
    if error.validator == "oneOf" and error.context:
        required = sorted({c.message.split("'")[1] for c in error.context if c.validator == "required"})
        if len(required) >= 2:
            names = " or ".join(f"'{r}'" for r in required)
            return path, f"needs exactly one of {names}", code
        return path, f"{_short(error.instance)} does not match any accepted form; {error.context[0].message}", code
    if error.validator == "pattern":
        return path, f"{error.instance!r} does not match the required pattern {error.validator_value}", code
    if error.validator == "propertyNames":
        return path, f"{error.message}", code
    return path, error.message, code


def _at(document: Any, path: list[str | int]) -> Any:
    node = document
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def schema_problems(document: Mapping[str, Any]) -> list[Problem]:
    """Every schema violation, in document order, as located problems."""
    problems = []
    for error in _validator().iter_errors(document):
        path, message, code = _message(error, document)
        problems.append((list(error.absolute_path), Problem(json_path(path), message, code)))
    problems.sort(key=lambda item: [(0, p) if isinstance(p, int) else (1, p) for p in item[0]])
    return [problem for _, problem in problems]
