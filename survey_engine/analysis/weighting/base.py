"""Base (design) weights from the selection probabilities of a sample.

The base weight of a unit is the inverse of its inclusion probability (Horvitz & Thompson
1952; Cochran 1977, §9A): for a multistage sample the product of the stage-wise inverses
(Lohr 2010, §6.4).  Two selection steps of the collection modes named in DESIGN.md add a
factor of their own:

* within-household selection (Kish table, next/last birthday): the selected person had
  chance 1/m among the m eligible members, so the weight is multiplied by m — or by
  1/p for any other known chance p (Kish 1965, §11.3; Lohr 2010, §6.4);
* intercept sampling at service points: in a (site × time-slot) the interviewer counts the
  V visitors and completes k interviews (every k-th visitor), so each interview stands for
  V/k visitors of that slot; times the inverse probability of selecting the slot when the
  slots themselves were sampled (Kalton 1991, "Sampling flows of mobile human populations").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from survey_engine.analysis.weighting.codes import WeightingErrorCode
from survey_engine.errors import WeightingError

__all__ = ["base_weights", "household_selection_weights", "intercept_weights"]

ArrayLike = Sequence[float] | np.ndarray | pd.Series


def _probabilities(values: ArrayLike, name: str) -> np.ndarray:
    p = np.asarray(values, dtype=float)
    bad = ~((p > 0) & (p <= 1))
    if bad.any():
        first = int(np.argmax(bad))
        raise WeightingError(f"[{name}] {int(bad.sum())} value(s) are not probabilities in (0, 1] "
                             f"(first at position {first}: {p[first]!r}); check the sample's "
                             "selection probabilities", WeightingErrorCode.BAD_PROBABILITY)
    return p


def base_weights(*probabilities: ArrayLike) -> np.ndarray:
    """Inverse of the product of the stage-wise inclusion probabilities, ``∏_s 1/π_s``."""
    if not probabilities:
        raise WeightingError("base_weights: give the inclusion probabilities of at least one "
                             "stage", WeightingErrorCode.BAD_OPTION)
    weights = np.ones(np.asarray(probabilities[0]).shape[0])
    for stage, values in enumerate(probabilities, start=1):
        p = _probabilities(values, f"stage {stage}")
        if p.shape != weights.shape:
            raise WeightingError(f"base_weights: stage {stage} has {p.size} probabilities, "
                                 f"stage 1 has {weights.size}", WeightingErrorCode.BAD_OPTION)
        weights = weights / p
    return weights


def household_selection_weights(base: ArrayLike, eligible: ArrayLike | None = None,
                                probability: ArrayLike | None = None) -> np.ndarray:
    """Base weight × 1/chance of the selected person within the household.

    Give ``eligible`` (number of eligible members, chance 1/m for Kish or birthday selection)
    or ``probability`` (the chance itself when the selection was not equal-probability).
    """
    w = np.asarray(base, dtype=float)
    if (eligible is None) == (probability is None):
        raise WeightingError("household_selection_weights: give eligible= (member counts) or "
                             "probability= (selection chances), not both or neither",
                             WeightingErrorCode.BAD_OPTION)
    if eligible is not None:
        m = np.asarray(eligible, dtype=float)
        bad = ~(np.isfinite(m) & (m >= 1) & (m == np.round(m)))
        if bad.any():
            first = int(np.argmax(bad))
            raise WeightingError(f"[eligible] {int(bad.sum())} household(s) have an eligible "
                                 f"count that is not a whole number >= 1 (first at position "
                                 f"{first}: {m[first]!r}); a selected person implies at least "
                                 "one eligible member", WeightingErrorCode.BAD_COUNT)
        factor = m
    else:
        factor = 1.0 / _probabilities(probability, "probability")
    if factor.shape != w.shape:
        raise WeightingError(f"household_selection_weights: {factor.size} selection values for "
                             f"{w.size} base weights", WeightingErrorCode.BAD_OPTION)
    return w * factor


def intercept_weights(slot: ArrayLike, visitors: ArrayLike | Mapping[object, float],
                      interviews: Mapping[object, float] | None = None,
                      slot_probability: ArrayLike | None = None) -> np.ndarray:
    """Weights of intercept interviews: visitors counted in the slot / interviews done there.

    ``slot`` gives each interview's (site × time-slot) key; ``visitors`` the visitor count of
    the slot, per interview or as a mapping slot → count; ``interviews`` the completed
    interviews per slot (default: the interviews present in ``slot``); ``slot_probability``
    the chance that the slot was selected, when slots were sampled.
    """
    keys = pd.Series(np.asarray(slot, dtype=object))
    if keys.isna().any():
        raise WeightingError("[slot] some interviews have no slot; every intercept interview "
                             "needs its site and time slot", WeightingErrorCode.BAD_COUNT)
    codes, uniques = pd.factorize(keys)
    if isinstance(visitors, Mapping):
        missing = [u for u in uniques if u not in visitors]
        if missing:
            raise WeightingError(f"[visitors] no visitor count for slot {missing[0]!r} "
                                 f"({len(missing)} slot(s) lack one); record the count of "
                                 "every slot with interviews", WeightingErrorCode.BAD_COUNT)
        slot_visitors = np.array([float(visitors[u]) for u in uniques])
    else:
        per_record = np.asarray(visitors, dtype=float)
        slot_visitors = np.full(len(uniques), np.nan)
        slot_visitors[codes] = per_record
        if not np.array_equal(slot_visitors[codes], per_record, equal_nan=True):
            raise WeightingError("[visitors] the visitor count differs between interviews of "
                                 "the same slot; give one count per slot",
                                 WeightingErrorCode.BAD_COUNT)
    if interviews is None:
        done = np.bincount(codes, minlength=len(uniques)).astype(float)
    else:
        done = np.array([float(interviews.get(u, np.nan)) for u in uniques])
    bad = ~(np.isfinite(slot_visitors) & np.isfinite(done) & (done >= 1) & (slot_visitors >= done))
    if bad.any():
        first = int(np.argmax(bad))
        raise WeightingError(f"[slot {uniques[first]!r}] {slot_visitors[first]:g} visitor(s) "
                             f"counted but {done[first]:g} interview(s): the count must be at "
                             "least the number of interviews; check the tally sheet",
                             WeightingErrorCode.BAD_COUNT)
    weights = (slot_visitors / done)[codes]
    if slot_probability is not None:
        weights = weights / _probabilities(slot_probability, "slot_probability")
    return weights
