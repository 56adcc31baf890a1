"""AAPOR outcome rates (RR1–RR6, COOP1–COOP4, REF1–REF3, CON1–CON3) from disposition counts.

Formulas from AAPOR, *Standard Definitions*, 10th edition (2023), section "Calculating outcome
rates" (unchanged since the 2000s editions).  ``e`` — the share of unknown-eligibility cases
(UH + UO) that are eligible — is either given or estimated by proportional allocation
(the "CASRO" method; AAPOR 2023 lists it as an acceptable basis and Valliant, Dever & Kreuter
2013, §6.5 describe it): among cases whose eligibility was resolved,
``e = (I + P + R + NC + O) / (I + P + R + NC + O + NE)``.  Rates with a zero denominator are
NaN, and the reason is reported next to them; nothing here divides by zero.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from survey_engine.analysis.fieldwork.codes import FieldworkErrorCode
from survey_engine.analysis.fieldwork.dispositions import RateCategory, rate_category
from survey_engine.errors import FieldworkError, Problem

__all__ = [
    "EligibilityMethod", "DispositionCounts", "OutcomeRates", "RATE_NAMES", "CATEGORIES", "TOTAL",
    "eligibility_rate", "outcome_rates", "rates_by", "categorize",
]

CATEGORIES = tuple(c.value for c in RateCategory)
#: Label of the totals row added by :func:`rates_by`.
TOTAL = "(all)"


class EligibilityMethod(str, Enum):
    """How ``e`` is estimated when it is not given as a number."""

    PROPORTIONAL = "proportional"                    # one e from every case passed in
    PROPORTIONAL_BY_GROUP = "proportional_by_group"  # each group's own resolved cases


Counts = Mapping[str, Any]  # category → number or numpy array (same formulas for both)
_Formula = tuple[Callable[[Counts, Any], Any], Callable[[Counts, Any], Any], str]


def _ip(c: Counts) -> Any:
    return c["I"] + c["P"]


def _eligible(c: Counts) -> Any:
    return _ip(c) + c["R"] + c["NC"] + c["O"]


def _unknown(c: Counts) -> Any:
    return c["UH"] + c["UO"]


def _e_unknown(c: Counts, e: Any) -> Any:
    """e·(UH + UO), taken as 0 when there are no unknowns (so an undefined e does not matter)."""
    unknown = np.asarray(_unknown(c), dtype=float)
    return np.where(unknown == 0, 0.0, np.asarray(e, dtype=float) * unknown)


def _contacted(c: Counts) -> Any:
    return _ip(c) + c["R"] + c["O"]


_ALL = (lambda c, e: _eligible(c) + _unknown(c), "(I+P) + (R+NC+O) + (UH+UO)")
_WITH_E = (lambda c, e: _eligible(c) + _e_unknown(c, e), "(I+P) + (R+NC+O) + e(UH+UO)")
_KNOWN = (lambda c, e: _eligible(c), "(I+P) + (R+NC+O)")
_ROR = (lambda c, e: _contacted(c), "(I+P) + R + O")
_RR = (lambda c, e: _ip(c) + c["R"], "(I+P) + R")


def _rate(numerator: Callable[[Counts, Any], Any], denominator: tuple[Callable[[Counts, Any], Any], str]) -> _Formula:
    return (numerator, denominator[0], denominator[1])


_FORMULAS: Mapping[str, _Formula] = MappingProxyType({
    "RR1": _rate(lambda c, e: c["I"], _ALL),
    "RR2": _rate(lambda c, e: _ip(c), _ALL),
    "RR3": _rate(lambda c, e: c["I"], _WITH_E),
    "RR4": _rate(lambda c, e: _ip(c), _WITH_E),
    "RR5": _rate(lambda c, e: c["I"], _KNOWN),
    "RR6": _rate(lambda c, e: _ip(c), _KNOWN),
    "COOP1": _rate(lambda c, e: c["I"], _ROR),
    "COOP2": _rate(lambda c, e: _ip(c), _ROR),
    "COOP3": _rate(lambda c, e: c["I"], _RR),
    "COOP4": _rate(lambda c, e: _ip(c), _RR),
    "REF1": _rate(lambda c, e: c["R"], _ALL),
    "REF2": _rate(lambda c, e: c["R"], _WITH_E),
    "REF3": _rate(lambda c, e: c["R"], _KNOWN),
    "CON1": _rate(lambda c, e: _contacted(c), _ALL),
    "CON2": _rate(lambda c, e: _contacted(c), _WITH_E),
    "CON3": _rate(lambda c, e: _contacted(c), _KNOWN),
})
RATE_NAMES = tuple(_FORMULAS)


@dataclass(frozen=True, slots=True)
class DispositionCounts:
    """Case counts (or sums of weights) by AAPOR rate category."""

    I: float = 0.0  # noqa: E741 - AAPOR's own symbol
    P: float = 0.0
    R: float = 0.0
    NC: float = 0.0
    O: float = 0.0  # noqa: E741
    UH: float = 0.0
    UO: float = 0.0
    NE: float = 0.0

    def __post_init__(self) -> None:
        for name in CATEGORIES:
            value = getattr(self, name)
            if not isinstance(value, (int, float, np.integer, np.floating)) or not np.isfinite(value) or value < 0:
                raise FieldworkError(f"DispositionCounts.{name}: {value!r} is not a finite count >= 0.",
                                     FieldworkErrorCode.BAD_COUNT)

    @classmethod
    def from_codes(cls, codes: Iterable[object], weights: Iterable[float] | None = None) -> DispositionCounts:
        """Count final disposition codes (weighted when ``weights`` is given)."""
        codes = list(codes)
        weights = [1.0] * len(codes) if weights is None else [float(w) for w in weights]
        totals = dict.fromkeys(CATEGORIES, 0.0)
        for position, (code, weight) in enumerate(zip(codes, weights, strict=True)):
            totals[rate_category(code, where=f"case {position}").value] += weight
        return cls(**totals)

    def as_dict(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in CATEGORIES}


def _e_estimate(c: Counts) -> Any:
    resolved = np.asarray(_eligible(c) + c["NE"], dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(resolved > 0, np.asarray(_eligible(c), dtype=float) / np.where(resolved > 0, resolved, 1),
                        np.nan)


def eligibility_rate(counts: DispositionCounts) -> float:
    """Proportional-allocation estimate of e: eligible / (eligible + not eligible); NaN with no resolved case."""
    return float(_e_estimate(counts.as_dict()))


def _checked_e(e: float) -> float:
    if isinstance(e, bool) or not isinstance(e, (int, float)) or not 0.0 <= float(e) <= 1.0:
        raise FieldworkError(f"e = {e!r}: give a proportion between 0 and 1, or an EligibilityMethod.",
                             FieldworkErrorCode.BAD_OPTION)
    return float(e)


def _compute(c: Counts, e: Any) -> tuple[dict[str, np.ndarray], list[list[str]]]:
    """Every rate for arrays of counts; plus, per row, why a rate is NaN."""
    n = len(np.atleast_1d(np.asarray(c["I"])))
    reasons: list[list[str]] = [[] for _ in range(n)]
    e_missing = np.atleast_1d(np.isnan(np.asarray(e, dtype=float)) & (np.asarray(_unknown(c)) > 0))
    out = {}
    for name, (numerator, denominator, text) in _FORMULAS.items():
        top = np.atleast_1d(np.asarray(numerator(c, e), dtype=float))
        bottom = np.atleast_1d(np.asarray(denominator(c, e), dtype=float))
        usable = np.isfinite(bottom) & (bottom > 0)
        out[name] = np.divide(top, bottom, out=np.full(n, np.nan), where=usable)
        for row in np.flatnonzero(~usable):
            if "e(" in text and e_missing[row]:
                reasons[row].append(f"{name}: e is undefined (no case of known eligibility) while UH+UO > 0; give e")
            else:
                reasons[row].append(f"{name}: denominator {text} is 0")
    return out, reasons


@dataclass(frozen=True, slots=True)
class OutcomeRates:
    """All AAPOR rates of one set of counts; ``reasons`` says why any rate is NaN."""

    counts: DispositionCounts
    e: float
    e_method: str
    rates: Mapping[str, float] = field(default_factory=dict)
    reasons: Mapping[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> float:
        return self.rates[name]

    def to_dict(self) -> dict[str, float]:
        return dict(self.rates)


def outcome_rates(counts: DispositionCounts,
                  e: float | EligibilityMethod = EligibilityMethod.PROPORTIONAL) -> OutcomeRates:
    """RR1–RR6, COOP1–4, REF1–3 and CON1–3 (AAPOR 2023) of ``counts``.

    ``e`` is a number in [0, 1], or a method; both proportional methods give the same e for a
    single set of counts.
    """
    values = counts.as_dict()
    if isinstance(e, EligibilityMethod):
        e_value, method = float(_e_estimate(values)), e.value
    else:
        e_value, method = _checked_e(e), "given"
    rates, reasons = _compute(values, e_value)
    flat = {name: float(v[0]) for name, v in rates.items()}
    why = dict(reason.split(": ", 1) for reason in reasons[0])
    return OutcomeRates(counts, e_value, method, MappingProxyType(flat), MappingProxyType(why))


# When several kinds of bad value occur, the error's code is the most fundamental one.
_SEVERITY = (FieldworkErrorCode.UNKNOWN_CODE, FieldworkErrorCode.MISSING_CODE, FieldworkErrorCode.TEMPORARY_CODE)


def _rows(index: pd.Index) -> str:
    shown = ", ".join(repr(r) for r in index[:5])
    return shown + (f" and {len(index) - 5} more" if len(index) > 5 else "")


def categorize(cases: pd.DataFrame, disposition: str = "disposition") -> pd.Series:
    """Rate category of each case; every unknown, temporary or missing code is reported at once."""
    if disposition not in cases.columns:
        raise FieldworkError(f"column {disposition!r} not found; the case table has {list(cases.columns)}.",
                             FieldworkErrorCode.UNKNOWN_COLUMN)
    column = cases[disposition]
    mapping: dict[Any, str] = {}
    problems: list[Problem] = []
    for value in pd.unique(column):
        missing = pd.isna(value)
        where = f"column {disposition!r}, row(s) {_rows(column.index[column.isna() if missing else column == value])}"
        if missing:
            problems.append(Problem(where, f"[{where}] a disposition is missing; every case needs its final code.",
                                    FieldworkErrorCode.MISSING_CODE))
            continue
        try:
            mapping[value] = rate_category(value, where=where).value
        except FieldworkError as exc:
            problems.append(Problem(where, exc.message, exc.code))
    if problems:
        worst = min((p.code for p in problems), key=_SEVERITY.index)
        raise FieldworkError(f"{len(problems)} bad disposition value(s): " + " ".join(p.message for p in problems),
                             worst, tuple(problems))
    return column.map(mapping)


def _weights(cases: pd.DataFrame, weights: str | None) -> np.ndarray:
    if weights is None:
        return np.ones(len(cases))
    if weights not in cases.columns:
        raise FieldworkError(f"weights column {weights!r} not found; the case table has {list(cases.columns)}.",
                             FieldworkErrorCode.UNKNOWN_COLUMN)
    values = pd.to_numeric(cases[weights], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        row = cases.index[np.flatnonzero(bad)[0]]
        raise FieldworkError(f"[column {weights!r}, row {row!r}] {cases[weights].loc[row]!r} is not a weight >= 0.",
                             FieldworkErrorCode.BAD_COUNT)
    return values


def _frame_rates(table: pd.DataFrame, e: Any, method: str) -> pd.DataFrame:
    counts = {name: table[name].to_numpy(dtype=float) for name in CATEGORIES}
    rates, reasons = _compute(counts, e)
    out = table.copy()
    out["e"] = np.broadcast_to(np.asarray(e, dtype=float), len(table))
    out["e_method"] = method
    for name, values in rates.items():
        out[name] = values
    out["notes"] = ["; ".join(r) for r in reasons]
    return out


def rates_by(cases: pd.DataFrame, by: str | Sequence[str] = (), *, disposition: str = "disposition",
             e: float | EligibilityMethod = EligibilityMethod.PROPORTIONAL, weights: str | None = None,
             total: bool = True) -> pd.DataFrame:
    """Counts by category and every AAPOR rate for each group of ``by`` (one row per case in ``cases``).

    Tidy result: the ``by`` columns, ``n`` (cases), the category counts (weighted when
    ``weights`` names a column), ``e``, ``e_method``, the 16 rates and ``notes`` (why a rate is
    NaN).  With ``total`` a last row labelled :data:`TOTAL` covers every case.  With
    ``EligibilityMethod.PROPORTIONAL`` one e estimated from all cases serves every group — small
    groups (an interviewer's cases) rarely resolve enough eligibility to estimate their own.
    """
    by = [by] if isinstance(by, str) else list(by)
    missing = [name for name in by if name not in cases.columns]
    if missing:
        raise FieldworkError(f"grouping column(s) {missing} not found; the case table has {list(cases.columns)}.",
                             FieldworkErrorCode.UNKNOWN_COLUMN)
    category = categorize(cases, disposition)
    frame = pd.DataFrame({"_category": pd.Categorical(category, categories=CATEGORIES),
                          "_w": _weights(cases, weights), "_n": 1})
    for name in by:
        frame[name] = cases[name].to_numpy()
    overall = frame.groupby("_category", observed=False)["_w"].sum().reindex(CATEGORIES, fill_value=0.0)
    overall_counts = overall.to_frame().T.reset_index(drop=True)
    overall_counts.insert(0, "n", len(frame))
    if isinstance(e, EligibilityMethod):
        overall_e, method = float(_e_estimate(overall_counts.iloc[0])), e.value
    else:
        overall_e, method = _checked_e(e), "given"
    parts = []
    if by:
        grouped = frame.groupby(by + ["_category"], observed=False, dropna=False)["_w"].sum().unstack("_category")
        table = grouped.reindex(columns=CATEGORIES, fill_value=0.0).fillna(0.0)
        table.insert(0, "n", frame.groupby(by, dropna=False)["_n"].sum().reindex(table.index).to_numpy())
        table = table.reset_index()
        table = table[table["n"] > 0].reset_index(drop=True)
        table.columns.name = None
        group_e: Any = overall_e
        if e is EligibilityMethod.PROPORTIONAL_BY_GROUP:
            group_e = _e_estimate({name: table[name].to_numpy(dtype=float) for name in CATEGORIES})
        parts.append(_frame_rates(table, group_e, method))
    if total or not by:
        totals = overall_counts.assign(**dict.fromkeys(by, TOTAL))
        totals.columns.name = None
        parts.append(_frame_rates(totals[by + ["n", *CATEGORIES]], overall_e, method))
    result = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return result.astype({"n": "int64"})

