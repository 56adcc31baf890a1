"""Modes and respondent-type routing must name declared modes and types."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survey_engine.errors import Problem
from survey_engine.instruments.checks._problem import problem
from survey_engine.instruments.codes import QuestionnaireCode
from survey_engine.instruments.index import DocumentIndex

__all__ = ["check_routing"]


def _declared_types(document: Mapping[str, Any]) -> set[str]:
    types = document.get("respondent_types")
    return {t["code"] for t in types if isinstance(t, Mapping) and isinstance(t.get("code"), str)} \
        if isinstance(types, list) else set()


def _check_holder(path: tuple, holder: Mapping[str, Any], modes: set[str] | None, types: set[str]) -> list[Problem]:
    problems = []
    if modes is not None and isinstance(holder.get("modes"), list):
        for i, mode in enumerate(holder["modes"]):
            if isinstance(mode, str) and mode not in modes:
                problems.append(problem(path + ("modes", i), f"mode '{mode}' is not among the questionnaire's modes "
                                        f"({', '.join(sorted(modes))})", QuestionnaireCode.INVALID_MODE))
    if isinstance(holder.get("respondent_types"), list):
        for i, code in enumerate(holder["respondent_types"]):
            if isinstance(code, str) and code not in types:
                known = ", ".join(sorted(types)) or "none declared in 'respondent_types'"
                problems.append(problem(path + ("respondent_types", i), f"unknown respondent type '{code}' "
                                        f"(declared: {known})", QuestionnaireCode.UNKNOWN_RESPONDENT_TYPE))
    return problems


def _check_type_question(index: DocumentIndex, types: set[str]) -> list[Problem]:
    qid = index.document.get("respondent_type_question")
    if not isinstance(qid, str):
        uses_routing = any(isinstance(h.get("respondent_types"), list)
                           for _, h in index.questions + index.sections)
        if uses_routing:
            return [problem(("respondent_type_question",), "questions are routed by respondent type but "
                            "'respondent_type_question' does not say which question asks it",
                            QuestionnaireCode.INVALID_ROUTING)]
        return []
    answer = index.answer(qid)
    if answer is None:
        return [problem(("respondent_type_question",), f"unknown question '{qid}'", QuestionnaireCode.UNKNOWN_QUESTION)]
    if answer.type != "single_choice":
        return [problem(("respondent_type_question",), f"question '{qid}' is '{answer.type}'; the respondent type "
                        "must be asked by a single_choice question", QuestionnaireCode.INVALID_ROUTING)]
    problems = []
    for i, choice in enumerate(index.choices_of(answer.question) or []):
        code = choice.get("code") if isinstance(choice, Mapping) else None
        if isinstance(code, str) and code not in types:
            problems.append(problem(answer.path + ("choices", i, "code"), f"choice '{code}' of the respondent-type "
                                    "question is not a declared respondent type", QuestionnaireCode.INVALID_ROUTING))
    for qpath, question in index.questions:
        routed = index.answer(question.get("id")) if isinstance(question.get("id"), str) else None
        if isinstance(question.get("respondent_types"), list) and routed is not None and routed.order <= answer.order:
            problems.append(problem(qpath + ("respondent_types",), f"question is routed by respondent type but comes "
                                    f"before '{qid}', which asks it", QuestionnaireCode.FORWARD_REFERENCE))
    return problems


def check_routing(index: DocumentIndex) -> list[Problem]:
    """Undeclared modes or respondent types; a missing or misplaced respondent-type question."""
    document = index.document
    # modes that are not text are the schema's to report; only declared text modes count here
    modes = {m for m in document["modes"] if isinstance(m, str)} if isinstance(document.get("modes"), list) else None
    types = _declared_types(document)
    problems: list[Problem] = []
    for path, holder in index.sections + index.questions:
        problems += _check_holder(path, holder, modes, types)
    return problems + _check_type_question(index, types)
