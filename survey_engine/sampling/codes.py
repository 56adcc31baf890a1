"""Stable error codes of the sampling area and one helper to raise them.

Tests assert on :class:`SamplingErrorCode`, never on the wording of a message.
"""

from __future__ import annotations

from enum import Enum
from typing import NoReturn

from survey_engine.errors import Problem, SamplingError

__all__ = ["SamplingErrorCode", "fail"]


class SamplingErrorCode(Enum):
    """Why a frame, design or sampling request was refused."""

    FILE_NOT_FOUND = "file_not_found"
    UNREADABLE_FILE = "unreadable_file"
    UNKNOWN_COLUMN = "unknown_column"
    DUPLICATE_ID = "duplicate_id"
    MISSING_ID = "missing_id"
    MISSING_STRATUM = "missing_stratum"
    MISSING_SIZE = "missing_size"
    NONPOSITIVE_SIZE = "nonpositive_size"
    EMPTY_FRAME = "empty_frame"
    EMPTY_STRATUM = "empty_stratum"
    SAMPLE_TOO_LARGE = "sample_too_large"
    STRATUM_TOO_SMALL = "stratum_too_small"
    INVALID_SAMPLE_SIZE = "invalid_sample_size"
    BAD_SEED = "bad_seed"
    UNKNOWN_KEY = "unknown_key"
    MISSING_KEY = "missing_key"
    BAD_VALUE = "bad_value"
    INFEASIBLE_ALLOCATION = "infeasible_allocation"
    MISSING_STRATUM_PARAMETER = "missing_stratum_parameter"
    CONTACT_COLUMN = "contact_column"
    REJECTION_LIMIT = "rejection_limit"
    BAD_HOUSEHOLD = "bad_household"


def fail(code: SamplingErrorCode, message: str, problems: tuple[Problem, ...] = ()) -> NoReturn:
    """Raise :class:`SamplingError` with ``code``; ``message`` says where, what and how to fix."""
    raise SamplingError(message, code, problems)
