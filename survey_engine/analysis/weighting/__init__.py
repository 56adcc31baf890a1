"""Weighting: base weights, nonresponse adjustment, post-stratification, raking, calibration,
trimming and weight diagnostics.

Design-level steps (:func:`poststratify`, :func:`rake`, :func:`calibrate`, :func:`trim`) return
a new design whose standard errors account for the adjustment, as R's survey package does
(Lumley 2010, ch. 7); the ``fit_*`` forms also return the convergence report.  The pure
array functions (:func:`rake_codes`, :func:`calibration_g`, :func:`trim_weights`) work on
numpy arrays.
"""

from __future__ import annotations

from survey_engine.analysis.weighting.base import (
    base_weights, household_selection_weights, intercept_weights)
from survey_engine.analysis.weighting.calibration import CalibrationMethod, calibration_g
from survey_engine.analysis.weighting.codes import WeightingErrorCode
from survey_engine.analysis.weighting.convergence import (
    Convergence, OnNonConvergence, WeightingConvergenceWarning)
from survey_engine.analysis.weighting.diagnostics import (
    WeightSummary, margin_table, summary_table, weight_summary)
from survey_engine.analysis.weighting.ipf import rake_codes
from survey_engine.analysis.weighting.nonresponse import (
    AAPOR_CODES, Disposition, NonresponseResult, PropensityModel, adjust_nonresponse,
    propensity_classes)
from survey_engine.analysis.weighting.steps import (
    WeightingFit, calibrate, fit_calibrate, fit_poststratify, fit_rake, fit_trim, poststratify,
    rake, trim)
from survey_engine.analysis.weighting.trimming import TrimRedistribution, TrimScale, trim_weights
from survey_engine.analysis.weighting.variance import Calibration, PostStratification, Raking

__all__ = [
    "poststratify", "rake", "calibrate", "trim",
    "fit_poststratify", "fit_rake", "fit_calibrate", "fit_trim", "WeightingFit",
    "rake_codes", "calibration_g", "trim_weights",
    "base_weights", "household_selection_weights", "intercept_weights",
    "adjust_nonresponse", "propensity_classes", "Disposition", "AAPOR_CODES",
    "NonresponseResult", "PropensityModel",
    "weight_summary", "summary_table", "margin_table", "WeightSummary",
    "CalibrationMethod", "TrimScale", "TrimRedistribution", "OnNonConvergence",
    "Convergence", "WeightingConvergenceWarning", "WeightingErrorCode",
    "PostStratification", "Raking", "Calibration",
]
