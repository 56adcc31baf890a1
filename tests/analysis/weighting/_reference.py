"""Reference material shared by the weighting tests (R outputs, R's example totals)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

R_DIR = Path(__file__).parents[2] / "fixtures" / "r" / "weighting"

# Population totals of R's own examples (?postStratify, ?rake, ?calibrate).
STYPE = {"E": 4421, "H": 755, "M": 1018}
SCH_WIDE = {"No": 1072, "Yes": 5122}
API99_TOTAL = 3914069


def r_weights(name: str) -> pd.DataFrame:
    """Per-record weights (and replicate columns) of one adjusted R design."""
    return pd.read_csv(R_DIR / f"{name}.csv")
