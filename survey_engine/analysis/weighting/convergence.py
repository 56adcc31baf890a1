"""Convergence reports of iterative weighting fits and what to do when a fit fails.

Every iterative fit (raking by IPF, nonlinear calibration by Newton's method, iterated trimming)
returns a :class:`Convergence`; :func:`enforce` raises a :class:`WeightingError` or issues a
:class:`WeightingConvergenceWarning` when it did not converge, never a silent return.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from enum import Enum

from survey_engine.analysis.weighting.codes import WeightingErrorCode
from survey_engine.errors import WeightingError

__all__ = ["Convergence", "OnNonConvergence", "WeightingConvergenceWarning", "enforce"]


class OnNonConvergence(Enum):
    """What a fit does when it stops without meeting its tolerance."""

    RAISE = "raise"
    WARN = "warn"


class WeightingConvergenceWarning(UserWarning):
    """An iterative weighting fit stopped before meeting its tolerance."""


@dataclass(frozen=True, slots=True)
class Convergence:
    """How an iterative fit ended.

    ``max_difference`` is the criterion the fit compares with ``tolerance``: for raking and
    calibration the largest ``|achieved − target| / (1 + |target|)`` over all totals (the
    criterion of R's ``grake``); for trimming the largest amount by which a weight lies outside
    its bounds.  Closed-form fits report one iteration and the achieved difference.
    """

    method: str
    iterations: int
    converged: bool
    max_difference: float
    tolerance: float

    def describe(self) -> str:
        """One line for logs and the CLI."""
        state = "converged" if self.converged else "did NOT converge"
        return (f"{self.method}: {state} after {self.iterations} iteration(s); "
                f"max difference {self.max_difference:.3g} (tolerance {self.tolerance:.3g})")


def enforce(convergence: Convergence, where: str, how_to_fix: str,
            on_nonconvergence: OnNonConvergence | str = OnNonConvergence.RAISE) -> None:
    """Raise or warn if ``convergence`` did not converge; ``where`` names the step."""
    if convergence.converged:
        return
    mode = OnNonConvergence(on_nonconvergence)
    message = f"{where}: {convergence.describe()}; {how_to_fix}"
    if mode is OnNonConvergence.RAISE:
        raise WeightingError(message, WeightingErrorCode.NOT_CONVERGED)
    warnings.warn(message, WeightingConvergenceWarning, stacklevel=3)
