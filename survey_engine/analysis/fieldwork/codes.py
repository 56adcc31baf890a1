"""Stable error codes of the fieldwork area (tests assert on these, never on wording)."""

from __future__ import annotations

from enum import Enum

__all__ = ["FieldworkErrorCode"]


class FieldworkErrorCode(Enum):
    """Why fieldwork data could not be used."""

    UNKNOWN_CODE = "unknown_code"
    TEMPORARY_CODE = "temporary_code"
    MISSING_CODE = "missing_code"
    UNKNOWN_COLUMN = "unknown_column"
    BAD_OPTION = "bad_option"
    BAD_COUNT = "bad_count"
