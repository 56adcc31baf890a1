"""Small frames shared by the sampling tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from survey_engine.sampling import Frame, load_frame


def small_frame_data() -> pd.DataFrame:
    """15 units, 3 strata, 7 PSUs nested in strata; unit 3 is large enough to be a certainty unit."""
    return pd.DataFrame({
        "uid": [f"U{i:02d}" for i in range(15)],
        "region": list("aaaaabbbbbbcccc"),
        "psu": ["p1", "p1", "p2", "p2", "p2", "p3", "p3", "p4", "p4", "p4", "p5",
                "p6", "p6", "p7", "p7"],
        "size": [3.0, 8.0, 5.0, 60.0, 2.0, 4.0, 9.0, 1.0, 7.0, 6.0, 12.0, 5.0, 5.0, 10.0, 2.0],
        "y": [10.0, 3.0, 7.0, 20.0, 1.0, 8.0, 2.0, 9.0, 4.0, 6.0, 5.0, 11.0, 1.0, 3.0, 12.0],
        "phone": [f"1380000{i:04d}" for i in range(15)],
    })


@pytest.fixture()
def small_frame() -> Frame:
    """The 15-unit frame with every role mapped and the phone column declared as contact."""
    return load_frame(small_frame_data(), {"id": "uid", "stratum": "region", "size": "size",
                                           "cluster": "psu", "contact": ["phone"]})


@pytest.fixture()
def rng() -> np.random.Generator:
    """A seeded generator for test data."""
    return np.random.default_rng(20261123)
