"""``survey-engine index | ratings | ipa | reliability | warnings``: satisfaction analysis from the shell.

Each reads a response CSV (one row per response, one column per answer id), the design file
(format in docs/statistics.md, "Design files") and, where scores are involved, the
questionnaire JSON whose scoring block defines items, dimensions and weights.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click
import pandas as pd

from survey_engine.analysis.alerts import BadRatingShareAbove, IndexBelow, RateRising, SignificantDrop, evaluate_rules
from survey_engine.analysis.indices import estimate_indices
from survey_engine.analysis.ipa import ImportanceMethod, importance_performance
from survey_engine.analysis.ratings import rating_summary
from survey_engine.analysis.reliability import dimension_alpha
from survey_engine.analysis.scores import ScoreSpec
from survey_engine.cli._files import INPUT_FILE, read_json
from survey_engine.cli.analysis_commands import open_design
from survey_engine.errors import EstimationError
from survey_engine.instruments import load

__all__ = ["COMMANDS", "RULES"]

_FORMAT = click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
                       show_default=True)


def _emit(table: pd.DataFrame, fmt: str, text: str | None = None) -> None:
    if fmt == "json":
        click.echo(table.reset_index().to_json(orient="records", force_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(table.to_csv(), nl=False)
    else:
        click.echo(text if text is not None else table.to_string())


def _by(values: tuple[str, ...]) -> list[str] | None:
    return [v for value in values for v in value.split(",") if v] or None


@click.command("index")
@click.argument("data_path", metavar="DATA.csv", type=INPUT_FILE)
@click.option("--design", "design_path", required=True, type=INPUT_FILE, help="Design file (JSON).")
@click.option("--questionnaire", "questionnaire_path", required=True, type=INPUT_FILE, help="Questionnaire with scoring.")
@click.option("--by", multiple=True, help="Domain column(s), e.g. --by respondent_type.")
@click.option("--level", default=0.95, show_default=True, type=float)
@_FORMAT
def index(data_path: Path, design_path: Path, questionnaire_path: Path, by: tuple[str, ...], level: float,
          fmt: str) -> None:
    """Satisfaction indices (0–100) per dimension and composite, with design-based CIs."""
    spec = ScoreSpec.from_questionnaire(load(questionnaire_path))
    result = estimate_indices(open_design(data_path, design_path), spec, by=_by(by), level=level)
    _emit(result.table, fmt, str(result))


@click.command("ratings")
@click.argument("data_path", metavar="DATA.csv", type=INPUT_FILE)
@click.option("--design", "design_path", required=True, type=INPUT_FILE)
@click.option("--item", required=True, help="The five-level rating column (e.g. overall).")
@click.option("--by", multiple=True, help="Domain column(s): site, service, staff, month ...")
@click.option("--default-flag", default=None, help="Column marking ratings filled in by default (excluded).")
@click.option("--level", default=0.95, show_default=True, type=float)
@_FORMAT
def ratings(data_path: Path, design_path: Path, item: str, by: tuple[str, ...], default_flag: str | None,
            level: float, fmt: str) -> None:
    """好差评 statistics: counts per level, satisfaction rate and bad-rating rate (%) with CIs."""
    summary = rating_summary(open_design(data_path, design_path), item, by=_by(by), default_flag=default_flag,
                             level=level)
    table = summary.counts.join(summary.rates.set_axis(["_".join(c) for c in summary.rates.columns], axis=1))
    _emit(table, fmt, str(summary))


@click.command("ipa")
@click.argument("data_path", metavar="DATA.csv", type=INPUT_FILE)
@click.option("--design", "design_path", required=True, type=INPUT_FILE)
@click.option("--questionnaire", "questionnaire_path", required=True, type=INPUT_FILE)
@click.option("--importance", type=click.Choice([m.value for m in ImportanceMethod]), default="stated",
              show_default=True, help="Stated (importance items) or derived importance.")
@click.option("--level", default=0.95, show_default=True, type=float)
@_FORMAT
def ipa(data_path: Path, design_path: Path, questionnaire_path: Path, importance: str, level: float,
        fmt: str) -> None:
    """Importance–performance grid: quadrant of each dimension and whether the placement is certain."""
    spec = ScoreSpec.from_questionnaire(load(questionnaire_path))
    result = importance_performance(open_design(data_path, design_path), spec, importance, level)
    _emit(result.table, fmt, str(result))


@click.command("reliability")
@click.argument("data_path", metavar="DATA.csv", type=INPUT_FILE)
@click.option("--questionnaire", "questionnaire_path", required=True, type=INPUT_FILE)
@click.option("--dimension", "dimensions", multiple=True, help="Dimension id(s); default: every dimension.")
@click.option("--missing", type=click.Choice(["pairwise", "listwise"]), default="pairwise", show_default=True)
@click.option("--weights", default=None, help="Weight column for weighted alpha.")
@_FORMAT
def reliability(data_path: Path, questionnaire_path: Path, dimensions: tuple[str, ...], missing: str,
                weights: str | None, fmt: str) -> None:
    """Cronbach's alpha (raw, standardised, Feldt CI), lambda-6 and omega for each dimension."""
    questionnaire = load(questionnaire_path)
    data = pd.read_csv(data_path)
    chosen = list(dimensions) or [d.id for d in questionnaire.scoring.dimensions] if questionnaire.scoring else []
    rows, texts = [], []
    with click.progressbar(chosen, label="dimensions", file=sys.stderr) as bar:
        for dim in bar:
            result = dimension_alpha(questionnaire, data, dim, missing,
                                     weights=data[weights] if weights else None)
            summary = {k: v for k, v in result.to_dict().items() if not isinstance(v, (list, dict))}
            rows.append({"dimension": dim, **summary})
            texts.append(f"== {dim} ==\n{result}")
    _emit(pd.DataFrame(rows).set_index("dimension"), fmt, "\n\n".join(texts))


