"""AAPOR disposition codes and outcome rates (Standard Definitions, 10th edition, 2023).

Worked examples: the counts are published examples; the expected rates are computed by hand
from the AAPOR formulas (written out as fractions below), and where the source prints its own
results they are checked too.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_engine.analysis.fieldwork import (
    DISPOSITION_CODES,
    RATE_NAMES,
    TOTAL,
    DispositionCounts,
    EligibilityMethod,
    FieldworkErrorCode,
    RateCategory,
    closeout,
    codes_for_mode,
    eligibility_rate,
    outcome_rates,
    rate_category,
    rates_by,
)
from survey_engine.errors import FieldworkError

# One final code per category, used to build case tables.
CODE_OF = {"I": "1.1", "P": "1.2", "R": "2.11", "NC": "2.24", "O": "2.33", "UH": "3.11", "UO": "3.21", "NE": "4.70"}

# outcomerate README (ropensci/outcomerate, README.md, "Example"): 12 cases.
README = DispositionCounts(I=4, P=2, R=1, NC=1, O=1, UH=1, UO=1, NE=1)
# Its printed output of outcomerate(freq, e = eligibility_rate(freq)), 3 decimals.
README_PRINTED = {"RR1": 0.364, "RR2": 0.545, "RR3": 0.370, "RR4": 0.556, "RR5": 0.444, "RR6": 0.667,
                  "COOP1": 0.500, "COOP2": 0.750, "COOP3": 0.571, "COOP4": 0.857, "REF1": 0.091,
                  "REF2": 0.093, "REF3": 0.111, "CON1": 0.727, "CON2": 0.741, "CON3": 0.889}


def _frame(counts: dict[str, int], **extra: list) -> pd.DataFrame:
    codes = [CODE_OF[cat] for cat, n in counts.items() for _ in range(n)]
    return pd.DataFrame({"disposition": codes, **extra})


def test_readme_example_by_hand():
    """The 12-case example gives the AAPOR formulas' fractions, with e = 9/10 by proportional allocation."""
    # I+P = 6, R+NC+O = 3, UH+UO = 2, NE = 1; e = 9 / (9 + 1)
    e = 9 / 10
    expected = {
        "RR1": 4 / 11, "RR2": 6 / 11, "RR3": 4 / (9 + e * 2), "RR4": 6 / (9 + e * 2), "RR5": 4 / 9, "RR6": 6 / 9,
        "COOP1": 4 / 8, "COOP2": 6 / 8, "COOP3": 4 / 7, "COOP4": 6 / 7,
        "REF1": 1 / 11, "REF2": 1 / (9 + e * 2), "REF3": 1 / 9,
        "CON1": 8 / 11, "CON2": 8 / (9 + e * 2), "CON3": 8 / 9,
    }
    got = outcome_rates(README)
    assert got.e == pytest.approx(e) and got.e_method == "proportional"
    assert got.to_dict() == pytest.approx(expected, rel=1e-12)
    assert {name: round(v, 3) for name, v in got.rates.items()} == README_PRINTED
    assert not got.reasons


def test_middleearth_example_by_hand():
    """The outcomerate vignette's middleearth counts (no UH): e = 1447/1518, RR1 = 760/1620, RR3 = 760/(1447 + 173e)."""
    # ropensci/outcomerate, vignettes/intro-to-outcomerate.Rmd: I 760, P 339, R 59, NC 288, O 1, UO 173, NE 71.
    counts = DispositionCounts(I=760, P=339, R=59, NC=288, O=1, UO=173, NE=71)
    e = 1447 / 1518
    got = outcome_rates(counts)
    assert got.e == pytest.approx(e)
    assert got["RR1"] == pytest.approx(760 / 1620) and round(got["RR1"], 2) == 0.47
    assert got["RR2"] == pytest.approx(1099 / 1620) and round(got["RR2"], 2) == 0.68
    assert got["RR3"] == pytest.approx(760 / (1447 + e * 173))
    assert got["COOP1"] == pytest.approx(760 / (1099 + 59 + 1))
    assert got["COOP3"] == pytest.approx(760 / (1099 + 59))
    assert got["REF2"] == pytest.approx(59 / (1447 + e * 173))
    assert got["CON3"] == pytest.approx(1159 / 1447)


def test_given_e_is_used_as_is():
    """A given e replaces the estimate: with e = 0.5, RR3 = 4 / (9 + 1)."""
    got = outcome_rates(README, e=0.5)
    assert got.e == 0.5 and got.e_method == "given"
    assert got["RR3"] == pytest.approx(4 / 10)


