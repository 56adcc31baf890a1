"""Weighting targets as data: the TARGETS.json format of ``survey-engine weight``.

A targets document lists weighting steps, applied in order to the design::

    {"steps": [
      {"method": "poststratify", "variable": "stype", "totals": {"E": 4421, "H": 755, "M": 1018}},
      {"method": "rake", "margins": {"stype": {...}, "sch.wide": {"No": 1072, "Yes": 5122}},
       "tol": 1e-10, "max_iter": 1000},
      {"method": "calibrate", "totals": {"stype": {...}, "api99": 3914069},
       "calfun": "logit", "bounds": [0.7, 1.7]},
      {"method": "trim", "upper": 3.5, "scale": "median"}
    ]}

A document with a top-level ``"method"`` is one step.  Every problem is reported with its
JSON path before anything is applied; the format is documented in docs/statistics.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survey_engine.analysis.weighting.codes import WeightingErrorCode
from survey_engine.analysis.weighting.steps import (
    WeightingFit, fit_calibrate, fit_poststratify, fit_rake, fit_trim)
from survey_engine.errors import Problem, WeightingError

__all__ = ["parse_targets", "apply_targets", "STEP_KEYS"]

STEP_KEYS: dict[str, dict[str, set[str]]] = {
    "poststratify": {"required": {"variable", "totals"}, "optional": {"partial"}},
    "rake": {"required": {"margins"}, "optional": {"tol", "max_iter", "on_nonconvergence"}},
    "calibrate": {"required": {"totals"},
                  "optional": {"calfun", "bounds", "tol", "max_iter", "on_nonconvergence"}},
    "trim": {"required": set(), "optional": {"lower", "upper", "scale", "strict", "redistribute",
                                             "max_iter", "on_nonconvergence"}},
}


def parse_targets(document: Any) -> list[dict[str, Any]]:
    """Validate a targets document and return its steps; raise listing every problem."""
    if isinstance(document, Mapping) and "method" in document and "steps" not in document:
        document = {"steps": [document]}
    if not isinstance(document, Mapping) or not isinstance(document.get("steps"), list) \
            or not document["steps"]:
        raise WeightingError("targets: expected an object with a non-empty list 'steps' (or a "
                             "single step with 'method')", WeightingErrorCode.BAD_TARGETS)
    problems: list[Problem] = []
    steps: list[dict[str, Any]] = []
    for i, step in enumerate(document["steps"]):
        path = f"/steps/{i}"
        if not isinstance(step, Mapping):
            problems.append(Problem(path, "a step must be an object",
                                    WeightingErrorCode.BAD_TARGETS))
            continue
        method = step.get("method")
        if method not in STEP_KEYS:
            problems.append(Problem(f"{path}/method", f"unknown method {method!r}; use one of "
                                    f"{', '.join(STEP_KEYS)}", WeightingErrorCode.BAD_TARGETS))
            continue
        keys = STEP_KEYS[method]
        for key in sorted(keys["required"] - set(step)):
            problems.append(Problem(path, f"step '{method}' needs '{key}'",
                                    WeightingErrorCode.BAD_TARGETS))
        for key in sorted(set(step) - keys["required"] - keys["optional"] - {"method"}):
            problems.append(Problem(f"{path}/{key}", f"'{key}' is not an option of '{method}'; "
                                    f"allowed: {', '.join(sorted(keys['required'] | keys['optional']))}",
                                    WeightingErrorCode.BAD_TARGETS))
        for key in ("totals", "margins"):
            if key in step and not isinstance(step[key], Mapping):
                problems.append(Problem(f"{path}/{key}", f"'{key}' must be an object",
                                        WeightingErrorCode.BAD_TARGETS))
        if "bounds" in step and not (isinstance(step["bounds"], list) and len(step["bounds"]) == 2):
            problems.append(Problem(f"{path}/bounds", "'bounds' must be a list [lower, upper]",
                                    WeightingErrorCode.BAD_TARGETS))
        steps.append(dict(step))
    if problems:
        raise WeightingError(f"targets: {problems[0]}" + (f" (and {len(problems) - 1} more)"
                                                          if len(problems) > 1 else ""),
                             WeightingErrorCode.BAD_TARGETS, tuple(problems))
    return steps


def _with_path(error: WeightingError, path: str) -> WeightingError:
    return WeightingError(f"{path}: {error.message}", error.code, error.problems)


def apply_targets(design: Any, document: Any) -> tuple[Any, list[WeightingFit]]:
    """Apply every step of a targets document; returns the final design and each step's fit."""
    fits: list[WeightingFit] = []
    for i, step in enumerate(parse_targets(document)):
        options = {k: v for k, v in step.items() if k != "method"}
        try:
            fit = _apply_step(design, step["method"], options)
        except WeightingError as error:
            raise _with_path(error, f"/steps/{i} ({step['method']})") from error
        fits.append(fit)
        design = fit.design
    return design, fits


def _apply_step(design: Any, method: str, options: dict[str, Any]) -> WeightingFit:
    if method == "poststratify":
        variable = options["variable"]
        variable = tuple(variable) if isinstance(variable, list) else variable
        return fit_poststratify(design, variable, options["totals"],
                                partial=bool(options.get("partial", False)))
    if method == "rake":
        return fit_rake(design, options.pop("margins"), **options)
    if method == "calibrate":
        totals = options.pop("totals")
        calfun = options.pop("calfun", "linear")
        bounds = options.pop("bounds", None)
        return fit_calibrate(design, totals, calfun, None if bounds is None else tuple(bounds),
                             **options)
    return fit_trim(design, **options)
