"""Everything a person reads must exist in every language the questionnaire declares."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from survey_engine.errors import Problem
from survey_engine.instruments.checks._problem import problem
from survey_engine.instruments.codes import QuestionnaireCode
from survey_engine.instruments.index import DocumentIndex

__all__ = ["check_translations", "texts"]

_LANGUAGE_KEYS = frozenset({"zh", "en"})


def _is_text(value: Any) -> bool:
    return (isinstance(value, Mapping) and bool(value) and set(value) <= _LANGUAGE_KEYS
            and all(isinstance(v, str) for v in value.values()))


def texts(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, Mapping[str, str]]]:
    """Every language-keyed text object in a document, with its path."""
    if _is_text(node):
        yield path, node
    elif isinstance(node, Mapping):
        for key, value in node.items():
            yield from texts(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from texts(value, path + (i,))


def check_translations(index: DocumentIndex) -> list[Problem]:
    """Texts lacking a declared language, and a default language that is not declared."""
    document = index.document
    languages = document.get("languages", ["zh"])
    if not isinstance(languages, list):
        return []
    problems = []
    default = document.get("default_language", "zh")
    if isinstance(default, str) and default not in languages:
        problems.append(problem(("default_language",), f"default language '{default}' is not in languages "
                                f"{languages}", QuestionnaireCode.MISSING_TRANSLATION))
    for path, text in texts(document):
        missing = [lang for lang in languages if isinstance(lang, str) and not text.get(lang, "").strip()]
        if missing:
            shown = next(iter(text.values()), "")[:30]
            problems.append(problem(path, f"missing translation {', '.join(repr(m) for m in missing)} for "
                                    f"\u201c{shown}\u201d", QuestionnaireCode.MISSING_TRANSLATION))
    return problems
