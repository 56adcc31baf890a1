"""Sample size and margin of error, checked by hand against Cochran 1977 and Lohr 2010."""

from __future__ import annotations

import pytest

from survey_engine.errors import SamplingError
from survey_engine.sampling import (
    FPCForm,
    SamplingErrorCode,
    margin_of_error,
    sample_size_by_stratum,
    sample_size_mean,
    sample_size_proportion,
)


def test_1067_completes_give_three_points():
    """p = 0.5, ±0.03, 95%: n0 = 1.959964² · 0.25 / 0.03² = 1067.07 (Cochran 1977, §4.4) → 1068."""
    r = sample_size_proportion(0.03)
    assert r.n0 == pytest.approx(1067.0719, abs=1e-4)
    assert r.completes == 1068
    assert margin_of_error(1067) == pytest.approx(0.0300, abs=1e-4)


def test_recipes_example_lohr_fpc():
    """Lohr 2010, §2.7 (cookbook of N = 1251 recipes, ±0.03, 95%): n = n0 / (1 + n0/N) = 576.

    By hand: 1067.07 / (1 + 1067.07/1251) = 1067.07 / 1.85298 = 575.87 → 576.
    """
    r = sample_size_proportion(0.03, population=1251, fpc_form=FPCForm.LOHR)
    assert r.n_fpc == pytest.approx(575.87, abs=0.01)
    assert r.completes == 576


def test_cochran_fpc_form():
    """Cochran 1977, eq. (4.2): n = n0 / (1 + (n0 − 1)/N); 1067.07 / 1.852176 = 576.12 → 577."""
    r = sample_size_proportion(0.03, population=1251, fpc_form=FPCForm.COCHRAN)
    assert r.n_fpc == pytest.approx(576.12, abs=0.01)
    assert r.completes == 577


def test_design_effect_eligibility_and_response():
    """deff 1.5: 1067.07 · 1.5 = 1600.61 → 1601 completes; ÷ (0.9 · 0.6) = 2964.8 → 2965 issued."""
    r = sample_size_proportion(0.03, deff=1.5, eligibility=0.9, response_rate=0.6)
    assert r.n_deff == pytest.approx(1600.608, abs=1e-3)
    assert (r.completes, r.issued) == (1601, 2965)


def test_mean_sample_size_by_hand():
    """Cochran 1977, §4.6, eq. (4.5): n0 = (z S / d)²; S = 10, d = 1, 95%: 384.15 → 385."""
    r = sample_size_mean(1.0, 10.0)
    assert r.n0 == pytest.approx(384.146, abs=1e-3)
    assert r.completes == 385


def test_margin_for_mean_with_fpc():
    """e = z sqrt((1 − n/N) S²/n) (Lohr 2010, §2.3): n = 100, N = 500, S = 10 → 1.96 · 0.8944 = 1.753."""
    assert margin_of_error(100, sd=10, population=500) == pytest.approx(1.7530, abs=1e-4)


def test_per_stratum_sizes():
    """Each stratum gets its own fpc: N = 1251 → 577; N = 100000 → 1056 (1067.07/1.01066)."""
    r = sample_size_by_stratum(0.03, {"small": 1251, "big": 100000})
    assert r["small"].completes == 577
    assert r["big"].completes == 1056


@pytest.mark.parametrize("kwargs", [{"margin": 0}, {"margin": 0.03, "response_rate": 1.5},
                                    {"margin": 0.03, "confidence": 1.2}, {"margin": 0.03, "p": 2}])
def test_bad_inputs_are_refused(kwargs):
    """Zero margin, rates above 1, confidence outside (0, 1) and p outside [0, 1] raise BAD_VALUE."""
    margin = kwargs.pop("margin")
    with pytest.raises(SamplingError) as err:
        sample_size_proportion(margin, **kwargs)
    assert err.value.code is SamplingErrorCode.BAD_VALUE
