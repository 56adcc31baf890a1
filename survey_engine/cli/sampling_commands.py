"""Sampling commands: frame summary, sample, sample-size and intercept-plan.

Thin shell: each command reads its files, calls :mod:`survey_engine.sampling` and writes the
result.  Formats are described in docs/sampling.md.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click
import pandas as pd

from survey_engine.sampling import (
    FPCForm,
    FrameColumns,
    draw_sample,
    load_frame,
    margin_of_error,
    parse_design,
    plan_intercepts,
    sample_size_mean,
    sample_size_proportion,
)
from survey_engine.cli._files import INPUT_FILE, progress, read_json
from survey_engine.errors import SamplingError
from survey_engine.sampling.codes import SamplingErrorCode, fail

__all__ = ["COMMANDS"]


def _unreadable(message: str) -> SamplingError:
    return SamplingError(message, SamplingErrorCode.UNREADABLE_FILE)


def _seed(text: str) -> int:
    if not re.fullmatch(r"\s*\d+\s*", text):
        fail(SamplingErrorCode.BAD_SEED,
             f"--seed '{text}' is not a non-negative integer; give a whole number such as 20261123.")
    return int(text)


@click.group("frame")
def frame_group() -> None:
    """Inspect sampling frames."""


@frame_group.command("summary")
@click.argument("frame_path", metavar="FRAME", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--id", "id_col", help="Column with the unit id (or take it from --design).")
@click.option("--stratum", help="Stratum column.")
@click.option("--size", help="Size-measure column.")
@click.option("--cluster", help="Cluster (PSU) column.")
@click.option("--design", "design_path", type=INPUT_FILE,
              help="Design file whose 'frame' object maps the columns.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True)
def frame_summary(frame_path: Path, id_col: str | None, stratum: str | None, size: str | None,
                  cluster: str | None, design_path: Path | None, fmt: str) -> None:
    """Check FRAME (CSV or Excel) and show units and size by stratum."""
    if design_path is not None:
        _, columns = parse_design(read_json(design_path, "the design file", _unreadable))
        if columns is None:
            fail(SamplingErrorCode.MISSING_KEY, f"{design_path}: key 'frame' is missing; map the frame columns.")
    elif id_col:
        columns = FrameColumns(id=id_col, stratum=stratum, size=size, cluster=cluster)
    else:
        raise click.UsageError("give --id (and --stratum/--size/--cluster) or --design.")
    frame = load_frame(frame_path, columns)
    table = frame.summary()
    if fmt == "csv":
        click.echo(table.to_csv(), nl=False)
    elif fmt == "json":
        click.echo(table.reset_index().to_json(orient="records", force_ascii=False, indent=2))
    else:
        click.echo(f"frame {frame_path}: {len(frame)} units, fingerprint {frame.hash[:16]}")
        click.echo(table.to_string())


@click.command("sample")
@click.argument("frame_path", metavar="FRAME", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--design", "design_path", required=True,
              type=INPUT_FILE, help="Design file (JSON).")
@click.option("--seed", required=True, help="Integer seed; the same seed redraws the same sample.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Sample CSV to write; the design record goes next to it as <name>.json.")
@click.option("--include-contact", is_flag=True,
              help="Also copy the frame's contact columns (names, phones, addresses) into the sample.")
def sample_command(frame_path: Path, design_path: Path, seed: str, output: Path,
                   include_contact: bool) -> None:
    """Draw a sample from FRAME with the design in --design."""
    seed_value = _seed(seed)
    design, columns = parse_design(read_json(design_path, "the design file", _unreadable))
    if columns is None:
        fail(SamplingErrorCode.MISSING_KEY, f"{design_path}: key 'frame' is missing; map the frame columns.")
    progress(f"loading frame {frame_path}")
    frame = load_frame(frame_path, columns)
    progress(f"drawing {design.method.value} sample from {len(frame)} units")
    sample = draw_sample(frame, design, seed_value, include_contact=include_contact)
    sample.units.to_csv(output, index=False)
    meta = output.with_suffix(".json")
    meta.write_text(json.dumps({**sample.metadata(), "frame": str(frame_path)}, indent=2,
                               ensure_ascii=False), encoding="utf-8")
    click.echo(f"{len(sample.units)} units written to {output}; design record in {meta}")


@click.command("sample-size")
@click.option("--margin", type=float, help="Margin of error (absolute: 0.03 = ±3 points).")
@click.option("--n", "n_completes", type=float, help="Completes: report the margin of error instead.")
@click.option("--p", type=float, default=0.5, show_default=True, help="Expected proportion.")
@click.option("--sd", type=float, help="Standard deviation: size for a mean instead of a proportion.")
@click.option("--confidence", type=float, default=0.95, show_default=True)
@click.option("--deff", type=float, default=1.0, show_default=True, help="Design effect.")
@click.option("--population", type=float, help="Population size N (finite population correction).")
@click.option("--fpc-form", type=click.Choice([f.value for f in FPCForm]), default="cochran",
              show_default=True)
@click.option("--eligibility", type=float, default=1.0, show_default=True, help="Expected eligibility rate.")
@click.option("--response-rate", type=float, default=1.0, show_default=True, help="Expected response rate.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def sample_size_command(margin: float | None, n_completes: float | None, p: float, sd: float | None,
                        confidence: float, deff: float, population: float | None, fpc_form: str,
                        eligibility: float, response_rate: float, as_json: bool) -> None:
    """Sample size for a margin of error, or (with --n) the margin for a sample size."""
    if (margin is None) == (n_completes is None):
        raise click.UsageError("give exactly one of --margin or --n.")
    if n_completes is not None:
        moe = margin_of_error(n_completes, p=p, sd=sd, confidence=confidence, deff=deff,
                              population=population)
        click.echo(json.dumps({"n": n_completes, "margin": moe}) if as_json else f"margin of error: ±{moe:.4f}")
        return
    kw: dict[str, Any] = dict(confidence=confidence, deff=deff, population=population,
                              fpc_form=FPCForm(fpc_form), eligibility=eligibility,
                              response_rate=response_rate)
    result = sample_size_mean(margin, sd, **kw) if sd is not None else sample_size_proportion(margin, p=p, **kw)
    if as_json:
        click.echo(json.dumps(result.as_dict()))
        return
    click.echo(f"n0 (SRS): {result.n0:.2f}\nafter deff: {result.n_deff:.2f}\n"
               f"after fpc: {result.n_fpc:.2f}\ncompletes needed: {result.completes}\n"
               f"units to issue: {result.issued}")


@click.command("intercept-plan")
@click.argument("flows_path", metavar="FLOWS", type=INPUT_FILE)
@click.option("--n", "n_interviews", required=True, type=int, help="Total interviews.")
@click.option("--seed", required=True, help="Integer seed for the random starts.")
@click.option("--min-per-slot", type=int, default=0, show_default=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Plan CSV to write.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a printable bilingual HTML schedule.")
def intercept_plan_command(flows_path: Path, n_interviews: int, seed: str, min_per_slot: int,
                           output: Path, html_path: Path | None) -> None:
    """Allocate interviews to site × day × slot from FLOWS (CSV) and write the schedule."""
    flows = pd.read_csv(flows_path, dtype={"site": str, "day": str, "slot": str}, encoding="utf-8-sig")
    plan = plan_intercepts(flows, n_interviews, _seed(seed), min_per_slot=min_per_slot)
    output.write_text(plan.to_csv(), encoding="utf-8-sig")
    if html_path is not None:
        html_path.write_text(plan.to_html(), encoding="utf-8")
    click.echo(f"{len(plan.table)} site-slots, {n_interviews} interviews written to {output}")


COMMANDS: list[click.Command] = [frame_group, sample_command, sample_size_command, intercept_plan_command]
