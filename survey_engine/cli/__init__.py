"""The ``survey-engine`` command line: a thin shell over the pure libraries.

Each area keeps its commands in its own module; this module only gathers them and turns
every ``SurveyEngineError`` into a one-line message and exit status 2, never a traceback.
"""

from __future__ import annotations

import importlib
import sys

import click

from survey_engine import __version__
from survey_engine.errors import SurveyEngineError

__all__ = ["main", "cli"]


class _FriendlyGroup(click.Group):
    """A click group that reports project errors as messages instead of tracebacks."""

    def invoke(self, ctx: click.Context):  # noqa: D102 - behaviour described on the class
        try:
            return super().invoke(ctx)
        except SurveyEngineError as exc:
            click.echo(f"error: {exc}", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            ctx.exit(2)


@click.group(cls=_FriendlyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="survey-engine")
def cli() -> None:
    """Survey engine: questionnaires, samples, weights and satisfaction analysis."""


#: Modules whose ``COMMANDS`` make up the command line (add a module here to add commands).
COMMAND_MODULES = (
    "questionnaire_commands",
    "sampling_commands",
    "analysis_commands",
    "weighting_commands",
    "index_commands",
    "web_commands",
    "report_commands",
)


def _register() -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"survey_engine.cli.{name}")
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    try:
        cli.main(args=argv, prog_name="survey-engine", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
