"""Stable error codes of the analysis area (tests assert on these, never on wording)."""

from __future__ import annotations

from enum import Enum

__all__ = ["DesignErrorCode", "EstimationErrorCode"]


class DesignErrorCode(Enum):
    """Why a design (or replicate design) could not be built."""

    UNKNOWN_COLUMN = "unknown_column"
    MISSING_VALUES = "missing_values"
    NONPOSITIVE_WEIGHT = "nonpositive_weight"
    INVALID_PROBABILITY = "invalid_probability"
    WEIGHTS_AND_PROBS = "weights_and_probs"
    NOT_NESTED = "not_nested"
    FPC_MIXED = "fpc_mixed"
    FPC_TOO_SMALL = "fpc_too_small"
    FPC_NOT_CONSTANT = "fpc_not_constant"
    FPC_STAGES = "fpc_stages"
    SINGLE_PSU = "single_psu"
    LONELY_PSU = "lonely_psu"
    BAD_OPTION = "bad_option"
    BAD_SUBSET = "bad_subset"
    BAD_REPLICATES = "bad_replicates"


class EstimationErrorCode(Enum):
    """Why an estimate could not be computed."""

    UNKNOWN_COLUMN = "unknown_column"
    NOT_NUMERIC = "not_numeric"
    EMPTY_DOMAIN = "empty_domain"
    BAD_OPTION = "bad_option"
    BAD_LEVEL = "bad_level"
    NO_CONVERGENCE = "no_convergence"
