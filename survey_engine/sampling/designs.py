"""Sample designs as immutable specifications, and their JSON form (design files).

A design is validated once when built; drawing happens in :mod:`survey_engine.sampling.draw`.
Every method can run inside strata (``stratified=True``, with an :class:`AllocationSpec`)
and, for multi-stage designs, on PSUs first with a :class:`StageTwo` inside selected PSUs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import Enum
from typing import Any, Mapping

from survey_engine.sampling.allocation import AllocationMethod
from survey_engine.sampling.codes import SamplingErrorCode, fail
from survey_engine.sampling.frame import FrameColumns

__all__ = ["Method", "AllocationSpec", "StageTwo", "SampleDesign", "parse_design"]


class Method(Enum):
    """How units (or PSUs) are selected inside a stratum."""

    SRS = "srs"  #: simple random sampling without replacement
    SYSTEMATIC = "systematic"  #: equal probability, random start, interval N/n
    PPS_SYSTEMATIC = "pps_systematic"  #: systematic PPS without replacement
    PPS_BREWER = "pps_brewer"  #: Brewer's draw-by-draw method, exact pik
    PPS_SAMPFORD = "pps_sampford"  #: Sampford's rejective method, exact pik
    PPS_WR = "pps_wr"  #: PPS with replacement (Hansen–Hurwitz)
    POISSON = "poisson"  #: Poisson sampling, equal probabilities n/N
    PPS_POISSON = "pps_poisson"  #: Poisson sampling with capped PPS probabilities

    @property
    def needs_size(self) -> bool:
        """Whether the method draws with probability proportional to a size measure."""
        return self.value.startswith("pps")


@dataclass(frozen=True, slots=True)
class AllocationSpec:
    """How the total n is shared among strata (see :func:`~survey_engine.sampling.allocate`).

    ``measure`` is ``"units"`` (N_h), ``"size"`` (total size measure of the stratum) or a
    mapping stratum → value; ``sd``, ``cost``, ``cv``, ``fixed``, ``min`` and ``max`` may
    be numbers or mappings stratum → value.
    """

    method: AllocationMethod = AllocationMethod.PROPORTIONAL
    min: Any = 0
    max: Any = None
    sd: Mapping[str, float] | None = None
    cost: Mapping[str, float] | None = None
    measure: Any = "units"
    power: float = 0.5
    cv: Mapping[str, float] | None = None
    fixed: Mapping[str, int] | None = None


@dataclass(frozen=True, slots=True)
class StageTwo:
    """Second stage of a multi-stage design: ``m`` units in each selected PSU (all if fewer)."""

    m: int
    method: Method = Method.SRS
    sort_by: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SampleDesign:
    """A complete sample design; ``n`` counts units, or PSUs when ``stage2`` is given.

    For Poisson designs ``n`` is the expected sample size.  ``sort_by`` orders units (or
    PSUs) inside strata before systematic selection (implicit stratification).
    """

    method: Method
    n: int
    stratified: bool = False
    allocation: AllocationSpec = field(default_factory=AllocationSpec)
    sort_by: tuple[str, ...] = ()
    stage2: StageTwo | None = None

    def __post_init__(self) -> None:
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 0:
            fail(SamplingErrorCode.INVALID_SAMPLE_SIZE,
                 f"design: n = {self.n!r} is not a non-negative whole number; give an integer.")
        if self.stage2 is not None:
            if self.stage2.method not in (Method.SRS, Method.SYSTEMATIC):
                fail(SamplingErrorCode.BAD_VALUE,
                     f"design.stage2: method '{self.stage2.method.value}' is not available in "
                     "the second stage; use 'srs' or 'systematic'.")
            if isinstance(self.stage2.m, bool) or not isinstance(self.stage2.m, int) or self.stage2.m < 1:
                fail(SamplingErrorCode.INVALID_SAMPLE_SIZE,
                     f"design.stage2: m = {self.stage2.m!r} must be a whole number >= 1.")

    def to_dict(self) -> dict[str, Any]:
        """The JSON form accepted by :func:`parse_design` (recorded with every sample)."""
        alloc = {f.name: getattr(self.allocation, f.name) for f in fields(AllocationSpec)}
        alloc["method"] = self.allocation.method.value
        out: dict[str, Any] = {"method": self.method.value, "n": self.n,
                               "stratified": self.stratified, "sort_by": list(self.sort_by)}
        if self.stratified:
            out["allocation"] = {k: (dict(v) if isinstance(v, Mapping) else v)
                                 for k, v in alloc.items() if v is not None}
        if self.stage2 is not None:
            out["stage2"] = {"m": self.stage2.m, "method": self.stage2.method.value,
                             "sort_by": list(self.stage2.sort_by)}
        return out


def _check_keys(obj: Any, allowed: set[str], where: str) -> dict[str, Any]:
    if not isinstance(obj, Mapping):
        fail(SamplingErrorCode.BAD_VALUE, f"{where}: expected a JSON object, got {type(obj).__name__}.")
    unknown = sorted(set(obj) - allowed)
    if unknown:
        fail(SamplingErrorCode.UNKNOWN_KEY,
             f"{where}: unknown key '{unknown[0]}'; accepted keys are {sorted(allowed)}.")
    return dict(obj)


def _enum(kind: type[Enum], value: Any, where: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        fail(SamplingErrorCode.BAD_VALUE,
             f"{where}: '{value}' is not one of {[m.value for m in kind]}; pick one of them.")


def _names(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        fail(SamplingErrorCode.BAD_VALUE, f"{where}: give a column name or a list of names.")
    return tuple(value)


def parse_design(document: Mapping[str, Any]) -> tuple[SampleDesign, FrameColumns | None]:
    """Turn a design file's JSON object into a design (and its frame columns, if given).

    Keys: ``method``, ``n``, ``stratified``, ``allocation`` {method, min, max, sd, cost,
    measure, power, cv, fixed}, ``sort_by``, ``stage2`` {m, method, sort_by} and ``frame``
    {id, stratum, size, cluster, contact, keep}.  Any other key is refused, by name.
    """
    top = _check_keys(document, {"method", "n", "stratified", "allocation", "sort_by",
                                 "stage2", "frame"}, "design")
    for key in ("method", "n"):
        if key not in top:
            fail(SamplingErrorCode.MISSING_KEY, f"design: key '{key}' is missing; add it.")
    columns = FrameColumns.from_mapping(top["frame"], "design.frame") if "frame" in top else None
    alloc_doc = _check_keys(top.get("allocation", {}), {f.name for f in fields(AllocationSpec)},
                            "design.allocation")
    if "method" in alloc_doc:
        alloc_doc["method"] = _enum(AllocationMethod, alloc_doc["method"], "design.allocation.method")
    stage2 = None
    if "stage2" in top:
        s2 = _check_keys(top["stage2"], {"m", "method", "sort_by"}, "design.stage2")
        if "m" not in s2:
            fail(SamplingErrorCode.MISSING_KEY, "design.stage2: key 'm' is missing; give units per PSU.")
        stage2 = StageTwo(m=s2["m"], method=_enum(Method, s2.get("method", "srs"), "design.stage2.method"),
                          sort_by=_names(s2.get("sort_by", []), "design.stage2.sort_by"))
    stratified = top.get("stratified", False)
    if not isinstance(stratified, bool):
        fail(SamplingErrorCode.BAD_VALUE, "design.stratified: give true or false.")
    design = SampleDesign(method=_enum(Method, top["method"], "design.method"), n=top["n"],
                          stratified=stratified, allocation=AllocationSpec(**alloc_doc),
                          sort_by=_names(top.get("sort_by", []), "design.sort_by"), stage2=stage2)
    return design, columns
