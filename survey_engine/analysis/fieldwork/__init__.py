"""Fieldwork monitoring: AAPOR dispositions and outcome rates, paradata quality flags.

Pure library (no Flask, no SQLAlchemy); ``docs/fieldwork.md`` states every code, formula,
flag rule and default with its source.
"""

from __future__ import annotations

from survey_engine.analysis.fieldwork.codes import FieldworkErrorCode
from survey_engine.analysis.fieldwork.dispositions import (
    DISPOSITION_CODES, DispositionCode, RateCategory, closeout, codes_for_mode, disposition, rate_category,
)
from survey_engine.analysis.fieldwork.interviewers import interviewer_table
from survey_engine.analysis.fieldwork.outcome_rates import (
    RATE_NAMES, TOTAL, DispositionCounts, EligibilityMethod, OutcomeRates, categorize, eligibility_rate,
    outcome_rates, rates_by,
)
from survey_engine.analysis.fieldwork.paradata import PageTime, Paradata, parse_paradata
from survey_engine.analysis.fieldwork.quality import QualityFlag, QualityRules, page_times, response_quality

__all__ = [
    "DISPOSITION_CODES", "DispositionCode", "RateCategory", "closeout", "codes_for_mode", "disposition",
    "rate_category", "RATE_NAMES", "TOTAL", "DispositionCounts", "EligibilityMethod", "OutcomeRates",
    "categorize", "eligibility_rate", "outcome_rates", "rates_by", "PageTime", "Paradata", "parse_paradata",
    "QualityFlag", "QualityRules", "page_times", "response_quality", "interviewer_table", "FieldworkErrorCode",
]
