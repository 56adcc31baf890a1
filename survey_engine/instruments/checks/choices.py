"""Choice questions: list references, selection limits, exclusive options, cascades."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survey_engine.errors import Problem
from survey_engine.instruments.checks._problem import problem
from survey_engine.instruments.codes import QuestionnaireCode
from survey_engine.instruments.index import DocumentIndex

__all__ = ["check_choices"]

_CHOICE_TYPES = {"single_choice", "multiple_choice", "cascading_select"}


def _depths(choices: list[Any]) -> tuple[dict[str, int], list[tuple[int, str]]]:
    """Depth of each code (1 = top level) and the (index, parent) pairs whose parent is unknown."""
    # a parent that is not text is a schema problem; here it only must not break the look-ups
    parents = {c["code"]: c.get("parent") if isinstance(c.get("parent"), str) else None
               for c in choices if isinstance(c, Mapping) and isinstance(c.get("code"), str)}
    unknown = [(i, c["parent"]) for i, c in enumerate(choices)
               if isinstance(c, Mapping) and isinstance(c.get("parent"), str) and c["parent"] not in parents]
    depths: dict[str, int] = {}
    for code in parents:
        depth, seen, current = 1, {code}, parents[code]
        while current is not None and current in parents and current not in seen:
            seen.add(current)
            depth += 1
            current = parents[current]
        depths[code] = depth if current is None or current not in seen else -1
    return depths, unknown


def _check_cascade(index: DocumentIndex, qpath: tuple, question: Mapping[str, Any]) -> list[Problem]:
    choices = index.choices_of(question)
    levels = question.get("levels")
    if choices is None or not isinstance(levels, list):
        return []
    where = ("choice_lists", question.get("choice_list"))
    depths, unknown = _depths(choices)
    problems = [problem(where + ("choices", i, "parent"), f"parent '{parent}' is not a code of this list",
                        QuestionnaireCode.INVALID_CASCADE) for i, parent in unknown]
    for code, depth in depths.items():
        if depth == -1:
            problems.append(problem(where, f"choice '{code}' is its own ancestor (parent cycle)",
                                    QuestionnaireCode.INVALID_CASCADE))
        elif depth > len(levels):
            problems.append(problem(qpath + ("levels",), f"choice '{code}' is {depth} levels deep but the question "
                                    f"has {len(levels)} levels; add a level or fix its parent",
                                    QuestionnaireCode.INVALID_CASCADE))
    if depths and 1 not in depths.values():
        problems.append(problem(where, "no top-level choice (every choice has a parent)", QuestionnaireCode.INVALID_CASCADE))
    return problems


def _check_selection(qpath: tuple, question: Mapping[str, Any], choices: list[Any] | None) -> list[Problem]:
    problems = []
    low, high = question.get("min_selected"), question.get("max_selected")
    count = len(choices) if choices is not None else None
    if isinstance(low, int) and isinstance(high, int) and low > high:
        problems.append(problem(qpath + ("min_selected",), f"min_selected ({low}) is larger than max_selected ({high})",
                                QuestionnaireCode.INVALID_RANGE))
    for key, value in (("min_selected", low), ("max_selected", high)):
        if isinstance(value, int) and count is not None and value > count:
            problems.append(problem(qpath + (key,), f"{key} ({value}) exceeds the {count} choices offered",
                                    QuestionnaireCode.INVALID_RANGE))
    return problems


def check_choices(index: DocumentIndex) -> list[Problem]:
    """Unknown choice lists, impossible selection limits, misplaced options, broken cascades."""
    problems: list[Problem] = []
    lists = index.choice_lists()
    for qpath, question in index.questions:
        qtype = question.get("type")
        if not isinstance(qtype, str) or qtype not in _CHOICE_TYPES:
            if question.get("randomize") and qtype != "matrix":
                problems.append(problem(qpath + ("randomize",), f"type '{qtype}' has no options to randomise",
                                        QuestionnaireCode.INVALID_CHOICE_OPTION))
            continue
        list_id = question.get("choice_list")
        if isinstance(list_id, str) and list_id not in lists:
            known = ", ".join(sorted(lists)) or "none defined"
            problems.append(problem(qpath + ("choice_list",), f"unknown choice list '{list_id}' (known: {known})",
                                    QuestionnaireCode.UNKNOWN_CHOICE_LIST))
        choices = index.choices_of(question)
        if qtype == "multiple_choice":
            problems += _check_selection(qpath, question, choices)
        elif choices is not None:
            for i, choice in enumerate(choices):
                if isinstance(choice, Mapping) and choice.get("exclusive") and "choices" in question:
                    problems.append(problem(qpath + ("choices", i, "exclusive"),
                                            "'exclusive' only makes sense in a multiple_choice question",
                                            QuestionnaireCode.INVALID_CHOICE_OPTION))
        if qtype == "cascading_select":
            problems += _check_cascade(index, qpath, question)
    return problems
