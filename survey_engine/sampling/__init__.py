"""Sampling: frames, designs, allocation, PPS, sample size, intercept plans, household selection.

A pure library (no web or database imports)::

    from survey_engine.sampling import inclusion_probabilities, load_frame, draw_sample
    pik = inclusion_probabilities(sizes, n)          # PPS, iteratively capped at 1
"""

from __future__ import annotations

from survey_engine.sampling.allocation import AllocationMethod, AllocationResult, allocate
from survey_engine.sampling.codes import SamplingErrorCode
from survey_engine.sampling.designs import AllocationSpec, Method, SampleDesign, StageTwo, parse_design
from survey_engine.sampling.draw import Sample, Simulation, draw_sample, simulate_inclusion
from survey_engine.sampling.frame import Frame, FrameColumns, load_frame
from survey_engine.sampling.household import (
    HouseholdSelection,
    KishTable,
    assign_kish_tables,
    kish_select,
    last_birthday_select,
)
from survey_engine.sampling.intercept import InterceptPlan, expand_days, intercept_weights, plan_intercepts
from survey_engine.sampling.pik import ZeroSizes, grouped_inclusion_probabilities, inclusion_probabilities
from survey_engine.sampling.sample_size import (
    FPCForm,
    SampleSize,
    margin_of_error,
    sample_size_by_stratum,
    sample_size_mean,
    sample_size_proportion,
)

__all__ = [
    "AllocationMethod",
    "AllocationResult",
    "AllocationSpec",
    "FPCForm",
    "Frame",
    "FrameColumns",
    "HouseholdSelection",
    "InterceptPlan",
    "KishTable",
    "Method",
    "Sample",
    "SampleDesign",
    "SampleSize",
    "SamplingErrorCode",
    "Simulation",
    "StageTwo",
    "ZeroSizes",
    "allocate",
    "assign_kish_tables",
    "draw_sample",
    "expand_days",
    "grouped_inclusion_probabilities",
    "inclusion_probabilities",
    "intercept_weights",
    "kish_select",
    "last_birthday_select",
    "load_frame",
    "margin_of_error",
    "parse_design",
    "plan_intercepts",
    "sample_size_by_stratum",
    "sample_size_mean",
    "sample_size_proportion",
    "simulate_inclusion",
]
