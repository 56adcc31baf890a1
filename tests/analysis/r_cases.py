"""Load the R reference cases (tests/fixtures/r/estimation.R) and rebuild them in Python."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from survey_engine.analysis import Design, ReplicateDesign

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
R_DIR = FIXTURES / "r" / "estimation"
DATA_DIR = FIXTURES / "reference" / "data"


@lru_cache(maxsize=None)
def load_cases() -> tuple[dict[str, Any], ...]:
    """Every case written by estimation.R."""
    return tuple(json.loads((R_DIR / "cases.json").read_text())["cases"])


@lru_cache(maxsize=None)
def dataset(name: str) -> pd.DataFrame:
    """A reference dataset as R read it (``estimation/...``: written by estimation.R)."""
    if name.startswith("estimation/"):
        return pd.read_csv(R_DIR / name.split("/", 1)[1])
    return pd.read_csv(DATA_DIR / name)


def build_design(case: dict[str, Any]) -> Design | ReplicateDesign:
    """The design (and replicate design, subset) described by a case."""
    data = dataset(case["dataset"])
    spec = case["design"]
    rep = case.get("replicate")
    if rep and rep["source"] == "columns":
        weights = pd.read_csv(R_DIR / rep["file"]).to_numpy(dtype=float)
        design: Design | ReplicateDesign = ReplicateDesign(
            data, weights=spec["weights"], replicate_weights=weights, type=rep["type"],
            scale=rep["scale"], rscales=rep["rscales"], mse=rep["mse"])
    else:
        design = Design(data, ids=spec["ids"] or None, strata=spec["strata"], weights=spec["weights"],
                        fpc=spec["fpc"] or None, nest=spec["nest"], lonely_psu=spec.get("lonely_psu", "fail"))
        if rep:
            options = {k: rep[k] for k in ("rho", "mse") if k in rep}
            design = design.replicate(rep["type"], **options)
    if case.get("subset"):
        design = design.subset(case["subset"])
    return design


def key(label: Any) -> tuple[str, ...]:
    """Normalise a row label (R list or Python tuple/scalar) to a tuple of strings."""
    parts = label if isinstance(label, (list, tuple)) else [label]
    out = []
    for p in parts:
        if isinstance(p, (float, np.floating)) and float(p).is_integer() and not isinstance(p, bool):
            p = float(p)
        out.append(str(p))
    return tuple(out)


def run(case: dict[str, Any]):
    """Run the estimator a case describes; returns the Estimate."""
    design = build_design(case)
    stat = case["statistic"]
    if stat == "ratio":
        return design.ratio(case["variables"], case["denominator"], by=case["by"])
    if stat == "quantile":
        return design.quantile(case["variables"], case["quantiles"], rule=case["rule"], by=case.get("by"))
    if stat == "ciprop":
        return design.ciprop(case["variables"][0], case["level_of"], method=case["method"])
    return getattr(design, stat)(case["variables"], by=case["by"], missing=case.get("missing", "available"))
