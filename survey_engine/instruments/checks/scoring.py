"""The scoring block: items must be numeric scales; weights, reversals and IPA pairs must
refer to what exists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survey_engine.errors import Problem
from survey_engine.instruments.checks._problem import problem
from survey_engine.instruments.codes import QuestionnaireCode
from survey_engine.instruments.index import Answer, DocumentIndex

__all__ = ["check_scoring"]

_SCORABLE = {"rating", "matrix_item"}
_MAX_POINTS = 11  # the schema's limit; a larger 'points' is reported there, not expanded here


def _scorable(index: DocumentIndex, path: tuple, item_id: Any, answers: Mapping[str, Answer]) -> list[Problem]:
    if not isinstance(item_id, str):
        return []
    answer = answers.get(item_id)
    if answer is None:
        return [problem(path, f"unknown question '{item_id}'", QuestionnaireCode.UNKNOWN_QUESTION)]
    if answer.type not in _SCORABLE:
        return [problem(path, f"'{item_id}' is a '{answer.type}' question; only rating questions and matrix items "
                        "(numeric scales) can be scored", QuestionnaireCode.NOT_NUMERIC_SCALE)]
    return []


def _scale_values(index: DocumentIndex, answer: Answer) -> set[int]:
    holder = answer.question
    if answer.type == "matrix_item":
        item = index.document
        for part in answer.path:
            item = item[part]
        holder = item if "scale" in item else answer.question
    scale = index.scale_of(holder) or {}
    points, start = scale.get("points"), scale.get("start", 1)
    if not isinstance(points, int) or not isinstance(start, int) or not 0 < points <= _MAX_POINTS:
        return set()
    return set(range(start, start + points))


def _key_number(key: Any) -> int | None:
    """A score-map key as the scale value it names; None when it names none (the schema says so)."""
    try:
        return int(key)
    except (TypeError, ValueError):
        return None


def _texts(value: Any) -> list[str]:
    """The text entries of a list of ids (others are the schema's to report)."""
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _check_dimensions(index: DocumentIndex, dims: list[Any], answers: Mapping[str, Answer],
                      score_map: Any) -> list[Problem]:
    problems = []
    explicit = {_key_number(k) for k in score_map} - {None} if isinstance(score_map, Mapping) else None
    for d, dim in enumerate(dims):
        if not isinstance(dim, Mapping) or not isinstance(dim.get("items"), list):
            continue
        dpath = ("scoring", "dimensions", d)
        items = dim["items"]
        for i, item_id in enumerate(items):
            found = _scorable(index, dpath + ("items", i), item_id, answers)
            problems += found
            if not found and explicit is not None and isinstance(item_id, str):
                uncovered = sorted(_scale_values(index, answers[item_id]) - explicit)
                if uncovered:
                    problems.append(problem(("scoring", "score_map"), f"no score for value(s) {uncovered} of "
                                            f"item '{item_id}'", QuestionnaireCode.INVALID_SCORING))
        for key in dim.get("item_weights", {}) if isinstance(dim.get("item_weights"), Mapping) else ():
            if key not in items:
                problems.append(problem(dpath + ("item_weights", key), f"'{key}' is not an item of dimension "
                                        f"'{dim.get('id')}'", QuestionnaireCode.INVALID_SCORING))
        minimum = dim.get("min_answered")
        if isinstance(minimum, int) and minimum > len(items):
            problems.append(problem(dpath + ("min_answered",), f"min_answered ({minimum}) exceeds the {len(items)} "
                                    "items of the dimension", QuestionnaireCode.INVALID_SCORING))
    return problems


def check_scoring(index: DocumentIndex) -> list[Problem]:
    """Non-numeric or unknown items, stray reversals/weights, composite and IPA references."""
    scoring = index.document.get("scoring")
    if not isinstance(scoring, Mapping) or not isinstance(scoring.get("dimensions"), list):
        return []
    answers = index.answer_map()
    dims = scoring["dimensions"]
    problems = _check_dimensions(index, dims, answers, scoring.get("score_map"))
    dim_ids = {d.get("id") for d in dims if isinstance(d, Mapping) and isinstance(d.get("id"), str)}
    all_items = {i for d in dims if isinstance(d, Mapping) for i in _texts(d.get("items"))}
    reverse = scoring.get("reverse")
    for i, item_id in enumerate(reverse if isinstance(reverse, list) else []):
        if not isinstance(item_id, str) or item_id not in all_items:
            problems.append(problem(("scoring", "reverse", i), f"reverse-keyed item '{item_id}' is not in any "
                                    "dimension", QuestionnaireCode.INVALID_SCORING))
    composite = scoring.get("composite")
    if isinstance(composite, Mapping):
        if "overall_item" in composite:
            problems += _scorable(index, ("scoring", "composite", "overall_item"), composite["overall_item"], answers)
        if composite.get("weights", "fixed") == "fixed":
            for d, dim in enumerate(dims):
                if isinstance(dim, Mapping) and "weight" not in dim:
                    problems.append(problem(("scoring", "dimensions", d), f"dimension '{dim.get('id')}' has no "
                                            "'weight' but the composite uses fixed weights",
                                            QuestionnaireCode.INVALID_SCORING))
        elif composite.get("weights") == "regression" and "overall_item" not in composite:
            problems.append(problem(("scoring", "composite"), "regression weights need 'overall_item' (the overall "
                                    "satisfaction question)", QuestionnaireCode.INVALID_SCORING))
    importance = scoring.get("importance")
    for p, pair in enumerate(importance if isinstance(importance, list) else []):
        if not isinstance(pair, Mapping):
            continue
        problems += _scorable(index, ("scoring", "importance", p, "importance"), pair.get("importance"), answers)
        target = pair.get("performance")
        if isinstance(target, str) and target not in dim_ids and target not in all_items:
            problems.append(problem(("scoring", "importance", p, "performance"), f"'{target}' is neither a dimension "
                                    "nor a scored item", QuestionnaireCode.UNKNOWN_DIMENSION))
    return problems
