"""Every number of the yearly report, computed once from :class:`ReportInputs` by the analysis API.

The templates only format what is here, so a test can recompute any figure with the same
calls (``estimate_indices``, ``importance_performance``, ``dimension_alpha``,
``rating_summary``, ``demand_shares``, ``compare_waves``, ``evaluate_rules``) and find it in
the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from survey_engine.analysis.alerts import Alert, BadRatingShareAbove, IndexBelow, SignificantDrop, evaluate_rules
from survey_engine.analysis.demand import demand_shares, indicator_column, unmet_need_rates
from survey_engine.analysis.indices import IndexTable, estimate_indices, scored_design
from survey_engine.analysis.ipa import IPAResult, importance_performance
from survey_engine.analysis.ratings import RatingSummary, rating_summary
from survey_engine.analysis.reliability import dimension_alpha
from survey_engine.analysis.scores import ScoreSpec, dimension_column
from survey_engine.analysis.waves import compare_waves
from survey_engine.analysis.weighting import WeightSummary, weight_summary
from survey_engine.analysis.weighting.targets import apply_targets
from survey_engine.analysis.design_file import load_design
from survey_engine.errors import SurveyEngineError
from survey_engine.reports.inputs import ReportInputs, Wave

__all__ = ["ReportResults", "compute_results", "open_wave_design"]


@dataclass(frozen=True, slots=True)
class ReportResults:
    """The report's figures; optional parts are None when the data or questionnaire lack them."""

    inputs: ReportInputs
    spec: ScoreSpec
    design: Any
    n: int
    sample: pd.DataFrame
    weights: WeightSummary
    weighting_steps: tuple[str, ...]
    indices: IndexTable
    domain_indices: dict[str, IndexTable]
    ipa: IPAResult | None
    reliability: pd.DataFrame
    ratings: RatingSummary | None
    rating_domains: RatingSummary | None
    demand: pd.DataFrame | None
    unmet: pd.DataFrame | None
    previous_indices: IndexTable | None
    comparison: pd.DataFrame | None
    alerts: tuple[Alert, ...]


def open_wave_design(data: pd.DataFrame, design: Any, weighting: Any = None) -> tuple[Any, tuple[str, ...]]:
    """The design a design file describes, weighted by an optional TARGETS document."""
    built = load_design(data, dict(design))
    if weighting is None:
        return built, ()
    weighted, fits = apply_targets(built, weighting)
    return weighted, tuple(fit.step for fit in fits)


def _sample_table(inputs: ReportInputs, design: Any) -> pd.DataFrame:
    """Frame, allocation, issued, achieved and response rate by stratum (achieved counted from the data)."""
    columns = ["stratum", "label_zh", "label_en", "frame_size", "allocated", "issued", "achieved",
               "response_rate", "weight_sum"]
    if not inputs.stratum_column or inputs.stratum_column not in design.data:
        return pd.DataFrame(columns=columns)
    strata = design.data[inputs.stratum_column].astype(str)
    achieved = strata.value_counts()
    weight_sum = pd.Series(design.weights, index=design.data.index).groupby(strata).sum()
    known = {s.stratum: s for s in inputs.strata}
    rows = []
    for stratum in list(known) + sorted(set(achieved.index) - set(known)):
        figures = known.get(stratum)
        got = int(achieved.get(stratum, 0))
        issued = figures.issued if figures else None
        label = figures.label if figures and figures.label else (stratum, stratum)
        rows.append([stratum, label[0], label[1], figures.frame_size if figures else None,
                     figures.allocated if figures else None, issued, got,
                     100.0 * got / issued if issued else None, float(weight_sum.get(stratum, 0.0))])
    table = pd.DataFrame(rows, columns=columns)
    total = ["all", "合计", "Total", table["frame_size"].sum(min_count=1), table["allocated"].sum(min_count=1),
             table["issued"].sum(min_count=1), int(table["achieved"].sum()), None, float(table["weight_sum"].sum())]
    if pd.notna(total[5]) and total[5]:
        total[7] = 100.0 * total[6] / total[5]
    return pd.concat([table, pd.DataFrame([total], columns=columns)], ignore_index=True)


def _reliability(inputs: ReportInputs, spec: ScoreSpec, data: pd.DataFrame, weights: np.ndarray) -> pd.DataFrame:
    rows = []
    for dim in spec.dimensions:
        try:
            result = dimension_alpha(inputs.questionnaire, data, dim.id, "pairwise", weights=weights,
                                     level=inputs.level)
        except SurveyEngineError as exc:  # a dimension nobody answered: say so in the table
            rows.append({"dimension": dim.id, "items": len(dim.items), "n": 0, "alpha": np.nan, "std_alpha": np.nan,
                         "ci_low": np.nan, "ci_high": np.nan, "omega_total": np.nan, "note": str(exc)})
            continue
        rows.append({"dimension": dim.id, "items": result.n_items, "n": result.n_obs, "alpha": result.alpha,
                     "std_alpha": result.std_alpha, "ci_low": result.ci[0], "ci_high": result.ci[1],
                     "omega_total": result.omega_total, "note": ""})
    return pd.DataFrame(rows).set_index("dimension")


