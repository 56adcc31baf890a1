"""Dimension weights derived from data: how strongly each dimension drives overall satisfaction.

A design-weighted least-squares regression of the overall satisfaction score on the
dimension scores (statsmodels WLS on complete cases); negative coefficients are set to zero
and the rest normalised to sum to one — the usual "derived importance" weighting of
satisfaction indices (Johnson et al. 2001, J. Economic Psychology 22(2)).
"""

from __future__ import annotations

import numpy as np
import statsmodels.api as sm

from survey_engine.errors import EstimationError

__all__ = ["regression_weights", "regression_coefficients"]


def regression_coefficients(dimensions: np.ndarray, overall: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Slopes of overall on each dimension (WLS with the analysis weights, complete cases)."""
    if overall is None:
        raise EstimationError("regression weights need the overall satisfaction item ('overall_item')")
    complete = ~np.isnan(dimensions).any(axis=1) & ~np.isnan(overall)
    w = np.ones(len(overall)) if weights is None else np.asarray(weights, dtype=float)
    if complete.sum() <= dimensions.shape[1] + 1:
        raise EstimationError(f"only {int(complete.sum())} complete respondents; regression weights need more "
                              f"than {dimensions.shape[1] + 1}")
    x = sm.add_constant(dimensions[complete], has_constant="add")
    fit = sm.WLS(overall[complete], x, weights=w[complete]).fit()
    return np.asarray(fit.params[1:])


def regression_weights(dimensions: np.ndarray, overall: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Non-negative regression slopes normalised to sum to one."""
    slopes = np.clip(regression_coefficients(dimensions, overall, weights), 0.0, None)
    if slopes.sum() <= 0:
        raise EstimationError("no dimension has a positive effect on overall satisfaction; use fixed or equal "
                              "weights")
    return slopes / slopes.sum()
