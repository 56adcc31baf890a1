"""Semantic checks of questionnaire documents, one concern per module.

Each check takes a ``DocumentIndex`` and returns located problems; ``ALL_CHECKS`` is the
read-only registry the validator runs in order.
"""

from __future__ import annotations

from survey_engine.instruments.checks.choices import check_choices
from survey_engine.instruments.checks.expressions import check_expressions
from survey_engine.instruments.checks.identity import check_identity
from survey_engine.instruments.checks.routing import check_routing
from survey_engine.instruments.checks.scales import check_scales
from survey_engine.instruments.checks.scoring import check_scoring
from survey_engine.instruments.checks.translations import check_translations
from survey_engine.instruments.checks.values import check_values

__all__ = ["ALL_CHECKS"]

ALL_CHECKS = (
    check_identity,
    check_choices,
    check_scales,
    check_expressions,
    check_routing,
    check_scoring,
    check_translations,
    check_values,
)
