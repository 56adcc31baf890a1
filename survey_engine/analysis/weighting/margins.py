"""Match population totals to sample variables: level coding and validation.

A margin maps the levels of one variable (or of a cross-classification of several) to their
population counts, e.g. ``{"E": 4421, "H": 755, "M": 1018}`` for ``stype``; a numeric total is
a single number for a numeric variable (``"api99": 3914069``), as in DESIGN.md.  Levels are
matched by their text, so ``1``, ``1.0`` and ``"1"`` are the same level.  Every problem is
collected before failing, each naming the variable and the level.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd

from survey_engine.analysis.weighting.codes import WeightingErrorCode
from survey_engine.errors import Problem, WeightingError

__all__ = ["CodedMargin", "code_margin", "check_grand_totals", "calibration_matrix", "level_label",
           "flatten_targets", "raise_problems"]


@dataclass(frozen=True, slots=True, eq=False)
class CodedMargin:
    """A categorical margin matched to the sample.

    ``codes[i]`` indexes ``levels``/``targets`` for record ``i``; ``levels`` holds the levels
    that occur in the sample, in sorted order (population levels with no sample record and a
    zero total, or any total when ``partial=True``, are dropped as R's ``postStratify`` does).
    """

    variable: str
    levels: tuple[str, ...]
    targets: np.ndarray
    codes: np.ndarray

    @property
    def n_levels(self) -> int:
        """Number of levels kept."""
        return len(self.levels)


def level_label(value: object) -> str:
    """Text of one level: integral floats lose their ``.0`` so 1, 1.0 and "1" coincide."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (np.integer,)):
        return str(int(value))
    return str(value)


def _column(data: pd.DataFrame, variable: str, problems: list[Problem]) -> pd.Series | None:
    if variable not in data.columns:
        problems.append(Problem(f"[{variable}]", f"variable '{variable}' is not a column of the "
                                "data; check the spelling or add the column",
                                WeightingErrorCode.UNKNOWN_VARIABLE))
        return None
    return data[variable]


def _missing(variable: str, missing: np.ndarray, problems: list[Problem]) -> bool:
    """Report records without a value of ``variable``; True if there were any."""
    count = int(missing.sum())
    if count:
        problems.append(Problem(f"[{variable}]", f"{count} record(s) have no value (first at "
                                f"row {int(np.argmax(missing))}); impute or drop them before "
                                "weighting", WeightingErrorCode.MISSING_VALUES))
    return bool(count)


def _codes(column: pd.Series, problems: list[Problem]) -> tuple[np.ndarray, list[str]] | None:
    """Codes of one column with levels in sorted order (one hash pass, NAs found on the way)."""
    codes, uniques = pd.factorize(column, sort=False)
    if _missing(str(column.name), codes < 0, problems):
        return None
    values = np.asarray(uniques, dtype=object)
    try:
        order = np.argsort(values, kind="stable")
    except TypeError:
        order = np.argsort(np.array([level_label(v) for v in values], dtype=object), kind="stable")
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    return rank[codes], [level_label(v) for v in values[order]]


def _factorize(coded: list[tuple[np.ndarray, list[str]]]) -> tuple[np.ndarray, list[str]]:
    """Codes and labels of the cross-classification of coded columns (occupied cells only)."""
    if len(coded) == 1:
        return coded[0]
    codes = np.zeros(coded[0][0].size, dtype=np.int64)
    labels: list[tuple[str, ...]] = [()]
    for sub_codes, sub_labels in coded:
        codes = codes * len(sub_labels) + sub_codes
        labels = [old + (new,) for old in labels for new in sub_labels]
    used, codes = np.unique(codes, return_inverse=True)
    text = [":".join(labels[int(u)]) for u in used]
    return codes.astype(np.int64).reshape(-1), text


def flatten_targets(totals: Mapping, depth: int) -> dict[str, object]:
    """Target keys as level text; nested dicts or tuple keys give cross-classified levels."""
    flat: dict[str, object] = {}
    for key, value in totals.items():
        if depth > 1 and isinstance(value, Mapping):
            for sub_key, sub_value in flatten_targets(value, depth - 1).items():
                flat[f"{level_label(key)}:{sub_key}"] = sub_value
        elif isinstance(key, tuple):
            flat[":".join(level_label(k) for k in key)] = value
        else:
            flat[level_label(key)] = value
    return flat


def _number(value: object, where: str, problems: list[Problem],
            allow_negative: bool = False) -> float | None:
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(float(value)):
        problems.append(Problem(where, f"population total {value!r} is not a finite number; "
                                "give a count or total as a number", WeightingErrorCode.BAD_TOTAL))
        return None
    if float(value) < 0 and not allow_negative:
        problems.append(Problem(where, f"population total {value} is negative; totals must be "
                                ">= 0", WeightingErrorCode.NEGATIVE_TOTAL))
        return None
    return float(value)


def code_margin(data: pd.DataFrame, variable: str | Sequence[str], totals: Mapping,
                weights: np.ndarray, *, partial: bool = False,
                problems: list[Problem] | None = None) -> CodedMargin | None:
    """Code ``variable`` and match it to ``totals``; problems go to ``problems`` (or raise).

    Fails (as R's ``postStratify``) when a sample level has no population total (unknown
    level) or when a level with a positive population total has no weighted sample record
    (empty cell), unless ``partial`` asks to ignore such population cells.
    """
    own = problems is None
    found: list[Problem] = [] if problems is None else problems
    names = [variable] if isinstance(variable, str) else list(variable)
    label = ":".join(names)
    before = len(found)
    columns = [_column(data, name, found) for name in names]
    if not isinstance(totals, Mapping) or not totals:
        found.append(Problem(f"[{label}]", "totals must be a non-empty mapping from level to "
                             "population count", WeightingErrorCode.BAD_TOTAL))
    if len(found) > before:
        return _finish(found, own)
    coded = [_codes(c, found) for c in columns if c is not None]
    if len(found) > before:
        return _finish(found, own)
    codes, levels = _factorize([c for c in coded if c is not None])
    targets_by_level = flatten_targets(totals, len(names))
    sample_totals = np.bincount(codes, weights=weights, minlength=len(levels))
    index = {level: i for i, level in enumerate(levels)}
    counts = np.bincount(codes, minlength=len(levels))
    for level in levels:
        if level not in targets_by_level:
            found.append(Problem(f"[{label}={level}]", f"level '{level}' of '{label}' occurs in "
                                 f"{counts[index[level]]} sample record(s) but has no population "
                                 "total; add it to the totals or recode the variable",
                                 WeightingErrorCode.UNKNOWN_LEVEL))
    targets = np.zeros(len(levels))
    for level, value in targets_by_level.items():
        number = _number(value, f"[{label}={level}]", found)
        if number is None:
            continue
        if level in index:
            targets[index[level]] = number
            if number > 0 and sample_totals[index[level]] <= 0:
                found.append(Problem(f"[{label}={level}]", f"level '{level}' of '{label}' has "
                                     f"population total {number:g} but zero sample weight; "
                                     "collapse it with a neighbouring level",
                                     WeightingErrorCode.EMPTY_CELL))
        elif number > 0 and not partial:
            found.append(Problem(f"[{label}={level}]", f"level '{level}' of '{label}' has "
                                 f"population total {number:g} but no sample record; collapse "
                                 "it with a neighbouring level or pass partial=True to ignore it",
                                 WeightingErrorCode.EMPTY_CELL))
    if len(found) > before:
        return _finish(found, own)
    return CodedMargin(label, tuple(levels), targets, codes)


def _finish(problems: list[Problem], own: bool) -> None:
    if own:
        raise_problems(problems)
    return None


def raise_problems(problems: list[Problem]) -> None:
    """Raise one :class:`WeightingError` listing every problem (code of the first)."""
    if not problems:
        return
    head = str(problems[0]) if len(problems) == 1 else (
        f"{len(problems)} problems with the weighting targets; first: {problems[0]}")
    raise WeightingError(head, problems[0].code, tuple(problems))


def check_grand_totals(margins: Sequence[CodedMargin], rtol: float = 1e-8) -> None:
    """Every margin must sum to the same population total (raking and calibration)."""
    if len(margins) < 2:
        return
    sums = [float(m.targets.sum()) for m in margins]
    reference = sums[0]
    problems = [
        Problem(f"[{m.variable}]", f"margins disagree on the population total: "
                f"'{margins[0].variable}' sums to {reference:.10g} but '{m.variable}' sums to "
                f"{total:.10g}; make every margin add up to the same total",
                WeightingErrorCode.INCONSISTENT_MARGINS)
        for m, total in zip(margins[1:], sums[1:])
        if abs(total - reference) > rtol * max(abs(reference), 1.0)
    ]
    raise_problems(problems)


def calibration_matrix(data: pd.DataFrame, totals: Mapping, weights: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], list[CodedMargin]]:
    """Model matrix, population totals and column names for calibration.

    A mapping value is a categorical margin (indicator columns; the first level of every
    margin after the first is dropped, so the matrix spans the same space as R's
    treatment-coded ``model.matrix`` with intercept); a number is the total of a numeric
    variable.  Calibration depends only on the column space (Deville & Särndal 1992), so the
    weights equal R's ``calibrate`` with the equivalent formula.
    """
    problems: list[Problem] = []
    if not isinstance(totals, Mapping) or not totals:
        raise WeightingError("calibration totals must be a non-empty mapping of variable to "
                             "margin or total", WeightingErrorCode.BAD_TOTAL)
    columns: list[np.ndarray] = []
    targets: list[float] = []
    names: list[str] = []
    margins: list[CodedMargin] = []
    for variable, total in totals.items():
        if isinstance(total, Mapping):
            margin = code_margin(data, variable, total, weights, problems=problems)
            if margin is None:
                continue
            skip = 1 if margins else 0
            margins.append(margin)
            for k in range(skip, margin.n_levels):
                columns.append((margin.codes == k).astype(float))
                targets.append(float(margin.targets[k]))
                names.append(f"{margin.variable}={margin.levels[k]}")
            continue
        column = _column(data, str(variable), problems)
        number = _number(total, f"[{variable}]", problems, allow_negative=True)
        if column is None or number is None:
            continue
        if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            problems.append(Problem(f"[{variable}]", f"'{variable}' is not numeric but was given "
                                    "a single total; give a mapping of level to count instead",
                                    WeightingErrorCode.NOT_NUMERIC))
            continue
        values = column.to_numpy(dtype=float)
        if _missing(str(variable), np.isnan(values), problems):
            continue
        columns.append(values)
        targets.append(number)
        names.append(str(variable))
    raise_problems(problems)
    check_grand_totals(margins)
    return np.column_stack(columns), np.asarray(targets, dtype=float), tuple(names), margins
