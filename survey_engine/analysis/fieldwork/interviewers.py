"""The supervisor's per-interviewer table: output, refusals, speed and quality flags."""

from __future__ import annotations

import pandas as pd

from survey_engine.analysis.fieldwork.codes import FieldworkErrorCode
from survey_engine.analysis.fieldwork.outcome_rates import RATE_NAMES, TOTAL, EligibilityMethod, rates_by
from survey_engine.analysis.fieldwork.quality import QualityFlag
from survey_engine.errors import FieldworkError

__all__ = ["interviewer_table"]


def interviewer_table(quality: pd.DataFrame, cases: pd.DataFrame | None = None, *,
                      interviewer: str = "interviewer", disposition: str = "disposition",
                      refusal_rate: str = "REF1",
                      e: float | EligibilityMethod = EligibilityMethod.PROPORTIONAL,
                      total: bool = True) -> pd.DataFrame:
    """One row per interviewer (plus a :data:`TOTAL` row) from :func:`response_quality`'s table.

    Columns: ``responses``; ``completes`` (responses with disposition 1.1, or every response
    when the table has no disposition); ``median_duration_seconds`` (valid paradata only); one
    count per flag; ``flagged`` (responses with any flag).  With ``cases`` (one row per
    sampled case with its final disposition, as for :func:`rates_by`) also ``cases`` and the
    AAPOR ``refusal_rate`` named (REF1 by default).
    """
    if interviewer not in quality.columns:
        raise FieldworkError(f"column {interviewer!r} not found in the quality table; it has {list(quality.columns)}.",
                             FieldworkErrorCode.UNKNOWN_COLUMN)
    if refusal_rate not in RATE_NAMES:
        raise FieldworkError(f"refusal_rate {refusal_rate!r} is not an AAPOR rate; use one of {RATE_NAMES}.",
                             FieldworkErrorCode.BAD_OPTION)
    flags = [flag.value for flag in QualityFlag]
    data = quality.assign(
        responses=1,
        completes=(quality[disposition].astype(str).str.strip() == "1.1").astype(int)
        if disposition in quality.columns else 1,
        flagged=quality["flags"].map(bool).astype(int),
        **{f"n_{name}": quality[name].astype(int) for name in flags},
    )
    sums = ["responses", "completes", *(f"n_{name}" for name in flags), "flagged"]
    parts = [data.groupby(interviewer, dropna=False).agg(
        **{name: (name, "sum") for name in sums}, median_duration_seconds=("duration_seconds", "median"),
    ).reset_index()]
    if total:
        overall = {name: int(data[name].sum()) for name in sums}
        overall["median_duration_seconds"] = data["duration_seconds"].median()
        parts.append(pd.DataFrame([{interviewer: TOTAL, **overall}]))
    table = pd.concat(parts, ignore_index=True)[[interviewer, "responses", "completes", "median_duration_seconds",
                                                 *(f"n_{name}" for name in flags), "flagged"]]
    if cases is not None:
        rates = rates_by(cases, interviewer, disposition=disposition, e=e, total=total)
        rates = rates[[interviewer, "n", refusal_rate]].rename(columns={"n": "cases"})
        table = table.merge(rates, on=interviewer, how="outer")
        table[sums + ["cases"]] = table[sums + ["cases"]].fillna(0).astype(int)
        last = table[interviewer].eq(TOTAL)
        table = pd.concat([table[~last], table[last]], ignore_index=True)
    return table
