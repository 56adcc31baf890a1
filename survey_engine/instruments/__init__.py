"""The questionnaire language: load → validate → build an immutable, content-hashed instrument.

Pure library (no Flask, no SQLAlchemy).  See ``docs/questionnaire-format.md``.
"""

from __future__ import annotations

from survey_engine.instruments.codes import QuestionnaireCode
from survey_engine.instruments.loader import from_dict, load, loads, problems_in_file, read_document
from survey_engine.instruments.model import (
    Choice, ChoiceList, Mode, Question, QuestionType, Questionnaire, Scale, Scoring, Section, Text,
)
from survey_engine.instruments.schema_check import schema
from survey_engine.instruments.validate import validate_document
from survey_engine.instruments.versioning import content_hash

__all__ = [
    "Choice", "ChoiceList", "Mode", "Question", "QuestionType", "Questionnaire", "QuestionnaireCode",
    "Scale", "Scoring", "Section", "Text", "content_hash", "from_dict", "load", "loads",
    "problems_in_file", "read_document", "schema", "validate_document",
]
