"""survey_engine: questionnaires, sampling designs, weighting and satisfaction analysis."""

from __future__ import annotations

from survey_engine.errors import SurveyEngineError

__all__ = ["SurveyEngineError", "__version__"]
__version__ = "0.1.0"
