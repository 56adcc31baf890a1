"""The contract between weighting steps and the variance machinery.

A weighting step (post-stratification, raking, GREG calibration) changes the weights *and*
the variance: the linearised values must be replaced by their residuals from the auxiliary
model before the stage-wise variance is computed (Särndal, Swensson & Wretman 1992, §6.5;
Lumley 2010, §7.2).  R's ``svyrecvar`` does this with ``design$postStrata``; here each step
appends one object obeying :class:`VarianceAdjustment` to ``Design.adjustments`` and the
variance code calls :meth:`VarianceAdjustment.residualize` on the n×k matrix of weighted
linearised values, in order, before aggregating to PSUs.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["VarianceAdjustment", "apply_adjustments"]


@runtime_checkable
class VarianceAdjustment(Protocol):
    """One variance step applied to weighted linearised values (R's ``postStrata`` entries)."""

    def residualize(self, x: np.ndarray) -> np.ndarray:
        """Return the residuals of ``x`` (n×k, weight × influence) from the auxiliary model."""
        ...


def apply_adjustments(x: np.ndarray, adjustments: tuple[VarianceAdjustment, ...]) -> np.ndarray:
    """Apply every adjustment in order to the n×k matrix ``x``; a 1-D ``x`` is kept 1-D."""
    if not adjustments:
        return x
    one_d = x.ndim == 1
    out = x.reshape(-1, 1) if one_d else x
    for adjustment in adjustments:
        out = np.asarray(adjustment.residualize(out), dtype=float)
    return out.ravel() if one_d else out
