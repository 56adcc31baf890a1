"""Fixtures of the report tests: the demo campaign's report inputs, its HTML and its PDF (made once)."""

from __future__ import annotations

import pytest

from survey_engine.store.report_inputs import campaign_inputs
from survey_engine.reports import ReportInputs, build_yearly_report, render_yearly_pdf
from tests.reports.demo_store import CURRENT, demo_app


@pytest.fixture(autouse=True, scope="session")
def _system_packages() -> None:
    """Charts and PDFs need Debian's CJK fonts and poppler: skipped on a developer machine
    without them, a failure under CI (``.ci/run`` installs them)."""
    import os
    import shutil

    from survey_engine.errors import SurveyEngineError
    from survey_engine.reports.fonts import cjk_font

    missing = [] if shutil.which("pdftoppm") else ["poppler-utils"]
    try:
        cjk_font()
    except SurveyEngineError:
        missing.append("fonts-noto-cjk")
    if missing:
        message = f"{', '.join(missing)} missing: apt-get install -y {' '.join(missing)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def demo_inputs(tmp_path_factory: pytest.TempPathFactory) -> ReportInputs:
    app = demo_app(tmp_path_factory.mktemp("demo"))
    try:
        with app.extensions["survey_engine.db"].sessions() as session:
            return campaign_inputs(session, CURRENT)
    finally:
        app.extensions["survey_engine.db"].engine.dispose()


@pytest.fixture(scope="session")
def demo_report(demo_inputs):
    return build_yearly_report(demo_inputs)


@pytest.fixture(scope="session")
def demo_pdf(demo_report, tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    path.write_bytes(render_yearly_pdf(demo_report.html))
    return path
