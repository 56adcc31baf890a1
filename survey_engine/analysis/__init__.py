"""Design-based estimation: designs, replicate weights, estimators, weighting, reliability.

The statistics follow R's ``survey`` package (Lumley 2004, 2010); ``docs/statistics.md``
states every formula and its source.
"""

from __future__ import annotations

from survey_engine.analysis.adjustment import VarianceAdjustment
from survey_engine.analysis.codes import DesignErrorCode, EstimationErrorCode
from survey_engine.analysis.design import Design
from survey_engine.analysis.reliability import AlphaResult, cronbach_alpha, dimension_alpha
from survey_engine.analysis.replicate import ReplicateDesign
from survey_engine.analysis.results import Estimate
from survey_engine.analysis.taylor import LonelyPSU
from survey_engine.analysis.validity import (
    BartlettResult,
    CorrelationMethod,
    CorrelationResult,
    FactorMethod,
    FactorResult,
    KMOResult,
    MissingData,
    ReliabilityErrorCode,
    Rotation,
    bartlett_sphericity,
    correlation_matrix,
    factor_loadings,
    kmo,
)

__all__ = [
    "Design",
    "LonelyPSU",
    "ReplicateDesign",
    "Estimate",
    "VarianceAdjustment",
    "DesignErrorCode",
    "EstimationErrorCode",
    "cronbach_alpha",
    "dimension_alpha",
    "AlphaResult",
    "correlation_matrix",
    "CorrelationResult",
    "kmo",
    "KMOResult",
    "bartlett_sphericity",
    "BartlettResult",
    "factor_loadings",
    "FactorResult",
    "MissingData",
    "CorrelationMethod",
    "FactorMethod",
    "Rotation",
    "ReliabilityErrorCode",
]