def _with_choice_lists(design: Any, question: str) -> Any:
    """Rebuild the list column of a multiple choice from its 0/1 dataset columns (``q__code``)."""
    if question in design.data:
        return design
    prefix = f"{question}__"
    codes = [c[len(prefix):] for c in design.data.columns if c.startswith(prefix) and not c.endswith("_text")]
    if not codes:
        return None
    flags = design.data[[indicator_column(question, c) for c in codes]]
    answered = flags.notna().any(axis=1)
    chosen = [[c for c, v in zip(codes, row) if v == 1] if ok else None
              for row, ok in zip(flags.itertuples(index=False), answered)]
    return design.assign(**{question: pd.Series(chosen, index=design.data.index, dtype=object).to_numpy()})


def _demand(inputs: ReportInputs, design: Any) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    if not inputs.demand_question:
        return None, None
    expanded = _with_choice_lists(design, inputs.demand_question)
    if expanded is None:
        return None, None
    shares = demand_shares(expanded, inputs.demand_question, level=inputs.level)
    unmet = None
    if inputs.unmet_question:
        both = _with_choice_lists(expanded, inputs.unmet_question)
        if both is not None:
            unmet = unmet_need_rates(both, inputs.demand_question, inputs.unmet_question, level=inputs.level)
    return shares, unmet


def _rules(inputs: ReportInputs) -> list[Any]:
    rules: list[Any] = [IndexBelow(threshold=inputs.index_threshold), SignificantDrop(points=inputs.drop_points)]
    if inputs.rating_item and inputs.rating_by:
        rules.append(BadRatingShareAbove(inputs.rating_item, share=inputs.bad_rating_share, by=(inputs.rating_by,)))
    return rules


def _previous(inputs: ReportInputs, spec: ScoreSpec, design: Any) -> tuple[IndexTable | None, pd.DataFrame | None, Any]:
    wave: Wave | None = inputs.previous
    if wave is None:
        return None, None, None
    before, _ = open_wave_design(wave.data, wave.design)
    names = [d.id for d in spec.dimensions] + ([spec.composite] if spec.composite else [])
    comparison = compare_waves(scored_design(before, spec), scored_design(design, spec),
                               [dimension_column(n) for n in names], level=inputs.level).table
    comparison = comparison.rename(index=lambda label: label.removeprefix("index_"))
    comparison.index.name = "index"
    return estimate_indices(before, spec, level=inputs.level), comparison, before


def compute_results(inputs: ReportInputs, *, reliability: bool = True) -> ReportResults:
    """Run every analysis the report shows, in the order of its sections.

    ``reliability=False`` skips the reliability table (a quarter of the time; the dashboards do
    not show it) and leaves it empty.
    """
    spec = ScoreSpec.from_questionnaire(inputs.questionnaire)
    design, steps = open_wave_design(inputs.data, inputs.design, inputs.weighting)
    indices = estimate_indices(design, spec, level=inputs.level)
    domains = {by: estimate_indices(design, spec, by=by, level=inputs.level)
               for by in inputs.domains if by in design.data}
    ipa = importance_performance(design, spec, "stated" if spec.importance else "correlation", inputs.level) \
        if spec.dimensions else None
    ratings = by_domain = None
    if inputs.rating_item and inputs.rating_item in design.data:
        ratings = rating_summary(design, inputs.rating_item, level=inputs.level)
        if inputs.rating_by and inputs.rating_by in design.data:
            by_domain = rating_summary(design, inputs.rating_item, by=inputs.rating_by, level=inputs.level)
    demand, unmet = _demand(inputs, design)
    previous_indices, comparison, before = _previous(inputs, spec, design)
    alerts = evaluate_rules(_rules(inputs), design, spec, before)
    return ReportResults(
        inputs=inputs, spec=spec, design=design, n=int(design.n), sample=_sample_table(inputs, design),
        weights=weight_summary(design.weights), weighting_steps=steps, indices=indices, domain_indices=domains,
        ipa=ipa, reliability=_reliability(inputs, spec, design.data, design.weights) if reliability
        else pd.DataFrame(), ratings=ratings,
        rating_domains=by_domain,
        demand=demand, unmet=unmet, previous_indices=previous_indices, comparison=comparison, alerts=tuple(alerts))
