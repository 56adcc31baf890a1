"""``survey-engine weight``: apply weighting targets to a sample and write the weights.

Thin shell over :mod:`survey_engine.analysis.weighting`.  The design file is read with the
analysis command's loader (:func:`survey_engine.analysis.design_file.load_design`); the
targets file format is documented in ``docs/statistics.md`` (section "Weighting").
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click
import pandas as pd

from survey_engine.analysis.weighting import margin_table, summary_table, weight_summary
from survey_engine.analysis.weighting.codes import WeightingErrorCode
from survey_engine.analysis.weighting.targets import apply_targets, parse_targets
from survey_engine.cli._files import INPUT_FILE, progress, read_json
from survey_engine.analysis.design_file import load_design
from survey_engine.errors import WeightingError

__all__ = ["COMMANDS", "weight"]


def _bad_file(message: str) -> WeightingError:
    return WeightingError(message, WeightingErrorCode.BAD_TARGETS)


def _targets_of(steps: list[dict[str, Any]]) -> dict[Any, Any]:
    """Every margin and total named by the steps (later steps win), for the margin table."""
    targets: dict[Any, Any] = {}
    for step in steps:
        if step["method"] == "poststratify":
            variable = step["variable"]
            targets[tuple(variable) if isinstance(variable, list) else variable] = step["totals"]
        elif step["method"] == "rake":
            targets.update(step["margins"])
        elif step["method"] == "calibrate":
            targets.update(step["totals"])
    return targets


def _weighted_spec(spec: dict[str, Any], final: Any, weight_column: str) -> dict[str, Any]:
    """Design file for the written CSV: same design, the new weights (and replicate columns).

    Replicate columns carry the weighting, so their standard errors account for it; for a
    non-replicate design the file reproduces the estimates, but its standard errors ignore
    the weighting adjustment (use the Python API, or a replicate design, for those).
    """
    if getattr(final, "replicate_weights", None) is not None:
        return {"weights": weight_column, "replicate_weights": {
            "pattern": f"^{weight_column}_rep[0-9]+$", "type": final.type, "rho": final.rho,
            "scale": final.scale, "rscales": final.rscales.tolist(), "mse": final.mse,
            "combined_weights": True}}
    kept = {k: v for k, v in spec.items() if k not in ("weights", "probs", "replicate")}
    return {**kept, "weights": weight_column}


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@click.command("weight")
@click.argument("data_path", metavar="DATA.csv",
                type=INPUT_FILE)
@click.option("--design", "design_path", required=True,
              type=INPUT_FILE,
              help="Design file (JSON), as for 'analyze'; format in docs/statistics.md.")
@click.option("--targets", "targets_path", required=True,
              type=INPUT_FILE,
              help="Targets file (JSON): weighting steps; format in docs/statistics.md.")
@click.option("-o", "--output", "output", required=True,
              type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="CSV to write: the data plus the weight column (and replicate weights).")
@click.option("--weight-column", default="weight", show_default=True,
              help="Name of the weight column written.")
@click.option("--design-out", "design_out", default=None,
              type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Also write a design file for the weighted CSV (for 'analyze').")
@click.option("--report", "report_path", default=None,
              type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Also write the report (convergence, weight summary, margins) as JSON.")
def weight(data_path: Path, design_path: Path, targets_path: Path, output: Path,
           weight_column: str, design_out: Path | None, report_path: Path | None) -> None:
    """Post-stratify, rake, calibrate or trim the design weights to population targets."""
    steps = parse_targets(read_json(targets_path, "the targets file", _bad_file))
    progress(f"reading {data_path}")
    data = pd.read_csv(data_path)
    if weight_column in data.columns:
        raise click.BadParameter(f"column {weight_column!r} already exists in {data_path}; "
                                 "choose another name", param_hint="--weight-column")
    spec = read_json(design_path, "the design file", _bad_file)
    design = load_design(data, spec)
    progress(f"design: {design!r}")
    before = design.weights
    final, fits = apply_targets(design, {"steps": steps})
    for fit in fits:
        progress(fit.convergence.describe())
    after = final.weights
    out = final.data.copy()
    out[weight_column] = after
    replicates = getattr(final, "replicate_weights", None)
    if replicates is not None:
        names = [f"{weight_column}_rep{r + 1}" for r in range(replicates.shape[1])]
        out = pd.concat([out, pd.DataFrame(replicates, columns=names)], axis=1)
    out.to_csv(output, index=False)
    progress(f"wrote {len(out)} rows to {output}")
    if design_out is not None:
        design_out.write_text(json.dumps(_weighted_spec(spec, final, weight_column), indent=2),
                              encoding="utf-8")
        progress(f"wrote the design file of the weighted data to {design_out}")
    summary = summary_table(before=before, after=after)
    margins = margin_table(final.data, _targets_of(steps), before, after)
    click.echo("weights\n" + summary.to_string(float_format=lambda v: f"{v:.6g}"))
    click.echo("\nmargins against targets\n" + margins.to_string(
        index=False, float_format=lambda v: f"{v:.6g}"))
    if report_path is not None:
        report = {
            "steps": [{"method": fit.step, "iterations": fit.convergence.iterations,
                       "converged": fit.convergence.converged,
                       "max_difference": fit.convergence.max_difference,
                       "tolerance": fit.convergence.tolerance} for fit in fits],
            "weights": {name: {k: _plain(v) for k, v in weight_summary(w).as_dict().items()}
                        for name, w in (("before", before), ("after", after))},
            "margins": [{k: _plain(v) for k, v in row.items()}
                        for row in margins.to_dict(orient="records")],
        }
        report_path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str),
                               encoding="utf-8")
        progress(f"wrote the report to {report_path}")


COMMANDS: list[click.Command] = [weight]
