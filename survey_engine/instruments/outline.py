"""A readable outline of a questionnaire with its routing, for ``survey-engine show``."""

from __future__ import annotations

from collections.abc import Iterator

from survey_engine.instruments.model import Question, QuestionType, Questionnaire, Scale, Text

__all__ = ["outline"]

_WORDS = {
    "zh": {"shown_if": "显示条件", "check": "校验", "calc": "计算", "required": "必答", "modes": "方式",
           "types": "受访者类型", "random": "选项随机", "select": "选择", "notice": "告知", "scoring": "计分",
           "dimension": "维度", "weight": "权重", "reverse": "反向计分", "importance": "重要性",
           "performance": "表现", "composite": "综合指数", "items": "题目"},
    "en": {"shown_if": "shown if", "check": "check", "calc": "calculated as", "required": "required",
           "modes": "modes", "types": "respondent types", "random": "options randomised", "select": "select",
           "notice": "Notice", "scoring": "Scoring", "dimension": "dimension", "weight": "weight",
           "reverse": "reverse-keyed", "importance": "importance", "performance": "performance",
           "composite": "composite index", "items": "items"},
}


def _t(text: Text | None, lang: str) -> str:
    return text.get(lang) if text is not None else ""


def _scale_line(scale: Scale, lang: str) -> str:
    parts = [f"{v} {_t(scale.label(v), lang)}".strip() for v in scale.display_values]
    if scale.not_applicable:
        parts.append(f"{scale.not_applicable.code} {_t(scale.not_applicable.label, lang)}")
    return " | ".join(parts)


def _routing(question_or_section, words: dict[str, str]) -> Iterator[str]:
    if question_or_section.relevance:
        yield f"→ {words['shown_if']}: {question_or_section.relevance}"
    if question_or_section.modes:
        yield f"→ {words['modes']}: {', '.join(sorted(m.value for m in question_or_section.modes))}"
    if question_or_section.respondent_types:
        yield f"→ {words['types']}: {', '.join(sorted(question_or_section.respondent_types))}"


def _question(number: int, q: Question, lang: str, words: dict[str, str]) -> Iterator[str]:
    flags = [q.type.value] + ([words["required"]] if q.required else [])
    yield f"  {number:>3}. {q.id} ({', '.join(flags)}) {_t(q.label, lang)}"
    pad = "        "
    for line in _routing(q, words):
        yield pad + line
    if q.choices is not None and q.type is not QuestionType.CASCADING_SELECT:
        shown = [f"{c.code} {_t(c.label, lang)}" + (" [*]" if c.exclusive else "") + (" [...]" if c.specify else "")
                 for c in q.choices.choices]
        yield pad + " | ".join(shown)
        if q.min_selected or q.max_selected:
            yield pad + f"{words['select']} {q.min_selected or 0}..{q.max_selected or len(shown)}"
    if q.randomize:
        yield pad + words["random"]
    if q.scale is not None:
        yield pad + _scale_line(q.scale, lang)
    for item in q.items:
        yield pad + f"- {item.id}: {_t(item.label, lang)}" + (f"  → {words['shown_if']}: {item.relevance}"
                                                              if item.relevance else "")
    if q.levels:
        yield pad + " → ".join(f"{level.id} {_t(level.label, lang)}" for level in q.levels)
    if q.minimum is not None or q.maximum is not None:
        yield pad + f"[{q.minimum if q.minimum is not None else ''} .. {q.maximum if q.maximum is not None else ''}] " \
                    f"{_t(q.unit, lang)}".rstrip()
    if q.constraint:
        yield pad + f"✓ {words['check']}: {q.constraint.expression} — {_t(q.constraint.message, lang)}"
    if q.calculation:
        yield pad + f"= {words['calc']}: {q.calculation}"


def outline(questionnaire: Questionnaire, language: str | None = None) -> str:
    """The questionnaire as indented text: sections, pages, questions, options and routing."""
    lang = language or questionnaire.default_language
    words = _WORDS.get(lang, _WORDS["en"])
    lines = [f"{_t(questionnaire.title, lang)}",
             f"{questionnaire.version_id}  languages: {', '.join(questionnaire.languages)}  "
             f"modes: {', '.join(sorted(m.value for m in questionnaire.modes))}"]
    if questionnaire.notice:
        lines.append(f"{words['notice']}: {_t(questionnaire.notice.text, lang)}")
    number = 0
    for section in questionnaire.sections:
        lines.append("")
        lines.append(f"[{section.id}] {_t(section.title, lang)}")
        lines.extend("  " + line for line in _routing(section, words))
        for page in section.pages:
            if len(section.pages) > 1 or page.id != section.id:
                lines.append(f" · {page.id} {_t(page.title, lang)}".rstrip())
                if page.relevance:
                    lines.append(f"   → {words['shown_if']}: {page.relevance}")
            for q in page.questions:
                number += 1
                lines.extend(_question(number, q, lang, words))
    if questionnaire.scoring:
        lines += ["", f"{words['scoring']}:"]
        scoring = questionnaire.scoring
        for dim in scoring.dimensions:
            weight = f" ({words['weight']} {dim.weight:g})" if dim.weight is not None else ""
            lines.append(f"  {words['dimension']} {dim.id}{weight}: {_t(dim.label, lang)} — "
                         f"{words['items']}: {', '.join(dim.items)}")
        if scoring.reverse:
            lines.append(f"  {words['reverse']}: {', '.join(sorted(scoring.reverse))}")
        if scoring.composite:
            lines.append(f"  {words['composite']} {scoring.composite.id}: {_t(scoring.composite.label, lang)} "
                         f"({scoring.composite.weights})")
        for pair in scoring.importance:
            lines.append(f"  {words['importance']} {pair.importance} ↔ {words['performance']} {pair.performance}")
    return "\n".join(lines) + "\n"
