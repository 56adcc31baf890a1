"""``survey-engine report CAMPAIGN``: the yearly report of a campaign, as one HTML file or a PDF.

Reads the campaign's complete (and approved) responses from the store, read-only, turns them
into the analysis dataset (``instruments.dataset``) with the design columns described by the
campaign's ``targets["design"]`` (keys in docs/reports.md), and hands everything to the pure
``survey_engine.reports`` package.  The store and the report package are imported when the
command runs, not when the CLI starts (every command module is loaded at start).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from survey_engine.cli._files import progress

__all__ = ["COMMANDS", "report"]
@click.command("report")
@click.argument("campaign")
@click.option("--format", "fmt", type=click.Choice(["html", "pdf"]), default="html", show_default=True)
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (.html or .pdf).")
@click.option("--database", "--database-url", "database_url", default=None,
              help="Database URL (default: SQLite in the instance folder).")
@click.option("--instance", default=None, help="Instance folder (default: ./instance).")
def report(campaign: str, fmt: str, output: Path, database_url: str | None, instance: str | None) -> None:
    """The yearly report of CAMPAIGN: methodology, results with charts and tables, questionnaire appendix."""
    from survey_engine.cli.web_commands import _app
    from survey_engine.reports.yearly import render_yearly_html, render_yearly_pdf
    from survey_engine.store.report_inputs import campaign_inputs

    with _app(instance, database_url) as app, app.extensions["survey_engine.db"].sessions() as session:
        progress(f"reading the responses of '{campaign}'")
        inputs = campaign_inputs(session, campaign)
    progress(f"{len(inputs.data)} responses" + (f"; previous wave {len(inputs.previous.data)}"
                                                if inputs.previous else "") + "; computing estimates and charts")
    html = render_yearly_html(inputs)
    if fmt == "html":
        output.write_text(html, encoding="utf-8")
    else:
        progress("rendering the PDF")
        output.write_bytes(render_yearly_pdf(html))
    progress(f"wrote {output} ({output.stat().st_size:,} bytes)")


COMMANDS: list[click.Command] = [report]
