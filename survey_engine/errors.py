"""One exception family for the whole project.

Every error carries a stable ``code`` (an Enum member, asserted on by tests) and a
human message that says where, what, and how to fix.  Each area has its own subclass
that also inherits the matching built-in, so callers may catch ``ValueError`` as usual.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

__all__ = [
    "ReportError", "ReportErrorCode",
    "SurveyEngineError",
    "QuestionnaireError",
    "ExpressionError",
    "DesignError",
    "EstimationError",
    "WeightingError",
    "SamplingError",
    "FieldworkError",
    "Problem",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem: ``path`` says where (JSON path, CSV line, column), ``message`` what."""

    path: str
    message: str
    code: Enum | None = None

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class SurveyEngineError(Exception):
    """Base of every error raised on purpose by survey_engine."""

    def __init__(self, message: str, code: Enum | None = None, problems: tuple[Problem, ...] = ()):
        super().__init__(message)
        self.message = message
        self.code = code
        self.problems = tuple(problems)

    def __str__(self) -> str:
        return self.message


class QuestionnaireError(SurveyEngineError, ValueError):
    """A questionnaire document is malformed or inconsistent; ``problems`` lists every one."""


class ExpressionError(SurveyEngineError, ValueError):
    """An expression (relevance, constraint, calculation) cannot be parsed or evaluated."""

    def __init__(self, message: str, code: Enum | None = None, position: int | None = None):
        super().__init__(message, code)
        self.position = position


class DesignError(SurveyEngineError, ValueError):
    """A survey design (columns, strata, clusters, weights, fpc) is invalid."""


class EstimationError(SurveyEngineError, ValueError):
    """An estimate cannot be computed from the data and design as given."""


class WeightingError(SurveyEngineError, ValueError):
    """A weighting step (post-stratification, raking, calibration, trimming) cannot proceed."""


class SamplingError(SurveyEngineError, ValueError):
    """A frame, sample design or sampling request is invalid."""


class FieldworkError(SurveyEngineError, ValueError):
    """Fieldwork data (disposition codes, case tables, quality settings) cannot be used as given."""


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

