"""Rating scales, numeric ranges, dates and text patterns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from survey_engine.errors import Problem
from survey_engine.instruments.checks._problem import problem
from survey_engine.instruments.codes import QuestionnaireCode
from survey_engine.instruments.expressions import check_pattern
from survey_engine.instruments.index import DocumentIndex

__all__ = ["check_scales", "scale_shape"]


def scale_shape(scale: Mapping[str, Any] | None) -> tuple[Any, Any, Any] | None:
    """What two items must share to be on the same scale: points, start, NA code."""
    if scale is None:
        return None
    na = scale.get("not_applicable")
    return (scale.get("points"), scale.get("start", 1), na.get("code") if isinstance(na, Mapping) else None)


def _integer(text: Any) -> int | None:
    """The integer a label key or code spells ('-1', '5'), or None ('²' is a digit but no integer)."""
    try:
        return int(text) if isinstance(text, str) and text.lstrip("-").isdigit() else None
    except ValueError:
        return None


def _check_scale_definition(path: tuple, scale: Mapping[str, Any]) -> list[Problem]:
    points, start = scale.get("points"), scale.get("start", 1)
    if not isinstance(points, int) or not isinstance(start, int):
        return []
    problems = []
    labels = scale.get("labels")
    for key in labels if isinstance(labels, Mapping) else ():
        point = _integer(key)
        if point is not None and not start <= point < start + points:
            problems.append(problem(path + ("labels", key), f"label for point {key} is outside the scale "
                                    f"{start}..{start + points - 1}", QuestionnaireCode.INVALID_SCALE_LABEL))
    na = scale.get("not_applicable")
    code = _integer(na.get("code")) if isinstance(na, Mapping) else None
    if code is not None:
        if start <= code < start + points:
            problems.append(problem(path + ("not_applicable", "code"), f"not-applicable code '{na['code']}' collides "
                                    "with a scale point; use a non-numeric code such as 'NA'",
                                    QuestionnaireCode.INVALID_SCALE_LABEL))
    return problems


def _scale_reference(index: DocumentIndex, path: tuple, holder: Mapping[str, Any]) -> list[Problem]:
    ref = holder.get("scale")
    if isinstance(ref, str) and ref not in index.scales():
        known = ", ".join(sorted(index.scales())) or "none defined"
        return [problem(path + ("scale",), f"unknown scale '{ref}' (known: {known})", QuestionnaireCode.UNKNOWN_SCALE)]
    if isinstance(ref, Mapping):
        return _check_scale_definition(path + ("scale",), ref)
    return []


def _date(value: Any) -> dt.date | None | str:
    if value == "today":
        return "today"
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _check_range(qpath: tuple, question: Mapping[str, Any]) -> list[Problem]:
    qtype, low, high = question.get("type"), question.get("min"), question.get("max")
    problems = []
    if qtype in ("integer", "decimal"):
        for key, value in (("min", low), ("max", high)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                problems.append(problem(qpath + (key,), f"{key} must be a number for type '{qtype}'",
                                        QuestionnaireCode.INVALID_RANGE))
        if isinstance(low, (int, float)) and isinstance(high, (int, float)) and low > high:
            problems.append(problem(qpath + ("min",), f"min ({low}) is larger than max ({high})",
                                    QuestionnaireCode.INVALID_RANGE))
    elif qtype == "date":
        parsed = {}
        for key, value in (("min", low), ("max", high)):
            if value is not None:
                parsed[key] = _date(value)
                if parsed[key] is None:
                    problems.append(problem(qpath + (key,), f"{key} must be a date 'YYYY-MM-DD' or 'today', "
                                            f"not {value!r}", QuestionnaireCode.INVALID_RANGE))
        lo, hi = parsed.get("min"), parsed.get("max")
        if isinstance(lo, dt.date) and isinstance(hi, dt.date) and lo > hi:
            problems.append(problem(qpath + ("min",), f"min ({lo}) is after max ({hi})", QuestionnaireCode.INVALID_RANGE))
    return problems


def _check_pattern(qpath: tuple, question: Mapping[str, Any]) -> list[Problem]:
    pattern = question.get("pattern")
    if not isinstance(pattern, str):
        return []
    reason = check_pattern(pattern)
    if reason is not None:
        return [problem(qpath + ("pattern",), f"invalid pattern: {reason}; patterns must read the same in the "
                        "browser and on the server (see docs/expressions.md)", QuestionnaireCode.INVALID_PATTERN)]
    return []


def check_scales(index: DocumentIndex) -> list[Problem]:
    """Scale references and labels, matrix items on another scale, ranges, patterns."""
    problems: list[Problem] = []
    for scale_id, scale in index.scales().items():
        if isinstance(scale, Mapping):
            problems += _check_scale_definition(("scales", scale_id), scale)
    for qpath, question in index.questions:
        problems += _scale_reference(index, qpath, question)
        problems += _check_range(qpath, question)
        problems += _check_pattern(qpath, question)
        if question.get("type") == "matrix" and isinstance(question.get("items"), list):
            shared = scale_shape(index.scale_of(question))
            for i, item in enumerate(question["items"]):
                if not isinstance(item, Mapping) or "scale" not in item:
                    continue
                problems += _scale_reference(index, qpath + ("items", i), item)
                own = scale_shape(index.scale_of(item))
                if shared is not None and own is not None and own != shared:
                    problems.append(problem(qpath + ("items", i, "scale"),
                                            f"matrix item '{item.get('id')}' uses a {own[0]}-point scale from {own[1]} "
                                            f"(NA {own[2]!r}) but the matrix scale is {shared[0]}-point from "
                                            f"{shared[1]} (NA {shared[2]!r}); all items of a matrix share one scale",
                                            QuestionnaireCode.MISMATCHED_SCALE))
    return problems
