"""Expressions must parse, refer to existing earlier answers, use real choice codes, and
calculations must not depend on themselves."""

from __future__ import annotations

import graphlib
from collections.abc import Mapping
from survey_engine.errors import ExpressionError, Problem
from survey_engine.instruments.checks._problem import problem
from survey_engine.instruments.codes import QuestionnaireCode
from survey_engine.instruments.expressions import Expression, parse
from survey_engine.instruments.index import Answer, DocumentIndex, ExpressionSite

__all__ = ["check_expressions"]

_CHOICE_ANSWERS = {"single_choice", "multiple_choice", "cascade_level"}


def _choice_codes(index: DocumentIndex, answer: Answer) -> set[str] | None:
    if answer.type not in _CHOICE_ANSWERS:
        return None
    choices = index.choices_of(answer.question)
    if choices is None:
        return None
    return {c["code"] for c in choices if isinstance(c, Mapping) and isinstance(c.get("code"), str)}


def _check_site(index: DocumentIndex, site: ExpressionSite, expr: Expression,
                answers: Mapping[str, Answer]) -> list[Problem]:
    problems = []
    if expr.uses_current and site.role != "constraint":
        problems.append(problem(site.path, "'{.}' (this question's own answer) can only be used in a constraint",
                                QuestionnaireCode.EXPRESSION_SYNTAX))
    for ref in sorted(expr.references):
        answer = answers.get(ref)
        if answer is None:
            problems.append(problem(site.path, f"unknown question '{ref}'", QuestionnaireCode.UNKNOWN_QUESTION))
        elif site.role != "calculation" and answer.order >= site.order:
            problems.append(problem(site.path, f"'{ref}' is asked later in the questionnaire; a {site.role.replace('_', ' ')} "
                                    "can only use answers given before it", QuestionnaireCode.FORWARD_REFERENCE))
    for use in expr.code_uses():
        ref = use.question if use.question is not None else site.owner
        answer = answers.get(ref) if ref is not None else None
        codes = _choice_codes(index, answer) if answer is not None else None
        if codes is not None and use.code not in codes:
            problems.append(problem(site.path, f"at position {use.position}: '{use.code}' is not a choice of "
                                    f"'{ref}' (choices: {', '.join(sorted(codes))})", QuestionnaireCode.UNKNOWN_CHOICE))
    return problems


def _calculation_cycles(index: DocumentIndex, parsed: list[tuple[ExpressionSite, Expression]]) -> list[Problem]:
    graph: dict[str, set[str]] = {}
    paths: dict[str, tuple] = {}
    for site, expr in parsed:
        if site.role == "calculation" and site.owner:
            graph[site.owner] = set(expr.references)
            paths[site.owner] = site.path
    sorter = graphlib.TopologicalSorter({k: {r for r in v if r in graph} for k, v in graph.items()})
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        cycle = exc.args[1]
        return [problem(paths[cycle[0]], f"calculation cycle: {' -> '.join(cycle)}; a calculation cannot depend "
                        "on itself", QuestionnaireCode.CALCULATION_CYCLE)]
    return []


def check_expressions(index: DocumentIndex) -> list[Problem]:
    """Syntax errors (with position), unknown or later questions, unknown codes, cycles."""
    problems: list[Problem] = []
    parsed: list[tuple[ExpressionSite, Expression]] = []
    answers = index.answer_map()
    for site in index.expressions:
        try:
            expr = parse(site.text)
        except ExpressionError as exc:
            problems.append(problem(site.path, f"expression error: {exc}", QuestionnaireCode.EXPRESSION_SYNTAX))
            continue
        parsed.append((site, expr))
        problems += _check_site(index, site, expr, answers)
    return problems + _calculation_cycles(index, parsed)
