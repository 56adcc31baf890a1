"""The estimator and weighting API shared by ``Design`` (Taylor linearisation) and
``ReplicateDesign`` (replicate weights): one set of methods, two variance engines.

A class using this mixin provides ``_data``, ``_weights``, ``_domain``, ``_copy`` and the variance hooks
the estimators call (``_domain_variance``, ``_df_for``); everything here only routes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import pandas as pd

from survey_engine.analysis import estimators as _est
from survey_engine.analysis.results import Estimate

__all__ = ["Columns", "as_list", "SurveyMethods"]

Columns = str | Sequence[str] | None


def as_list(value: Columns) -> list[str]:
    """One column name or a list of names → a list (``None`` → empty)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


class SurveyMethods:
    """Domains, estimators and weighting steps; each returns a result or a new design."""

    __slots__ = ()

    # -- read-only views ------------------------------------------------------------------------
    @property
    def data(self) -> pd.DataFrame:
        """The data (index reset to 0..n−1); treat as read-only."""
        return self._data

    @property
    def n(self) -> int:
        """Number of rows (the whole sample, also for a domain)."""
        return len(self._data)

    @property
    def weights(self) -> np.ndarray:
        """Current full-sample analysis weights (zero outside a ``subset`` domain); a copy."""
        w = self._weights.copy()
        if self._domain is not None:
            w[~self._domain] = 0.0
        return w

    # -- domains ------------------------------------------------------------------------------
    def subset(self, condition: Any) -> Self:
        """A domain: rows outside get weight 0 but stay in the design (Lumley 2010, §2.3)."""
        mask = _est.domain_mask(self._data, condition)
        if self._domain is not None:
            mask = mask & self._domain
        return self._copy(_domain=mask)

    # -- estimators -----------------------------------------------------------------------------
    def mean(self, variables: Columns, by: Columns = None, deff: bool = True,
             missing: str = "available") -> Estimate:
        """Weighted mean(s) ∑wy/∑w with the design's SE.

        Missing values are dropped per variable (``missing="available"``) or, with
        ``missing="complete"``, every row missing any of the variables is dropped.
        """
        return _est.estimate(self, "mean", as_list(variables), None, by, deff, missing)

    def total(self, variables: Columns, by: Columns = None, deff: bool = True,
              missing: str = "available") -> Estimate:
        """Estimated population total(s) ∑wy (Horvitz–Thompson / Hájek weights)."""
        return _est.estimate(self, "total", as_list(variables), None, by, deff, missing)

    def ratio(self, numerator: Columns, denominator: Columns, by: Columns = None, deff: bool = True,
              missing: str = "available") -> Estimate:
        """Ratio(s) of totals ∑wy/∑wx for every numerator × denominator pair."""
        return _est.estimate(self, "ratio", as_list(numerator), as_list(denominator), by, deff, missing)

    def proportion(self, variables: Columns, by: Columns = None, deff: bool = True,
                   missing: str = "available") -> Estimate:
        """Share of each category (one row per variable × category)."""
        return _est.estimate(self, "proportion", as_list(variables), None, by, deff, missing)

    def quantile(self, variables: Columns, quantiles: float | Sequence[float] = 0.5, rule: str = "math",
                 by: Columns = None) -> Estimate:
        """Quantiles with Woodruff intervals (R's ``svyquantile``, ``qrule=rule``)."""
        from survey_engine.analysis.quantile import quantile

        return quantile(self, as_list(variables), quantiles, rule, as_list(by))

    def ciprop(self, variable: str, level: Any = None, method: str = "logit") -> Estimate:
        """A proportion with an interval of ``method`` (R's ``svyciprop``)."""
        from survey_engine.analysis.ciprop import ciprop

        return ciprop(self, variable, level, method)

    # -- weighting steps (replicate designs adjust every replicate the same way) -------------------
    def poststratify(self, variable: Any, totals: Any, partial: bool = False, **kwargs: Any) -> Self:
        """Post-stratify to population counts (see ``survey_engine.analysis.weighting``)."""
        from survey_engine.analysis.weighting import poststratify

        return poststratify(self, variable, totals, partial=partial, **kwargs)

    def rake(self, margins: Any, **kwargs: Any) -> Self:
        """Rake to marginal totals (see ``survey_engine.analysis.weighting``)."""
        from survey_engine.analysis.weighting import rake

        return rake(self, margins, **kwargs)

    def calibrate(self, totals: Any, method: str = "linear", bounds: Any = None, **kwargs: Any) -> Self:
        """Calibrate to population totals (see ``survey_engine.analysis.weighting``)."""
        from survey_engine.analysis.weighting import calibrate

        return calibrate(self, totals, method=method, bounds=bounds, **kwargs)

    def trim(self, lower: float | None = None, upper: float | None = None, **kwargs: Any) -> Self:
        """Trim weights to [lower, upper] (see ``survey_engine.analysis.weighting``)."""
        from survey_engine.analysis.weighting import trim

        return trim(self, lower=lower, upper=upper, **kwargs)
