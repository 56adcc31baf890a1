"""Design files: a JSON description of a sample design, turned into a ``Design`` or ``ReplicateDesign``.

One reader for the command line (``survey-engine analyze``/``weight``), the yearly report and
notebooks; the format is documented in ``docs/statistics.md`` ("Design files").
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from survey_engine.analysis.codes import DesignErrorCode
from survey_engine.analysis.design import Design
from survey_engine.analysis.replicate import ReplicateDesign
from survey_engine.errors import DesignError

__all__ = ["load_design", "DESIGN_KEYS"]

DESIGN_KEYS = {"ids", "strata", "weights", "probs", "fpc", "nest", "lonely_psu", "replicate", "replicate_weights"}
REPLICATE_KEYS = {"type", "rho", "replicates", "seed", "mse"}
GIVEN_KEYS = {"columns", "pattern", "type", "rho", "scale", "rscales", "mse", "combined_weights"}


def _unknown(section: str, given: dict[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(given) - allowed)
    if extra:
        raise DesignError(
            f"design file{' ' + section if section else ''}: unknown key(s) {', '.join(map(repr, extra))}; allowed: "
            f"{', '.join(sorted(allowed))}.",
            DesignErrorCode.BAD_OPTION,
        )


def load_design(data: pd.DataFrame, spec: dict[str, Any]) -> Design | ReplicateDesign:
    """Build the design a design file describes (see docs/statistics.md, "Design files")."""
    if not isinstance(spec, dict):
        raise DesignError("design file: expected a JSON object.", DesignErrorCode.BAD_OPTION)
    _unknown("", spec, DESIGN_KEYS)
    given = spec.get("replicate_weights")
    if given is not None:
        _unknown("replicate_weights", given, GIVEN_KEYS)
        columns: Any = given.get("columns")
        if columns is None and "pattern" in given:
            columns = given["pattern"]
        if columns is None:
            raise DesignError("design file replicate_weights: give 'columns' or 'pattern'.", DesignErrorCode.BAD_OPTION)
        return ReplicateDesign(
            data, weights=spec.get("weights"), replicate_weights=columns, type=given.get("type", "other"),
            rho=given.get("rho"), scale=given.get("scale"), rscales=given.get("rscales"),
            mse=bool(given.get("mse", False)), combined_weights=bool(given.get("combined_weights", True)),
        )
    design = Design(
        data, ids=spec.get("ids"), strata=spec.get("strata"), weights=spec.get("weights"),
        probs=spec.get("probs"), fpc=spec.get("fpc"), nest=bool(spec.get("nest", False)),
        lonely_psu=spec.get("lonely_psu", "fail"),
    )
    rep = spec.get("replicate")
    if rep is None:
        return design
    if isinstance(rep, str):
        rep = {"type": rep}
    _unknown("replicate", rep, REPLICATE_KEYS)
    options = {k: rep[k] for k in ("rho", "replicates", "seed", "mse") if k in rep}
    return design.replicate(rep.get("type", "JK1"), **options)
