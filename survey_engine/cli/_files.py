"""Small pieces every command shares: progress lines on stderr and reading JSON input files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

__all__ = ["INPUT_FILE", "progress", "read_json"]

#: An existing file given on the command line (a folder or a missing path is a usage error).
INPUT_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def progress(message: str) -> None:
    """A progress line on stderr, so stdout stays clean for tables, JSON and CSV."""
    click.echo(f"[survey-engine] {message}", err=True)


def read_json(path: Path, what: str, error: Callable[[str], Exception]) -> Any:
    """Parse a JSON input file; malformed JSON becomes ``error(message)`` naming line and column."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise error(f"{path}: {what} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
