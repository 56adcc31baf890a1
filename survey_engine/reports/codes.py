"""The reports area's error (defined in :mod:`survey_engine.errors`, so the store can raise it
without loading the chart libraries)."""

from __future__ import annotations

from survey_engine.errors import ReportError, ReportErrorCode

__all__ = ["ReportErrorCode", "ReportError"]