def test_rates_by_group_and_total_match_counts():
    """rates_by counts categories per interviewer and its total row equals outcome_rates of all cases."""
    counts = {"I": 4, "P": 2, "R": 1, "NC": 1, "O": 1, "UH": 1, "UO": 1, "NE": 1}
    cases = _frame(counts, interviewer=["a"] * 6 + ["b"] * 6)
    table = rates_by(cases, "interviewer")
    assert table["interviewer"].tolist() == ["a", "b", TOTAL]
    total = table.iloc[-1]
    assert total["n"] == 12 and total[list(counts)].to_dict() == counts
    for name in RATE_NAMES:
        assert total[name] == pytest.approx(outcome_rates(README)[name])
    # interviewer a: 4 complete + 2 partial; b: R, NC, O, UH, UO, NE. One overall e = 0.9 serves both.
    a, b = table.iloc[0], table.iloc[1]
    assert a["RR1"] == pytest.approx(4 / 6) and a["RR2"] == 1.0
    assert b["RR1"] == 0 and b["REF1"] == pytest.approx(1 / 5) and b["REF2"] == pytest.approx(1 / (3 + 0.9 * 2))
    assert table["e"].tolist() == pytest.approx([0.9, 0.9, 0.9])


def test_rates_by_several_columns_and_group_e():
    """Groups are crossed; PROPORTIONAL_BY_GROUP estimates e within each group."""
    cases = pd.DataFrame({
        "disposition": ["1.1", "4.70", "3.21", "1.1", "1.1", "2.11", "3.11"],
        "campaign": ["c1"] * 7,
        "site": ["s1", "s1", "s1", "s2", "s2", "s2", "s2"],
    })
    table = rates_by(cases, ["campaign", "site"], e=EligibilityMethod.PROPORTIONAL_BY_GROUP)
    s1, s2, total = (table.iloc[i] for i in range(3))
    assert s1["e"] == pytest.approx(1 / 2) and s1["RR3"] == pytest.approx(1 / (1 + 0.5 * 1))
    assert s2["e"] == 1.0 and s2["RR3"] == pytest.approx(2 / 4)
    assert total["campaign"] == TOTAL and total["e"] == pytest.approx(4 / 5)


def test_weighted_counts():
    """With weights, categories hold sums of weights while n stays the number of cases."""
    cases = pd.DataFrame({"disposition": ["1.1", "2.11", "2.11"], "w": [3.0, 1.0, 1.0]})
    row = rates_by(cases, weights="w").iloc[0]
    assert row["n"] == 3 and row["I"] == 3.0 and row["RR1"] == pytest.approx(3 / 5)


def test_zero_denominators_are_nan_with_reason():
    """No cases at all: every rate NaN with the denominator named; never a ZeroDivisionError."""
    got = outcome_rates(DispositionCounts())
    assert all(math.isnan(v) for v in got.rates.values())
    assert set(got.reasons) == set(RATE_NAMES)
    assert "(I+P) + R is 0" in got.reasons["COOP3"]


def test_undefined_e_with_unknowns_says_so():
    """Only unknown-eligibility cases: e cannot be estimated, so e-rates are NaN and the reason says to give e."""
    got = outcome_rates(DispositionCounts(UH=3))
    assert math.isnan(got.e) and math.isnan(got["RR3"])
    assert "give e" in got.reasons["RR3"]
    assert got["RR1"] == 0.0  # its denominator (all cases) is 3


def test_undefined_e_without_unknowns_does_not_matter():
    """Without UH or UO, e multiplies nothing: RR3 equals RR5 even when e is undefined."""
    got = outcome_rates(DispositionCounts(I=2, R=2))
    assert got["RR3"] == got["RR5"] == 0.5


def test_group_with_only_ineligible_cases_has_notes():
    """A group of ineligible cases gets NaN rates and a readable note, other groups are unaffected."""
    cases = pd.DataFrame({"disposition": ["4.70", "4.80", "1.1"], "site": ["x", "x", "y"]})
    table = rates_by(cases, "site")
    x = table.iloc[0]
    assert math.isnan(x["RR1"]) and "RR1: denominator" in x["notes"]
    assert table.iloc[1]["RR1"] == 1.0 and table.iloc[1]["notes"] == ""


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=8, max_size=8), st.one_of(st.none(), st.floats(0, 1)))
def test_rate_orderings(values, e):
    """AAPOR's orderings hold when defined: RR1≤RR2, RR1≤RR3≤RR5, COOP1≤COOP2≤COOP4, REF1≤REF2≤REF3, CON1≤CON2≤CON3."""
    counts = DispositionCounts(**dict(zip(["I", "P", "R", "NC", "O", "UH", "UO", "NE"], values, strict=True)))
    r = outcome_rates(counts, e=EligibilityMethod.PROPORTIONAL if e is None else e).rates
    pairs = [("RR1", "RR2"), ("RR3", "RR4"), ("RR5", "RR6"), ("RR1", "RR3"), ("RR3", "RR5"), ("RR2", "RR4"),
             ("RR4", "RR6"), ("COOP1", "COOP2"), ("COOP3", "COOP4"), ("COOP1", "COOP3"), ("COOP2", "COOP4"),
             ("REF1", "REF2"), ("REF2", "REF3"), ("CON1", "CON2"), ("CON2", "CON3"), ("RR5", "COOP1")]
    for low, high in pairs:
        if not (math.isnan(r[low]) or math.isnan(r[high])):
            assert r[low] <= r[high] + 1e-12, (low, high, r[low], r[high])
    assert all(0 <= v <= 1 for v in r.values() if not math.isnan(v))


