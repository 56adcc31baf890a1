"""Ids must be unique: answers (questions, matrix items, cascade levels), sections, pages,
choice codes within one list, dimensions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from survey_engine.errors import Problem
from survey_engine.instruments.checks._problem import problem
from survey_engine.instruments.codes import QuestionnaireCode
from survey_engine.instruments.index import DocumentIndex
from survey_engine.instruments.paths import json_path

__all__ = ["check_identity", "duplicate_codes"]


def _duplicates(entries: Iterable[tuple[Any, tuple]], what: str) -> list[Problem]:
    first: dict[Any, tuple] = {}
    found = []
    for key, path in entries:
        if not isinstance(key, str):
            continue
        if key in first:
            found.append(problem(path + ("id",),
                                 f"duplicate {what} id '{key}' (first used at {json_path(first[key])}); "
                                 "give each one its own id", QuestionnaireCode.DUPLICATE_ID))
        else:
            first[key] = path
    return found


def duplicate_codes(choices: Any, path: tuple) -> list[Problem]:
    """Choice codes repeated within one list of choices."""
    seen: dict[str, int] = {}
    found = []
    for i, choice in enumerate(choices if isinstance(choices, list) else []):
        code = choice.get("code") if isinstance(choice, Mapping) else None
        if not isinstance(code, str):
            continue
        if code in seen:
            found.append(problem(path + (i, "code"), f"duplicate choice code '{code}' (also at index {seen[code]})",
                                 QuestionnaireCode.DUPLICATE_CODE))
        else:
            seen[code] = i
    return found


def check_identity(index: DocumentIndex) -> list[Problem]:
    """Duplicate ids anywhere they must be unique."""
    problems = _duplicates(((a.id, a.path) for a in index.answers), "question")
    problems += _duplicates(((s.get("id"), p) for p, s in index.sections), "section")
    problems += _duplicates(((pg.get("id"), p) for p, pg in index.pages), "page")
    for qpath, question in index.questions:
        problems += duplicate_codes(question.get("choices"), qpath + ("choices",))
    for list_id, choice_list in index.choice_lists().items():
        if isinstance(choice_list, Mapping):
            problems += duplicate_codes(choice_list.get("choices"), ("choice_lists", list_id, "choices"))
    problems += duplicate_codes(index.document.get("respondent_types"), ("respondent_types",))
    scoring = index.document.get("scoring")
    if isinstance(scoring, Mapping) and isinstance(scoring.get("dimensions"), list):
        dims = [(d.get("id"), ("scoring", "dimensions", i)) for i, d in enumerate(scoring["dimensions"])
                if isinstance(d, Mapping)]
        problems += _duplicates(dims, "dimension")
        answer_ids = {a.id for a in index.answers}
        for dim_id, path in dims:
            if isinstance(dim_id, str) and dim_id in answer_ids:
                problems.append(problem(path + ("id",), f"dimension id '{dim_id}' is also a question id; "
                                        "use a different id so importance pairs are unambiguous",
                                        QuestionnaireCode.DUPLICATE_ID))
    return problems
