"""Sample size for a proportion or a mean at a given margin of error, and the inverse.

For margin e at confidence 1 − α (z = Φ⁻¹(1 − α/2)):

* proportion:  n0 = z² p (1 − p) / e²          Cochran 1977, §4.4, eq. (4.2) first part
* mean:        n0 = (z S / e)²                   Cochran 1977, §4.6, eq. (4.5)
* design effect: n1 = n0 × deff                   Kish 1965, §8.2
* finite population: n = n1 / (1 + (n1 − 1)/N)    Cochran 1977, eq. (4.2)   (FPCForm.COCHRAN)
                     n = n1 / (1 + n1/N)          Lohr 2010, §2.7, eq. (2.13) (FPCForm.LOHR)
* units to issue: n / (eligibility rate × response rate)   Lohr 2010, §2.7 and §8.

The inverse gives the margin for a sample of n completes: e = z sqrt(deff V (1 − n/N) / n)
with V = p(1 − p) or S² (Lohr 2010, §2.3, normal approximation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Mapping

from scipy.stats import norm

from survey_engine.sampling.codes import SamplingErrorCode, fail

__all__ = ["FPCForm", "SampleSize", "sample_size_proportion", "sample_size_mean",
           "margin_of_error", "sample_size_by_stratum"]


class FPCForm(Enum):
    """Which finite-population correction of n0 to use."""

    COCHRAN = "cochran"  #: n0 / (1 + (n0 − 1)/N)
    LOHR = "lohr"  #: n0 / (1 + n0/N)


@dataclass(frozen=True, slots=True)
class SampleSize:
    """Sample size steps: ``n0`` (SRS, infinite population), after deff, after fpc, completes, issued."""

    n0: float
    n_deff: float
    n_fpc: float
    completes: int
    issued: int
    z: float

    def as_dict(self) -> dict[str, float]:
        """Plain dict for JSON/CLI output."""
        return {"n0": self.n0, "n_deff": self.n_deff, "n_fpc": self.n_fpc,
                "completes": self.completes, "issued": self.issued, "z": self.z}


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        fail(SamplingErrorCode.BAD_VALUE,
             f"confidence = {confidence!r} must lie strictly between 0 and 1 (e.g. 0.95).")
    return float(norm.ppf(0.5 + confidence / 2))


def _positive(name: str, value: float, upper: float | None = None) -> None:
    if not (value > 0 and math.isfinite(value)) or (upper is not None and value > upper):
        limit = f" and at most {upper:g}" if upper is not None else ""
        fail(SamplingErrorCode.BAD_VALUE, f"{name} = {value!r} must be positive{limit}.")


def _finish(n0: float, z: float, deff: float, population: float | None, fpc_form: FPCForm,
            eligibility: float, response: float) -> SampleSize:
    _positive("deff", deff)
    _positive("eligibility", eligibility, 1.0)
    _positive("response_rate", response, 1.0)
    n1 = n0 * deff
    if population is None:
        n2 = n1
    else:
        _positive("population", population)
        n2 = n1 / (1 + (n1 - 1) / population) if fpc_form is FPCForm.COCHRAN else n1 / (1 + n1 / population)
    completes = math.ceil(n2 - 1e-9)
    issued = math.ceil(completes / (eligibility * response) - 1e-9)
    return SampleSize(n0, n1, n2, completes, issued, z)


def sample_size_proportion(
    margin: float, *, p: float = 0.5, confidence: float = 0.95, deff: float = 1.0,
    population: float | None = None, fpc_form: FPCForm = FPCForm.COCHRAN,
    eligibility: float = 1.0, response_rate: float = 1.0,
) -> SampleSize:
    """Completes needed to estimate a proportion within ± ``margin`` (absolute, e.g. 0.03)."""
    _positive("margin", margin, 1.0)
    if not 0 <= p <= 1:
        fail(SamplingErrorCode.BAD_VALUE, f"p = {p!r} must lie in [0, 1]; use 0.5 when unknown.")
    z = _z(confidence)
    return _finish(z * z * p * (1 - p) / margin ** 2, z, deff, population, fpc_form,
                   eligibility, response_rate)


def sample_size_mean(
    margin: float, sd: float, *, confidence: float = 0.95, deff: float = 1.0,
    population: float | None = None, fpc_form: FPCForm = FPCForm.COCHRAN,
    eligibility: float = 1.0, response_rate: float = 1.0,
) -> SampleSize:
    """Completes needed to estimate a mean within ± ``margin`` given a guess ``sd`` of S."""
    _positive("margin", margin)
    _positive("sd", sd)
    z = _z(confidence)
    return _finish((z * sd / margin) ** 2, z, deff, population, fpc_form, eligibility, response_rate)


def margin_of_error(
    n: float, *, p: float | None = 0.5, sd: float | None = None, confidence: float = 0.95,
    deff: float = 1.0, population: float | None = None,
) -> float:
    """Half-width of the normal confidence interval with ``n`` completes (proportion or mean)."""
    _positive("n", n)
    variance = sd * sd if sd is not None else p * (1 - p)
    fpc = 1.0 if population is None else max(0.0, 1 - n / population)
    return _z(confidence) * math.sqrt(deff * variance * fpc / n)


def sample_size_by_stratum(
    margin: float, populations: Mapping[str, float], *, p: float | Mapping[str, float] = 0.5,
    **kwargs: float,
) -> dict[str, SampleSize]:
    """Sample size for a proportion computed separately in each stratum (domain estimates)."""
    out = {}
    for label, big_n in populations.items():
        ph = p[label] if isinstance(p, Mapping) else p
        out[str(label)] = sample_size_proportion(margin, p=ph, population=big_n, **kwargs)
    return out
