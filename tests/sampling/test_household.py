"""Within-household respondent selection: Kish tables and the last-birthday method."""

from __future__ import annotations

from collections import Counter
from datetime import date
from fractions import Fraction

import pytest

from survey_engine.errors import SamplingError
from survey_engine.sampling import KishTable, SamplingErrorCode, assign_kish_tables, kish_select, last_birthday_select
from survey_engine.sampling.household import KISH_SHARES, KISH_TABLES


def test_table_shares_sum_to_one():
    """The eight table shares (1/6 ×4, 1/12 ×4) sum to 1 (Kish 1949, Table 1)."""
    assert sum(KISH_SHARES.values()) == 1
    assert len(KISH_TABLES) == 8


@pytest.mark.parametrize("k", [1, 2, 3, 4, 6])
def test_equal_probabilities_for_exact_household_sizes(k):
    """With 1, 2, 3, 4 or 6 adults every listed adult is chosen with probability 1/k (Kish 1949)."""
    share = Counter()
    for table in KishTable:
        share[KISH_TABLES[table][k - 1]] += KISH_SHARES[table]
    assert dict(share) == {j: Fraction(1, k) for j in range(1, k + 1)}
    for table in KishTable:
        assert kish_select(k, table).probability == pytest.approx(1 / k)


def test_five_adults_are_approximate_and_probability_is_exact():
    """With 5 adults tables give adults 3 and 5 probability 1/4, the others 1/6 (Kish 1949)."""
    assert kish_select(5, "E1").member == 3 and kish_select(5, "E1").probability == pytest.approx(0.25)
    assert kish_select(5, "A").member == 1 and kish_select(5, "A").probability == pytest.approx(1 / 6)
    assert kish_select(8, "F").member == 6  # 6+ column


def test_tables_are_assigned_in_exact_shares():
    """1,200 households get each 1/6 table 200 times and each 1/12 table 100 times, reproducibly."""
    tables = assign_kish_tables(1200, seed=3)
    counts = Counter(tables)
    assert all(counts[t] == int(KISH_SHARES[t] * 1200) for t in KishTable)
    assert tables == assign_kish_tables(1200, seed=3)
    assert tables != assign_kish_tables(1200, seed=4)


def test_bad_household_inputs():
    """Zero adults, an unknown table or an empty birthday list raise SamplingError."""
    with pytest.raises(SamplingError) as err:
        kish_select(0, "A")
    assert err.value.code is SamplingErrorCode.BAD_HOUSEHOLD
    with pytest.raises(SamplingError):
        kish_select(2, "G")
    with pytest.raises(SamplingError):
        last_birthday_select([], date(2026, 11, 23))


def test_last_birthday_picks_most_recent_past_birthday():
    """On 23 Nov the member born 1 Nov (not 30 Nov, which is still to come) is chosen; p = 1/3."""
    sel = last_birthday_select([(3, 15), (11, 1), (11, 30)], date(2026, 11, 23))
    assert sel.member == 2 and sel.probability == pytest.approx(1 / 3)
    sel = last_birthday_select([date(1980, 12, 25), date(1990, 1, 5)], date(2026, 1, 2))
    assert sel.member == 1  # 25 Dec of last year is more recent than 5 Jan of last year


def test_assigned_tables_give_the_stated_probability_to_every_adult():
    """Over 12,000 households with assigned tables, each listed adult's share equals kish_select's probability."""
    tables = assign_kish_tables(12_000, seed=8)
    for k in range(1, 8):
        chosen = Counter(kish_select(k, t).member for t in tables)
        for member, count in chosen.items():
            # Shares are exact because tables come in shuffled blocks of twelve.
            assert count / len(tables) == pytest.approx(kish_select(k, _table_for(k, member)).probability)


def _table_for(k: int, member: int) -> KishTable:
    return next(t for t in KishTable if KISH_TABLES[t][min(k, 6) - 1] == member)