def test_eligibility_rate_is_proportional_allocation():
    """e = (I+P+R+NC+O) / (I+P+R+NC+O+NE), ignoring the unknowns themselves."""
    assert eligibility_rate(DispositionCounts(I=3, NC=1, NE=4, UH=100)) == 0.5
    assert math.isnan(eligibility_rate(DispositionCounts(UO=2)))


def test_code_table_categories_follow_aapor_numbering():
    """A final code's category follows its group: 1.1 I, 1.2 P, 2.1x R, 2.2x NC, 2.3x O, 3.1x UH, 3.2x/3.9 UO, 4 NE."""
    prefixes = [("1.1", "I"), ("1.2", "P"), ("2.1", "R"), ("2.2", "NC"), ("2.3", "O"), ("3.1", "UH"), ("3.2", "UO"),
                ("3.9", "UO"), ("4.", "NE")]
    for code, definition in DISPOSITION_CODES.items():
        assert definition.zh and definition.en and definition.label("en") == definition.en
        if definition.final:
            expected = next(cat for prefix, cat in prefixes if code.startswith(prefix))
            assert definition.category is RateCategory(expected), code
        else:
            assert code.startswith("T") and DISPOSITION_CODES[definition.closeout].final, code


def test_closeout_and_modes():
    """Temporary codes close out to their final code; finals stay; intercept lists only codes that fit a visitor."""
    assert closeout("T2.24") == "2.24" and closeout("1.1") == "1.1"
    intercept = {d.code for d in codes_for_mode("intercept", final=True)}
    assert {"1.1", "2.11", "2.12", "3.21", "4.70", "4.80"} <= intercept
    assert "2.24" not in intercept and "4.61" not in intercept
    assert all(not d.final for d in codes_for_mode("household", final=False))


def test_numbers_that_spell_a_code_are_accepted():
    """A numeric 2.11 read from a spreadsheet is the code '2.11'."""
    assert rate_category(2.11) is RateCategory.R


@pytest.mark.parametrize(("values", "code", "located"), [
    (["1.1", "9.9"], FieldworkErrorCode.UNKNOWN_CODE, "row(s) 1"),
    (["1.1", "T2.24", "T2.24"], FieldworkErrorCode.TEMPORARY_CODE, "row(s) 1, 2"),
    (["1.1", None], FieldworkErrorCode.MISSING_CODE, "row(s) 1"),
    (["1.1", 2.1], FieldworkErrorCode.UNKNOWN_CODE, "dtype=str"),
])
def test_bad_codes_are_located(values, code, located):
    """Unknown, temporary and missing codes raise a FieldworkError naming the column and rows."""
    with pytest.raises(FieldworkError) as info:
        rates_by(pd.DataFrame({"disposition": values}))
    assert info.value.code is code
    assert "'disposition'" in str(info.value) and located in str(info.value)


def test_all_bad_codes_reported_together():
    """Every bad value is a problem of the one error; an unknown code outranks a temporary one."""
    with pytest.raises(FieldworkError) as info:
        rates_by(pd.DataFrame({"disposition": ["T2.24", "x", None]}))
    assert info.value.code is FieldworkErrorCode.UNKNOWN_CODE
    assert [p.code for p in info.value.problems] == [FieldworkErrorCode.TEMPORARY_CODE,
                                                     FieldworkErrorCode.UNKNOWN_CODE, FieldworkErrorCode.MISSING_CODE]


@pytest.mark.parametrize(("call", "code"), [
    (lambda: rates_by(pd.DataFrame({"disposition": ["1.1"]}), "stratum"), FieldworkErrorCode.UNKNOWN_COLUMN),
    (lambda: rates_by(pd.DataFrame({"code": ["1.1"]})), FieldworkErrorCode.UNKNOWN_COLUMN),
    (lambda: rates_by(pd.DataFrame({"disposition": ["1.1"], "w": [-1.0]}), weights="w"), FieldworkErrorCode.BAD_COUNT),
    (lambda: outcome_rates(README, e=1.5), FieldworkErrorCode.BAD_OPTION),
    (lambda: DispositionCounts(I=-1), FieldworkErrorCode.BAD_COUNT),
    (lambda: DispositionCounts(I=np.nan), FieldworkErrorCode.BAD_COUNT),
    (lambda: codes_for_mode("online"), FieldworkErrorCode.BAD_OPTION),
    (lambda: DispositionCounts.from_codes(["1.1", "T3.11"]), FieldworkErrorCode.TEMPORARY_CODE),
])
def test_bad_arguments(call, code):
    """Missing columns, negative weights or counts, e outside [0, 1] and unknown modes are typed errors."""
    with pytest.raises(FieldworkError) as info:
        call()
    assert info.value.code is code and isinstance(info.value, ValueError)


def test_from_codes_counts_categories():
    """from_codes tallies codes into categories (weighted when asked)."""
    counts = DispositionCounts.from_codes(["1.1", "2.111", "2.12", "4.61"], weights=[1, 2, 3, 4])
    assert counts.as_dict() == {"I": 1, "P": 0, "R": 5, "NC": 0, "O": 0, "UH": 0, "UO": 0, "NE": 4}
