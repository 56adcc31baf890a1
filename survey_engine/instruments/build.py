"""Build stage: a validated questionnaire dict → the frozen model tree.

Runs only after ``validate_document`` found no problem, so it may trust the structure.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from survey_engine.instruments.model import (
    AUTO_METADATA,     CascadeLevel, Choice, ChoiceList, Composite, Constraint, Dimension, ImportancePair,
    MatrixItem, Mode, NotApplicable, Notice, Page, Question, QuestionType, Questionnaire,
    Scale, Scoring, Section, Text,
)
from survey_engine.instruments.versioning import content_hash

__all__ = ["build_questionnaire"]

_NPS_SCALE = Scale(points=11, start=0, order="ascending")


def _text(raw: Mapping[str, str] | None) -> Text | None:
    return Text.of(raw)


def _choice(raw: Mapping[str, Any]) -> Choice:
    return Choice(
        code=raw["code"], label=Text.of(raw["label"]), parent=raw.get("parent"),
        exclusive=raw.get("exclusive", False), specify=raw.get("specify", False),
        fixed=raw.get("fixed", False), relevance=raw.get("relevance"),
    )


def _choice_list(list_id: str, raw: Mapping[str, Any]) -> ChoiceList:
    return ChoiceList(list_id, tuple(_choice(c) for c in raw["choices"]), _text(raw.get("label")))


def _scale(raw: Any, scales: Mapping[str, Scale]) -> Scale:
    if isinstance(raw, str):
        return scales[raw]
    return _scale_definition(None, raw)


def _scale_definition(scale_id: str | None, raw: Mapping[str, Any]) -> Scale:
    na = raw.get("not_applicable")
    return Scale(
        points=raw["points"], start=raw.get("start", 1),
        labels=tuple(sorted((int(k), Text.of(v)) for k, v in raw.get("labels", {}).items())),
        order=raw.get("order", "descending"),
        not_applicable=NotApplicable(na["code"], Text.of(na["label"])) if na else None,
        id=scale_id,
    )


def _modes(raw: list[str] | None) -> frozenset[Mode] | None:
    return None if raw is None else frozenset(Mode(m) for m in raw)


def _question(raw: Mapping[str, Any], lists: Mapping[str, ChoiceList], scales: Mapping[str, Scale]) -> Question:
    qtype = QuestionType(raw["type"])
    choices = None
    if "choices" in raw:
        choices = ChoiceList(raw["id"], tuple(_choice(c) for c in raw["choices"]))
    elif "choice_list" in raw:
        choices = lists[raw["choice_list"]]
    scale = _scale(raw["scale"], scales) if "scale" in raw else (_NPS_SCALE if qtype is QuestionType.NPS else None)
    constraint = raw.get("constraint")
    return Question(
        id=raw["id"], type=qtype, label=_text(raw.get("label")), hint=_text(raw.get("hint")),
        required=raw.get("required", False), relevance=raw.get("relevance"),
        constraint=Constraint(constraint["expression"], Text.of(constraint["message"])) if constraint else None,
        modes=_modes(raw.get("modes")),
        respondent_types=frozenset(raw["respondent_types"]) if "respondent_types" in raw else None,
        personal_data=raw.get("personal_data", False), choices=choices, randomize=raw.get("randomize", False), appearance=raw.get("appearance"),
        min_selected=raw.get("min_selected"), max_selected=raw.get("max_selected"), scale=scale,
        items=tuple(MatrixItem(i["id"], Text.of(i["label"]), i.get("required"), i.get("relevance"))
                    for i in raw.get("items", ())),
        levels=tuple(CascadeLevel(level["id"], Text.of(level["label"])) for level in raw.get("levels", ())),
        minimum=raw.get("min"), maximum=raw.get("max"), unit=_text(raw.get("unit")),
        decimals=raw.get("decimals"), max_length=raw.get("max_length"), pattern=raw.get("pattern"),
        pattern_message=_text(raw.get("pattern_message")), calculation=raw.get("calculation"),
        low_label=_text(raw.get("low_label")), high_label=_text(raw.get("high_label")),
    )


def _section(raw: Mapping[str, Any], lists: Mapping[str, ChoiceList], scales: Mapping[str, Scale]) -> Section:
    raw_pages = raw.get("pages") or [{"id": raw["id"], "questions": raw["questions"]}]
    pages = tuple(
        Page(p["id"], tuple(_question(q, lists, scales) for q in p["questions"]),
             _text(p.get("title")), p.get("relevance"))
        for p in raw_pages
    )
    return Section(
        id=raw["id"], pages=pages, title=_text(raw.get("title")), description=_text(raw.get("description")),
        relevance=raw.get("relevance"), modes=_modes(raw.get("modes")),
        respondent_types=frozenset(raw["respondent_types"]) if "respondent_types" in raw else None,
    )


def _scoring(raw: Mapping[str, Any] | None) -> Scoring | None:
    if raw is None:
        return None
    score_map = raw.get("score_map", "linear")
    if isinstance(score_map, Mapping):
        score_map = tuple(sorted((int(k), float(v)) for k, v in score_map.items()))
    composite = raw.get("composite")
    return Scoring(
        dimensions=tuple(
            Dimension(d["id"], Text.of(d["label"]), tuple(d["items"]),
                      tuple(sorted(d.get("item_weights", {}).items())), d.get("weight"), d.get("min_answered", 1))
            for d in raw["dimensions"]
        ),
        score_map=score_map,
        reverse=frozenset(raw.get("reverse", ())),
        composite=Composite(composite["id"], Text.of(composite["label"]), composite.get("weights", "fixed"),
                            composite.get("overall_item")) if composite else None,
        importance=tuple(ImportancePair(p["importance"], p["performance"]) for p in raw.get("importance", ())),
    )


def build_questionnaire(document: Mapping[str, Any]) -> Questionnaire:
    """Turn a valid questionnaire document into its immutable model."""
    scales = {sid: _scale_definition(sid, s) for sid, s in document.get("scales", {}).items()}
    lists = {lid: _choice_list(lid, cl) for lid, cl in document.get("choice_lists", {}).items()}
    notice = document.get("notice")
    return Questionnaire(
        id=document["id"], version=document["version"], title=Text.of(document["title"]),
        sections=tuple(_section(s, lists, scales) for s in document["sections"]),
        content_hash=content_hash(document),
        languages=tuple(document.get("languages", ["zh"])),
        default_language=document.get("default_language", "zh"),
        description=_text(document.get("description")),
        notice=Notice(Text.of(notice["text"]), _text(notice.get("title")), _text(notice.get("purpose")),
                      notice.get("consent_required", True)) if notice else None,
        modes=frozenset(Mode(m) for m in document.get("modes", [m.value for m in Mode])),
        metadata=tuple(document.get("metadata", AUTO_METADATA)),
        respondent_types=tuple(_choice(c) for c in document.get("respondent_types", ())),
        respondent_type_question=document.get("respondent_type_question"),
        choice_lists=MappingProxyType(lists), scales=MappingProxyType(scales),
        scoring=_scoring(document.get("scoring")),
    )