RULES = {"index_below": IndexBelow, "significant_drop": SignificantDrop, "bad_rating_share": BadRatingShareAbove,
         "rate_rising": RateRising}


def _rules(path: Path) -> list[Any]:
    raw = read_json(path, "the rules file", EstimationError)
    rules = []
    for i, entry in enumerate(raw if isinstance(raw, list) else []):
        kind = entry.get("rule") if isinstance(entry, dict) else None
        if kind not in RULES:
            raise EstimationError(f"{path}: [{i}].rule: {kind!r} is not a rule; use one of {', '.join(RULES)}")
        options = {k: tuple(v) if isinstance(v, list) else v for k, v in entry.items() if k != "rule"}
        try:
            rules.append(RULES[kind](**options))
        except TypeError as exc:
            raise EstimationError(f"{path}: [{i}]: {exc}") from None
    if not rules:
        raise EstimationError(f"{path}: expected a JSON list of rules, e.g. [{{\"rule\": \"index_below\", "
                              "\"threshold\": 80}]")
    return rules


@click.command("warnings")
@click.argument("data_path", metavar="DATA.csv", type=INPUT_FILE)
@click.option("--design", "design_path", required=True, type=INPUT_FILE)
@click.option("--rules", "rules_path", required=True, type=INPUT_FILE, help="Warning rules (JSON list).")
@click.option("--questionnaire", "questionnaire_path", type=INPUT_FILE, default=None)
@click.option("--previous", "previous_path", type=INPUT_FILE, default=None, help="Previous wave's CSV (same design file).")
@_FORMAT
def warnings(data_path: Path, design_path: Path, rules_path: Path, questionnaire_path: Path | None,
             previous_path: Path | None, fmt: str) -> None:
    """Early warnings (预警): every rule that fires, with its evidence; exit 1 if any fired."""
    spec = ScoreSpec.from_questionnaire(load(questionnaire_path)) if questionnaire_path else None
    previous = open_design(previous_path, design_path) if previous_path else None
    alerts = evaluate_rules(_rules(rules_path), open_design(data_path, design_path), spec, previous)
    table = pd.DataFrame([asdict(a) for a in alerts], columns=["rule", "subject", "message_zh", "message_en",
                                                                "evidence"])
    text = "\n".join(f"! {a.message_en} / {a.message_zh}" for a in alerts) or "no warnings"
    _emit(table.set_index(["rule", "subject"]), fmt, text)
    if alerts:
        raise SystemExit(1)


COMMANDS: list[click.Command] = [index, ratings, ipa, reliability, warnings]
