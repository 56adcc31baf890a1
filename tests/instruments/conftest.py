"""Fixtures for questionnaire tests: the documented small example and a way to break it."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture()
def example() -> dict:
    """A fresh copy of the small example from docs/questionnaire-format.md."""
    return json.loads((FIXTURES / "small_example.json").read_text("utf-8"))


def question(doc: dict, qid: str) -> dict:
    """The raw question dict with this id (searching sections and pages)."""
    for section in doc["sections"]:
        pages = section.get("pages") or [section]
        for page in pages:
            for q in page["questions"]:
                if q["id"] == qid:
                    return q
    raise KeyError(qid)


def codes(problems) -> list[str]:
    return [p.code.value for p in problems]


def copy_of(doc: dict) -> dict:
    return copy.deepcopy(doc)
