"""Stable codes for questionnaire problems; tests assert on these, not on wording."""

from __future__ import annotations

from enum import Enum

__all__ = ["QuestionnaireCode"]


class QuestionnaireCode(str, Enum):
    """Why a questionnaire document was rejected."""

    FILE_NOT_FOUND = "file_not_found"
    MALFORMED_JSON = "malformed_json"
    SCHEMA = "schema"
    UNKNOWN_TYPE = "unknown_type"
    DUPLICATE_ID = "duplicate_id"
    DUPLICATE_CODE = "duplicate_code"
    UNKNOWN_QUESTION = "unknown_question"
    UNKNOWN_CHOICE_LIST = "unknown_choice_list"
    UNKNOWN_SCALE = "unknown_scale"
    UNKNOWN_CHOICE = "unknown_choice"
    UNKNOWN_RESPONDENT_TYPE = "unknown_respondent_type"
    UNKNOWN_DIMENSION = "unknown_dimension"
    FORWARD_REFERENCE = "forward_reference"
    CALCULATION_CYCLE = "calculation_cycle"
    EXPRESSION_SYNTAX = "expression_syntax"
    NOT_NUMERIC_SCALE = "not_numeric_scale"
    MISMATCHED_SCALE = "mismatched_scale"
    MISSING_TRANSLATION = "missing_translation"
    INVALID_RANGE = "invalid_range"
    INVALID_PATTERN = "invalid_pattern"
    INVALID_CASCADE = "invalid_cascade"
    INVALID_CHOICE_OPTION = "invalid_choice_option"
    INVALID_SCALE_LABEL = "invalid_scale_label"
    INVALID_MODE = "invalid_mode"
    INVALID_SCORING = "invalid_scoring"
    INVALID_ROUTING = "invalid_routing"
