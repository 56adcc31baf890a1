"""The yearly report: ``ReportInputs`` → figures → one self-contained bilingual HTML file → PDF.

HTML carries its CSS inline and its charts as inline SVG (text drawn as paths), so the single
file opens anywhere without a network. The PDF is WeasyPrint's rendering of that same HTML;
the page CSS keeps tables, charts and headings from being split across pages, and the CJK
font is embedded by WeasyPrint (checked in the tests with ``pdffonts``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from survey_engine.reports.codes import ReportError, ReportErrorCode
from survey_engine.reports.fonts import cjk_font
from survey_engine.reports.inputs import ReportInputs
from survey_engine.reports.results import ReportResults, compute_results
from survey_engine.reports.sections import appendix, methodology, results_sections, summary

__all__ = ["YearlyReport", "build_yearly_report", "render_yearly_html", "render_yearly_pdf"]

_TEMPLATES = Path(__file__).parent / "templates"
_WORDS = {"campaign": ("调查项目", "Campaign"), "questionnaire": ("问卷版本", "Questionnaire")}


@dataclass(frozen=True, slots=True)
class YearlyReport:
    """The computed figures and the HTML made from them."""

    results: ReportResults
    html: str


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(_TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=False, lstrip_blocks=False)


def _context(results: ReportResults) -> dict[str, Any]:
    inputs = results.inputs
    return {"title": inputs.title, "campaign": inputs.campaign, "labels": _WORDS, "summary": summary(results),
            "method": methodology(results), "results": results_sections(results), "appendix": appendix(results)}


def build_yearly_report(inputs: ReportInputs) -> YearlyReport:
    """Compute every figure and render the HTML report."""
    cjk_font()  # fail before any work when Chinese cannot be drawn
    results = compute_results(inputs)
    return YearlyReport(results, _environment().get_template("yearly.html.j2").render(_context(results)))


def render_yearly_html(inputs: ReportInputs) -> str:
    """The complete report as one self-contained HTML document."""
    return build_yearly_report(inputs).html


def render_yearly_pdf(html: str) -> bytes:
    """The PDF of a report's HTML (WeasyPrint; the CJK font is embedded as a subset)."""
    cjk_font()
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango or HarfBuzz missing on the system
        raise ReportError(f"PDF output needs WeasyPrint and its system libraries (pip install weasyprint; "
                          f"apt-get install libpango-1.0-0 libpangoft2-1.0-0): {exc}",
                          ReportErrorCode.PDF_UNAVAILABLE) from None
    return weasyprint.HTML(string=html, base_url=None).write_pdf()
