"""Synthetic satisfaction surveys with known truth, shared by the index/IPA/warning tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from survey_engine.analysis.scores import DimensionSpec, ItemScale, ScoreSpec

ITEMS = {"speed": ("s1", "s2"), "staff": ("t1", "t2"), "info": ("i1", "i2")}
SPEC = ScoreSpec(
    scales={item: ItemScale(5) for items in ITEMS.values() for item in items}
    | {"overall": ItemScale(5), "imp_speed": ItemScale(5), "imp_staff": ItemScale(5), "imp_info": ItemScale(5)},
    dimensions=tuple(DimensionSpec(d, items, weight=1 / 3) for d, items in ITEMS.items()),
    composite="csi", overall_item="overall",
    importance=(("imp_speed", "speed"), ("imp_staff", "staff"), ("imp_info", "info")),
)


def wave(seed: int, means: dict[str, float], n_psu: int = 60, per_psu: int = 10) -> pd.DataFrame:
    """A two-stratum cluster sample whose dimension means (on the 1–5 scale) are ``means``."""
    rng = np.random.default_rng(seed)
    n = n_psu * per_psu
    psu = np.repeat(np.arange(n_psu), per_psu)
    stratum = np.where(psu < n_psu // 2, "north", "south")
    cluster_effect = rng.normal(0, 0.15, n_psu)[psu]
    data = {"psu": psu, "stratum": stratum, "w": rng.uniform(50, 150, n_psu)[psu],
            "site": rng.choice(["A", "B", "C"], n)}
    for dim, items in ITEMS.items():
        for item in items:
            data[item] = np.clip(np.round(means[dim] + cluster_effect + rng.normal(0, 0.8, n)), 1, 5)
    data["overall"] = np.clip(np.round((data["s1"] + data["t1"] + data["i1"]) / 3 + rng.normal(0, 0.3, n)), 1, 5)
    data["imp_speed"] = rng.choice([4, 5], n)
    data["imp_staff"] = rng.choice([3, 4], n)
    data["imp_info"] = rng.choice([2, 3], n)
    return pd.DataFrame(data)
