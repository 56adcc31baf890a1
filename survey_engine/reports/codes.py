"""The reports area's error: a typed code and an exception carrying it."""

from __future__ import annotations

from enum import Enum

from survey_engine.errors import SurveyEngineError

__all__ = ["ReportErrorCode", "ReportError"]


class ReportErrorCode(Enum):
    """Why a chart or report could not be made."""

    NO_CJK_FONT = "no_cjk_font"
    EMPTY_TABLE = "empty_table"
    MISSING_COLUMN = "missing_column"
    NO_RESPONSES = "no_responses"
    UNKNOWN_CAMPAIGN = "unknown_campaign"
    BAD_DESIGN_INFO = "bad_design_info"
    PDF_UNAVAILABLE = "pdf_unavailable"


class ReportError(SurveyEngineError, RuntimeError):
    """A chart or report cannot be produced from what it was given."""
