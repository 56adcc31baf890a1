"""Stable error codes of the weighting area (tests assert on these, never on wording)."""

from __future__ import annotations

from enum import Enum

__all__ = ["WeightingErrorCode"]


class WeightingErrorCode(Enum):
    """Why a weighting step could not be carried out."""

    UNKNOWN_VARIABLE = "unknown_variable"
    MISSING_VALUES = "missing_values"
    NOT_NUMERIC = "not_numeric"
    UNKNOWN_LEVEL = "unknown_level"
    EMPTY_CELL = "empty_cell"
    INCONSISTENT_MARGINS = "inconsistent_margins"
    NEGATIVE_TOTAL = "negative_total"
    BAD_TOTAL = "bad_total"
    BAD_OPTION = "bad_option"
    BAD_WEIGHTS = "bad_weights"
    BAD_PROBABILITY = "bad_probability"
    BAD_COUNT = "bad_count"
    SINGULAR = "singular"
    NOT_CONVERGED = "not_converged"
    INFEASIBLE = "infeasible"
    BAD_TARGETS = "bad_targets"
    UNSUPPORTED_DESIGN = "unsupported_design"
