"""``survey-engine analyze``: design-based estimates from a CSV file and a design file.

Thin shell over :mod:`survey_engine.analysis`; the design file format is documented in
``docs/statistics.md`` (section "Design files").
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click
import pandas as pd

from survey_engine.analysis import Design, ReplicateDesign
from survey_engine.analysis.design_file import DESIGN_KEYS, load_design
from survey_engine.analysis.codes import DesignErrorCode
from survey_engine.analysis.results import Estimate
from survey_engine.cli._files import INPUT_FILE, progress, read_json
from survey_engine.errors import DesignError

__all__ = ["COMMANDS", "analyze", "load_design", "open_design", "DESIGN_KEYS"]

class _Greedy(click.Option):
    """A repeatable option that also takes every following bare word: ``--mean q1 q2``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("multiple", True)
        super().__init__(*args, **kwargs)

    def add_to_parser(self, parser: Any, ctx: click.Context) -> None:
        super().add_to_parser(parser, ctx)
        table = getattr(parser, "_long_opt", {})
        for name in self.opts:
            option = table.get(name)
            if option is None:  # pragma: no cover - click internals changed; repeat the option instead
                continue
            original = option.process

            def process(value: Any, state: Any, original: Any = original) -> None:
                original(value, state)
                while state.rargs and not str(state.rargs[0]).startswith("-"):
                    original(state.rargs.pop(0), state)

            option.process = process


def _split(values: tuple[str, ...]) -> list[str]:
    """Flatten repeated and comma-separated option values."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def open_design(data_path: Path, design_path: Path) -> Design | ReplicateDesign:
    """Read a CSV file and the design file that describes its sample."""
    progress(f"reading {data_path}")
    data = pd.read_csv(data_path)
    spec = read_json(design_path, "the design file", lambda message: DesignError(message, DesignErrorCode.BAD_OPTION))
    design = load_design(data, spec)
    progress(f"design: {design!r}")
    return design


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@click.command("analyze")
@click.argument("data_path", metavar="DATA.csv", type=INPUT_FILE)
@click.option("--design", "design_path", required=True, type=INPUT_FILE,
              help="Design file (JSON); format in docs/statistics.md.")
@click.option("--mean", "means", cls=_Greedy, help="Variables for means (several allowed).")
@click.option("--total", "totals", cls=_Greedy, help="Variables for totals.")
@click.option("--proportion", "proportions", cls=_Greedy, help="Categorical variables: share of each category.")
@click.option("--ratio", "ratios", cls=_Greedy, help="Ratios as NUM/DEN, e.g. api00/api99.")
@click.option("--quantile", "quantile_vars", cls=_Greedy, help="Variables for quantiles (see --quantiles).")
@click.option("--quantiles", default="0.25,0.5,0.75", show_default=True, help="Comma-separated probabilities.")
@click.option("--by", "by", cls=_Greedy, help="Domain variable(s): estimates for every domain.")
@click.option("--subset", "subset", default=None, help="Restrict to a domain, e.g. \"region == 'north'\".")
@click.option("--missing", type=click.Choice(["available", "complete"]), default="available", show_default=True,
              help="Drop missing values per variable, or drop rows missing any listed variable.")
@click.option("--level", default=0.95, show_default=True, type=float, help="Confidence level.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def analyze(data_path: Path, design_path: Path, means: tuple[str, ...], totals: tuple[str, ...],
            proportions: tuple[str, ...], ratios: tuple[str, ...], quantile_vars: tuple[str, ...], quantiles: str,
            by: tuple[str, ...], subset: str | None, missing: str, level: float, fmt: str) -> None:
    """Estimate means, totals, proportions, ratios and quantiles with SEs and intervals."""
    design = open_design(data_path, design_path)
    if subset:
        design = design.subset(subset)
    by_list = _split(by) or None
    results: list[Estimate] = []
    if _split(means):
        results.append(design.mean(_split(means), by=by_list, missing=missing))
    if _split(totals):
        results.append(design.total(_split(totals), by=by_list, missing=missing))
    if _split(proportions):
        results.append(design.proportion(_split(proportions), by=by_list, missing=missing))
    for pair in _split(ratios):
        num, sep, den = pair.partition("/")
        if not sep or not num or not den:
            raise click.BadParameter(f"{pair!r}: write a ratio as NUM/DEN, e.g. api00/api99.", param_hint="--ratio")
        results.append(design.ratio(num, den, by=by_list))
    if _split(quantile_vars):
        try:
            probs = [float(q) for q in quantiles.split(",") if q.strip()]
        except ValueError:
            raise click.BadParameter(f"{quantiles!r}: give probabilities like 0.25,0.5.", param_hint="--quantiles") from None
        results.append(design.quantile(_split(quantile_vars), probs, by=by_list))
    if not results:
        raise click.UsageError("nothing to estimate: give --mean, --total, --proportion, --ratio or --quantile.")
    progress(f"{len(results)} estimate table(s) done")
    if fmt == "json":
        click.echo(json.dumps([r.to_dict(level) for r in results], ensure_ascii=False, indent=2))
    elif fmt == "csv":
        frames = []
        for r in results:
            frame = r.to_frame(level).reset_index()
            frame.insert(0, "statistic", r.statistic)
            frames.append(frame)
        click.echo(pd.concat(frames, ignore_index=True).to_csv(index=False), nl=False)
    else:
        click.echo("\n\n".join(str(r) if level == 0.95 else str(r.to_frame(level)) for r in results))


COMMANDS: list[click.Command] = [analyze]
