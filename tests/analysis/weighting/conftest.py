"""Fixtures for the weighting tests: the apiclus1 design and R's reference results."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from survey_engine.analysis import Design
from tests.analysis.weighting._reference import R_DIR


@pytest.fixture(scope="session")
def apiclus1(reference_dir: Path) -> pd.DataFrame:
    """survey's apiclus1 sample (183 schools in 15 districts)."""
    return pd.read_csv(reference_dir / "data" / "apiclus1.csv")


@pytest.fixture(scope="session")
def dclus1(apiclus1: pd.DataFrame) -> Design:
    """svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)."""
    return Design(apiclus1, ids="dnum", weights="pw", fpc="fpc")


@pytest.fixture(scope="session")
def r_results() -> dict:
    """Estimates and SEs written by tests/fixtures/r/weighting.R."""
    return json.loads((R_DIR / "results.json").read_text())

