"""Intercept (time–location) sampling plans for service windows.

A plan crosses sites × days × time slots.  Interviews are allocated to site-slots in
proportion to the expected visitor flow (never more than the flow), and each slot gets a
take-every-k-th-visitor interval k = floor(flow / interviews) with a random start in 1..k
(Kalton 1991, "Sampling flows of mobile human populations", Survey Methodology 17; the
time–location design of MacKellar et al. 1996).  In the field the interviewer counts every
visitor passing the point; the base weight of an interview in a slot is then
visitors counted / interviews completed in that slot (Kalton 1991, §3).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from survey_engine.sampling.allocation import AllocationMethod, allocate
from survey_engine.sampling.codes import SamplingErrorCode, fail
from survey_engine.sampling.draw import check_seed

__all__ = ["InterceptPlan", "plan_intercepts", "intercept_weights", "expand_days", "PLAN_KEYS"]

#: Columns that identify a site-slot.
PLAN_KEYS = ("site", "day", "slot")


@dataclass(frozen=True)
class InterceptPlan:
    """One row per site × day × slot: expected visitors, interviews, interval and random start."""

    table: pd.DataFrame = field(repr=False)
    n: int
    seed: int

    def to_csv(self) -> str:
        """CSV text (UTF-8; open with a BOM-aware reader) with blank columns for field counts."""
        out = self.table.copy()
        out["visitors_counted"] = ""
        out["interviews_completed"] = ""
        return out.to_csv(index=False)

    def to_html(self, title: str = "拦截访问计划 Intercept plan") -> str:
        """A self-contained bilingual page (zh/en) that reads on a phone; no external assets."""
        from survey_engine.sampling.intercept_html import render_plan_html

        return render_plan_html(self, title)


def expand_days(site_slots: pd.DataFrame, days: list[str]) -> pd.DataFrame:
    """Cross site × slot flows (columns site, slot, expected_visitors) with fieldwork days.

    Use it when the expected flow of a slot is the same every day; otherwise give one row per
    site × day × slot directly.
    """
    missing = [c for c in ("site", "slot", "expected_visitors") if c not in site_slots.columns]
    if missing:
        fail(SamplingErrorCode.UNKNOWN_COLUMN,
             f"site slots: column '{missing[0]}' is missing; give site, slot, expected_visitors.")
    if not days:
        fail(SamplingErrorCode.EMPTY_FRAME, "days: no fieldwork days given; list at least one.")
    grid = site_slots.merge(pd.DataFrame({"day": [str(d) for d in days]}), how="cross")
    return grid[["site", "day", "slot", "expected_visitors"]]


def plan_intercepts(flows: pd.DataFrame, n: int, seed: int, *, min_per_slot: int = 0) -> InterceptPlan:
    """Allocate ``n`` interviews to the site-slots of ``flows`` in proportion to visitor flow.

    ``flows`` has columns site, day, slot and expected_visitors (>= 1).  Rounding keeps the
    total at exactly ``n``; every slot gets at least ``min_per_slot`` and at most its flow.
    """
    seed = check_seed(seed)
    needed = [*PLAN_KEYS, "expected_visitors"]
    missing = [c for c in needed if c not in flows.columns]
    if missing:
        fail(SamplingErrorCode.UNKNOWN_COLUMN,
             f"flows: column '{missing[0]}' is missing; give columns {needed}.")
    if len(flows) == 0:
        fail(SamplingErrorCode.EMPTY_FRAME, "flows: no site-slots given; list at least one.")
    table = flows[needed].reset_index(drop=True).copy()
    dup = table.duplicated(list(PLAN_KEYS), keep=False).to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        fail(SamplingErrorCode.DUPLICATE_ID,
             f"flows line {i + 2}: site-slot {tuple(table.loc[i, list(PLAN_KEYS)])} appears twice; "
             "merge the rows.")
    flow = pd.to_numeric(table["expected_visitors"], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~(flow >= 1))
    if bad.size:
        i = int(bad[0])
        fail(SamplingErrorCode.NONPOSITIVE_SIZE,
             f"flows line {i + 2}: expected_visitors = {table.loc[i, 'expected_visitors']!r}; "
             "give an expected flow of at least 1 visitor or drop the slot.")
    labels = [" / ".join(map(str, r)) for r in table[list(PLAN_KEYS)].itertuples(index=False)]
    result = allocate(n, np.floor(flow), AllocationMethod.PROPORTIONAL, labels=labels,
                      n_min=min_per_slot)
    interviews = result.n
    interval = np.where(interviews > 0, np.floor(flow / np.maximum(interviews, 1)), 0).astype(np.int64)
    interval = np.where(interviews > 0, np.maximum(interval, 1), 0)
    rng = np.random.default_rng(seed)
    start = np.where(interval > 0, np.floor(rng.random(interval.size) * interval) + 1, 0).astype(np.int64)
    table["interviews"] = interviews
    table["interval"] = interval
    table["start"] = start
    return InterceptPlan(table, int(n), seed)


def intercept_weights(field_counts: pd.DataFrame) -> pd.DataFrame:
    """Base weight per site-slot: visitors counted / interviews completed (Kalton 1991, §3).

    ``field_counts`` has site, day, slot, visitors_counted and interviews_completed.  Slots
    with no completed interview get no weight (NaN) and ``flag`` = 'no_interviews'; a slot
    with more interviews than visitors is refused.
    """
    needed = [*PLAN_KEYS, "visitors_counted", "interviews_completed"]
    missing = [c for c in needed if c not in field_counts.columns]
    if missing:
        fail(SamplingErrorCode.UNKNOWN_COLUMN,
             f"field counts: column '{missing[0]}' is missing; give columns {needed}.")
    out = field_counts[needed].reset_index(drop=True).copy()
    visitors = pd.to_numeric(out["visitors_counted"], errors="coerce").to_numpy(dtype=np.float64)
    done = pd.to_numeric(out["interviews_completed"], errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(~(visitors >= 0) | ~(done >= 0) | (done > visitors))
    if bad.size:
        i = int(bad[0])
        fail(SamplingErrorCode.BAD_VALUE,
             f"field counts line {i + 2}: visitors_counted = {out.loc[i, 'visitors_counted']!r}, "
             f"interviews_completed = {out.loc[i, 'interviews_completed']!r}; counts must be "
             "non-negative with interviews <= visitors.")
    out["weight"] = np.divide(visitors, done, out=np.full(done.size, np.nan), where=done > 0)
    out["flag"] = np.where(done > 0, "", "no_interviews")
    return out
