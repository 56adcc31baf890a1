"""``survey-engine validate`` and ``survey-engine show``: questionnaire files from the shell."""

from __future__ import annotations

import click

from survey_engine.instruments import load, problems_in_file
from survey_engine.instruments.outline import outline

__all__ = ["COMMANDS", "validate", "show"]


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files: tuple[str, ...]) -> None:
    """Check questionnaire FILES; print every problem (one per line) and exit 2 if any."""
    failed = 0
    for name in files:
        problems = problems_in_file(name)
        if problems:
            failed += 1
            for found in problems:
                location = found.path if found.path.startswith(name) else f"{name}: {found.path}"
                click.echo(f"{location}: {found.message}")
        else:
            click.echo(f"{name}: ok", err=True)
    if failed:
        click.echo(f"{failed} of {len(files)} file(s) invalid", err=True)
        raise SystemExit(2)


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language to show (default: the questionnaire's default language).")
def show(file: str, lang: str | None) -> None:
    """Print a readable outline of FILE with its routing, options and scoring."""
    click.echo(outline(load(file), lang), nl=False)


COMMANDS = [validate, show]
