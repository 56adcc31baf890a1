"""Selecting one respondent inside a household: Kish tables and the last-birthday method.

Kish (1949) "A procedure for objective respondent selection within the household", JASA 44,
380–387; Kish 1965, *Survey Sampling*, §11.3.  Adults are listed in a fixed order (men from
oldest to youngest, then women from oldest to youngest); each household is assigned one of
eight tables in fixed shares, and the table says which listed adult to interview given the
number of adults.  The shares give every adult probability 1/k for k = 1, 2, 3, 4, 6 adults;
with 5 adults (and 7+) the tables are approximate — the returned probability is the exact one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum
from fractions import Fraction
from typing import Sequence

import numpy as np

from survey_engine.sampling.codes import SamplingErrorCode, fail
from survey_engine.sampling.draw import check_seed

__all__ = ["KishTable", "KISH_SHARES", "KISH_TABLES", "HouseholdSelection",
           "assign_kish_tables", "kish_select", "last_birthday_select"]


class KishTable(Enum):
    """The eight classic Kish selection tables."""

    A = "A"
    B1 = "B1"
    B2 = "B2"
    C = "C"
    D = "D"
    E1 = "E1"
    E2 = "E2"
    F = "F"


#: Share of households given each table (Kish 1949, Table 1).
KISH_SHARES: dict[KishTable, Fraction] = {
    KishTable.A: Fraction(1, 6), KishTable.B1: Fraction(1, 12), KishTable.B2: Fraction(1, 12),
    KishTable.C: Fraction(1, 6), KishTable.D: Fraction(1, 6), KishTable.E1: Fraction(1, 12),
    KishTable.E2: Fraction(1, 12), KishTable.F: Fraction(1, 6),
}

#: Listed adult to select (1-based) for 1, 2, 3, 4, 5, 6-or-more adults (Kish 1949, Table 1).
KISH_TABLES: dict[KishTable, tuple[int, ...]] = {
    KishTable.A: (1, 1, 1, 1, 1, 1),
    KishTable.B1: (1, 1, 1, 1, 2, 2),
    KishTable.B2: (1, 1, 1, 2, 2, 2),
    KishTable.C: (1, 1, 2, 2, 3, 3),
    KishTable.D: (1, 2, 2, 3, 4, 4),
    KishTable.E1: (1, 2, 3, 3, 3, 5),
    KishTable.E2: (1, 2, 3, 4, 5, 5),
    KishTable.F: (1, 2, 3, 4, 5, 6),
}

# One block of 12 households holds every table in its exact share.
_BLOCK = [t for t, s in KISH_SHARES.items() for _ in range(int(s * 12))]


@dataclass(frozen=True, slots=True)
class HouseholdSelection:
    """The selected member (1-based position in the listing) and its selection probability."""

    member: int
    probability: float
    method: str


def assign_kish_tables(n_households: int, seed: int) -> list[KishTable]:
    """Assign tables to households in exact 1/6, 1/12 shares: shuffled blocks of twelve."""
    if isinstance(n_households, bool) or int(n_households) != n_households or n_households < 0:
        fail(SamplingErrorCode.BAD_VALUE, f"n_households = {n_households!r} must be a whole number >= 0.")
    rng = np.random.default_rng(check_seed(seed))
    blocks = -(-int(n_households) // 12)
    perm = rng.permuted(np.tile(np.arange(12), (blocks, 1)), axis=1).ravel()[: int(n_households)]
    return [_BLOCK[i] for i in perm]


def kish_select(n_adults: int, table: KishTable | str) -> HouseholdSelection:
    """The adult that ``table`` picks in a household of ``n_adults``, with its probability.

    The probability is the total share of the tables that pick the same listed adult for this
    household size (Kish 1949).  Households of more than six adults use the 6+ column.
    """
    if isinstance(n_adults, bool) or int(n_adults) != n_adults or n_adults < 1:
        fail(SamplingErrorCode.BAD_HOUSEHOLD,
             f"household: n_adults = {n_adults!r}; a household needs at least one eligible adult.")
    try:
        t = table if isinstance(table, KishTable) else KishTable(str(table).upper())
    except ValueError:
        fail(SamplingErrorCode.BAD_VALUE,
             f"household: Kish table '{table}' is not one of {[x.value for x in KishTable]}.")
    col = min(int(n_adults), 6) - 1
    member = KISH_TABLES[t][col]
    prob = sum(KISH_SHARES[u] for u in KishTable if KISH_TABLES[u][col] == member)
    return HouseholdSelection(member, float(prob), f"kish:{t.value}")


def last_birthday_select(birthdays: Sequence[date | tuple[int, int]], reference: date,
                         seed: int | None = None) -> HouseholdSelection:
    """The member whose birthday came most recently on or before ``reference``.

    Each member's birthday (a date or (month, day)) is placed in the year before
    ``reference`` when it has not yet occurred; ties are broken at random with ``seed``.
    The stated probability is the nominal 1/k of the method (Salmon & Nichols 1983,
    Public Opinion Quarterly 47, 270–276); real shares depend on birth dates.
    """
    if not birthdays:
        fail(SamplingErrorCode.BAD_HOUSEHOLD, "household: no members listed; list every eligible member.")
    gaps = []
    for i, b in enumerate(birthdays):
        month, day = (b.month, b.day) if isinstance(b, date) else b
        try:
            this_year = date(reference.year, month, 28 if (month, day) == (2, 29) else day)
        except (ValueError, TypeError):
            fail(SamplingErrorCode.BAD_HOUSEHOLD, f"household member {i + 1}: birthday {b!r} is not a valid date.")
        if this_year > reference:
            this_year = this_year.replace(year=reference.year - 1)
        gaps.append((reference - this_year).days)
    gap = np.asarray(gaps)
    tied = np.flatnonzero(gap == gap.min())
    pick = tied[0] if tied.size == 1 else np.random.default_rng(check_seed(seed or 0)).choice(tied)
    return HouseholdSelection(int(pick) + 1, 1.0 / len(birthdays), "last_birthday")
