"""A tolerant walk over a raw questionnaire dict, collecting what the semantic checks need.

It never assumes the schema passed: wrong shapes are skipped (the schema check reports them),
so all semantic problems can be reported in the same run.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Answer", "ExpressionSite", "DocumentIndex", "index_document"]

Path = tuple[str | int, ...]


@dataclass(slots=True)
class Answer:
    """Something that holds an answer: a question, a matrix item, or a cascade level."""

    id: str
    path: Path
    order: int
    type: str
    question: Mapping[str, Any]
    question_path: Path
    section_id: str | None


@dataclass(slots=True)
class ExpressionSite:
    """One expression and its role (relevance, constraint, calculation, choice_relevance)."""

    text: str
    path: Path
    role: str
    order: int
    owner: str | None


@dataclass(slots=True)
class DocumentIndex:
    document: Mapping[str, Any]
    answers: list[Answer] = field(default_factory=list)
    questions: list[tuple[Path, Mapping[str, Any]]] = field(default_factory=list)
    sections: list[tuple[Path, Mapping[str, Any]]] = field(default_factory=list)
    pages: list[tuple[Path, Mapping[str, Any]]] = field(default_factory=list)
    expressions: list[ExpressionSite] = field(default_factory=list)

    def answer(self, answer_id: str) -> Answer | None:
        for answer in self.answers:
            if answer.id == answer_id:
                return answer
        return None

    def answer_map(self) -> dict[str, Answer]:
        """First answer with each id (duplicates are reported by the id check)."""
        result: dict[str, Answer] = {}
        for answer in self.answers:
            result.setdefault(answer.id, answer)
        return result

    def choice_lists(self) -> Mapping[str, Any]:
        lists = self.document.get("choice_lists")
        return lists if isinstance(lists, Mapping) else {}

    def scales(self) -> Mapping[str, Any]:
        scales = self.document.get("scales")
        return scales if isinstance(scales, Mapping) else {}

    def choices_of(self, question: Mapping[str, Any]) -> list[Any] | None:
        """The choices a choice question offers (inline or from its list), or None if unknown."""
        if isinstance(question.get("choices"), list):
            return question["choices"]
        list_id = question.get("choice_list")
        found = self.choice_lists().get(list_id) if isinstance(list_id, str) else None
        if isinstance(found, Mapping) and isinstance(found.get("choices"), list):
            return found["choices"]
        return None

    def scale_of(self, holder: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The scale a rating/matrix (or matrix item) uses, resolving references."""
        scale = holder.get("scale")
        if isinstance(scale, str):
            scale = self.scales().get(scale)
        return scale if isinstance(scale, Mapping) else None


def _dicts(value: Any) -> Iterator[tuple[int, Mapping[str, Any]]]:
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, Mapping):
                yield i, item


def _add_expression(index: DocumentIndex, holder: Mapping[str, Any], key: str, path: Path,
                    role: str, order: int, owner: str | None) -> None:
    value = holder.get(key)
    if role == "constraint" and isinstance(value, Mapping):
        value, path = value.get("expression"), path + ("expression",)
    if isinstance(value, str):
        index.expressions.append(ExpressionSite(value, path, role, order, owner))


def _walk_question(index: DocumentIndex, qpath: Path, question: Mapping[str, Any], section_id: str | None) -> None:
    index.questions.append((qpath, question))
    qid = question.get("id") if isinstance(question.get("id"), str) else None
    qtype = question.get("type")
    order = len(index.answers)
    _add_expression(index, question, "relevance", qpath + ("relevance",), "relevance", order, qid)
    if qtype == "matrix":
        for i, item in _dicts(question.get("items")):
            if isinstance(item.get("id"), str):
                index.answers.append(Answer(item["id"], qpath + ("items", i), len(index.answers), "matrix_item",
                                            question, qpath, section_id))
            _add_expression(index, item, "relevance", qpath + ("items", i, "relevance"), "relevance",
                            len(index.answers) - 1, item.get("id"))
    elif qtype == "cascading_select":
        for i, level in _dicts(question.get("levels")):
            if isinstance(level.get("id"), str):
                index.answers.append(Answer(level["id"], qpath + ("levels", i), len(index.answers),
                                            "cascade_level", question, qpath, section_id))
    elif qid is not None:
        index.answers.append(Answer(qid, qpath, len(index.answers), str(qtype), question, qpath, section_id))
    after = len(index.answers)
    _add_expression(index, question, "constraint", qpath + ("constraint",), "constraint", after, qid)
    _add_expression(index, question, "calculation", qpath + ("calculation",), "calculation", after, qid)
    for i, choice in _dicts(question.get("choices")):
        _add_expression(index, choice, "relevance", qpath + ("choices", i, "relevance"), "choice_relevance",
                        order, qid)


def index_document(document: Mapping[str, Any]) -> DocumentIndex:
    """Collect answers (in document order), containers and expressions of a raw document."""
    index = DocumentIndex(document)
    for s, section in _dicts(document.get("sections")):
        spath: Path = ("sections", s)
        index.sections.append((spath, section))
        section_id = section.get("id") if isinstance(section.get("id"), str) else None
        _add_expression(index, section, "relevance", spath + ("relevance",), "relevance", len(index.answers), section_id)
        if isinstance(section.get("pages"), list):
            for p, page in _dicts(section["pages"]):
                ppath = spath + ("pages", p)
                index.pages.append((ppath, page))
                _add_expression(index, page, "relevance", ppath + ("relevance",), "relevance", len(index.answers),
                                page.get("id"))
                for q, question in _dicts(page.get("questions")):
                    _walk_question(index, ppath + ("questions", q), question, section_id)
        for q, question in _dicts(section.get("questions")):
            _walk_question(index, spath + ("questions", q), question, section_id)
    for list_id, choice_list in index.choice_lists().items():
        if isinstance(choice_list, Mapping):
            for i, choice in _dicts(choice_list.get("choices")):
                _add_expression(index, choice, "relevance", ("choice_lists", list_id, "choices", i, "relevance"),
                                "choice_relevance", len(index.answers), None)
    return index
