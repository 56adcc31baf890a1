"""Charts and the yearly report: pure (no Flask, no SQLAlchemy), built on the analysis API.

``charts`` draws SVG/PNG charts that come with their tables; ``yearly`` turns a
``ReportInputs`` bundle into one self-contained bilingual HTML file and a PDF.  See
docs/reports.md.
"""

from __future__ import annotations

from survey_engine.reports.charts import (
    Bilingual, Chart, index_bars, ipa_scatter, ranking_bars, rating_shares, trend_lines)
from survey_engine.reports.codes import ReportError, ReportErrorCode
from survey_engine.reports.fonts import CJKFont, cjk_font
from survey_engine.reports.inputs import ReportInputs, StratumFigures, Wave
from survey_engine.reports.results import ReportResults, compute_results
from survey_engine.reports.yearly import YearlyReport, build_yearly_report, render_yearly_html, render_yearly_pdf

__all__ = [
    "Bilingual", "Chart", "index_bars", "ipa_scatter", "ranking_bars", "rating_shares", "trend_lines",
    "ReportError", "ReportErrorCode", "CJKFont", "cjk_font",
    "ReportInputs", "StratumFigures", "Wave", "ReportResults", "compute_results",
    "YearlyReport", "build_yearly_report", "render_yearly_html", "render_yearly_pdf",
]
