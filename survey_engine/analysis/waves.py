"""Differences between two survey waves (or periods) with design-based tests.

Two waves are independent samples, so Var(ŷ_b − ŷ_a) = Var(ŷ_a) + Var(ŷ_b), each from its
own design (Lohr 2010, §3.4 on domains; Kish 1965, §12.10 on comparing independent
samples). The test statistic is referred to a t distribution on the smaller of the two
designs' degrees of freedom, a conservative choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["WaveComparison", "compare_waves"]


@dataclass(frozen=True, slots=True)
class WaveComparison:
    """Per variable (and domain): both estimates, their difference b − a, its SE, CI and p-value."""

    table: pd.DataFrame
    level: float

    def __str__(self) -> str:
        return self.table.round(4).to_string()


def compare_waves(before: Any, after: Any, variables: str | Sequence[str], by: str | Sequence[str] | None = None,
                  level: float = 0.95) -> WaveComparison:
    """Mean of each variable in two independent designs, the change after − before, and its test."""
    a = before.mean(variables, by=by).to_frame(level=level)
    b = after.mean(variables, by=by).to_frame(level=level)
    joined = a[["estimate", "se", "df"]].add_suffix("_before").join(
        b[["estimate", "se", "df"]].add_suffix("_after"), how="inner")
    diff = joined["estimate_after"] - joined["estimate_before"]
    se = np.sqrt(joined["se_before"] ** 2 + joined["se_after"] ** 2)
    df = np.minimum(joined["df_before"], joined["df_after"]).clip(lower=1)
    t = diff / se
    q = stats.t.ppf(0.5 + level / 2, df)
    table = joined[["estimate_before", "estimate_after"]].assign(
        difference=diff, se=se, ci_low=diff - q * se, ci_high=diff + q * se, statistic=t,
        p_value=2 * stats.t.sf(np.abs(t), df), df=df)
    return WaveComparison(table, level)
