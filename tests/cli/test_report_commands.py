"""``survey-engine report CAMPAIGN``: the yearly report from the store, with progress and clear errors."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from survey_engine.cli import cli
from tests.reports.demo_store import CURRENT, demo_app


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A demo store plus a campaign without responses and one whose stratum has no frame size."""
    from sqlalchemy import select

    from survey_engine.store.catalog import add_site, create_campaign, open_campaign
    from survey_engine.store.models import Response
    from survey_engine.store.responses import Submission, submit_response

    folder = tmp_path_factory.mktemp("store")
    app = demo_app(folder)
    database = app.extensions["survey_engine.db"]
    with database.sessions() as session:
        version = open_campaign(session, CURRENT).version
        create_campaign(session, slug="empty", name="空 Empty", version=version, modes=["online"])
        unsized = create_campaign(session, slug="unsized", name="无规模 Unsized", version=version, modes=["online"],
                                  targets={"design": {"strata": {"centre_main": {"allocated": 5}}}})
        site = add_site(session, unsized, code="centre_main", name="中心 Centre")
        answers = session.scalars(select(Response.answers).where(Response.mode == "online").limit(1)).one()
        session.commit()
        ids = (unsized.id, unsized.version_id, site.id)
    submit_response(database.sessions, Submission(
        client_uuid="00000000-0000-4000-8000-000000000001", fingerprint="x", campaign_id=ids[0], version_id=ids[1],
        mode="online", language="zh", status="complete", answers=answers, site_id=ids[2]))
    database.engine.dispose()
    return f"sqlite:///{folder / 'x.db'}"


def test_report_writes_one_html_file_and_shows_progress(store, tmp_path):
    """HTML is written to --output; progress goes to stderr."""
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", CURRENT, "--format", "html", "--output", str(out),
                                      "--database", store, "--instance", str(tmp_path)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.count("<svg") == 5
    assert "reading the responses" in result.stderr and "200 responses; previous wave 120" in result.stderr


@pytest.mark.slow
def test_report_writes_a_pdf(store, tmp_path):
    """--format pdf writes a PDF file."""
    out = tmp_path / "report.pdf"
    result = CliRunner().invoke(cli, ["report", CURRENT, "--format", "pdf", "-o", str(out), "--database", store,
                                      "--instance", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-") and "rendering the PDF" in result.stderr


@pytest.mark.parametrize(("campaign", "message"), [
    ("no-such-campaign", "campaign 'no-such-campaign' not found"),
    ("empty", "campaign 'empty' has no complete responses"),
    ("unsized", "targets.design.strata.centre_main.frame_size must be a positive number"),
])
def test_unknown_empty_or_undescribed_campaign_exits_2_with_a_message(store, tmp_path, campaign, message):
    """No traceback: one error line and exit status 2; no file is written."""
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["report", campaign, "-o", str(out), "--database", store,
                                      "--instance", str(tmp_path)])
    assert result.exit_code == 2 and message in result.output
    assert not out.exists()
