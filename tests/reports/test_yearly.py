"""The yearly report of the demo campaign: every figure the analysis API computes appears in the HTML."""

from __future__ import annotations

import dataclasses
import re

from survey_engine.analysis.indices import estimate_indices, scored_design
from survey_engine.analysis.ipa import importance_performance
from survey_engine.analysis.ratings import rating_summary
from survey_engine.analysis.reliability import dimension_alpha
from survey_engine.analysis.scores import ScoreSpec, dimension_column
from survey_engine.analysis.waves import compare_waves
from survey_engine.analysis.design_file import load_design
from survey_engine.reports import build_yearly_report


def _text(html: str) -> str:
    """The visible text: tags dropped, entities of the numbers are plain anyway."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<svg.*?</svg>", " ", html, flags=re.S)))


def _design(inputs):
    return load_design(inputs.data, dict(inputs.design))


def test_indices_and_their_cis_match_the_analysis_api(demo_inputs, demo_report):
    """Every dimension index and the composite, with CI and n, as ``estimate_indices`` gives them."""
    text = _text(demo_report.html)
    table = estimate_indices(_design(demo_inputs), ScoreSpec.from_questionnaire(demo_inputs.questionnaire)).table
    assert len(table) == 8
    for _, row in table.iterrows():
        assert f"{row['estimate']:.1f} {row['se']:.2f} {row['ci_low']:.1f}–{row['ci_high']:.1f}" in text


def test_domain_indices_match_the_analysis_api(demo_inputs, demo_report):
    """Composite index by respondent type (estimate and CI) as ``estimate_indices(by=...)`` gives it."""
    text = _text(demo_report.html)
    table = estimate_indices(_design(demo_inputs), ScoreSpec.from_questionnaire(demo_inputs.questionnaire),
                             by="respondent_type").table.xs("csi", level=-1)
    assert "企业 / Enterprise" in text
    for _, row in table.iterrows():
        assert f"{row['estimate']:.1f} {row['se']:.2f} {row['ci_low']:.1f}–{row['ci_high']:.1f}" in text


def test_ratings_reliability_and_ipa_match_the_analysis_api(demo_inputs, demo_report):
    """满意率/差评率, Cronbach's alpha of each dimension and the IPA cuts are the API's numbers."""
    text = _text(demo_report.html)
    design = _design(demo_inputs)
    rates = rating_summary(design, "overall_sat").rates.iloc[0]
    assert f"{rates[('satisfaction_rate', 'estimate')]:.1f}%" in text
    assert f"{rates[('bad_rating_rate', 'estimate')]:.1f}%" in text
    for dim in ("accessibility", "staff", "results"):
        alpha = dimension_alpha(demo_inputs.questionnaire, demo_inputs.data, dim, weights=design.weights)
        assert f"{alpha.alpha:.3f}" in text and f"{alpha.ci[0]:.3f}–{alpha.ci[1]:.3f}" in text
    ipa = importance_performance(design, ScoreSpec.from_questionnaire(demo_inputs.questionnaire))
    assert f"重要性 {ipa.importance_cut:.1f}，表现 {ipa.performance_cut:.1f}" in text


def test_comparison_with_the_previous_wave_matches_compare_waves(demo_inputs, demo_report):
    """Both waves' indices and the change with its p-value, as ``compare_waves`` computes them."""
    text = _text(demo_report.html)
    spec = ScoreSpec.from_questionnaire(demo_inputs.questionnaire)
    before = load_design(demo_inputs.previous.data, dict(demo_inputs.previous.design))
    table = compare_waves(scored_design(before, spec), scored_design(_design(demo_inputs), spec),
                          dimension_column("csi")).table.iloc[0]
    assert (f"{table['estimate_before']:.1f} {table['estimate_after']:.1f} {table['difference']:.1f} "
            f"{table['ci_low']:.1f} to {table['ci_high']:.1f} {table['p_value']:.3f}") in text


def test_methodology_shows_frame_allocation_response_rates_and_variance_method(demo_inputs, demo_report):
    """Frame sizes, allocations, achieved counts and response rates per stratum; weights; the variance method."""
    text = _text(demo_report.html)
    achieved = demo_inputs.data["stratum"].value_counts()
    for figures in demo_inputs.strata:
        got = int(achieved[figures.stratum])
        assert (f"{figures.frame_size:,} {figures.allocated:,} {figures.issued:,} {got:,} "
                f"{100 * got / figures.issued:.1f}%") in text
    assert "泰勒线性化" in text and "Taylor linearisation" in text
    assert "N_h / n_h" in text


def test_report_is_one_self_contained_file(demo_report):
    """CSS inline, charts inline SVG, no script, stylesheet link, image file or external URL."""
    html = demo_report.html
    assert html.count("<svg") == 5 and "<style>" in html
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert not re.search(r"url\(\s*['\"]?(?!#)", html) and "@import" not in html  # only url(#local-id)
    urls = set(re.findall(r"https?://[^\"'\s<>]+", html))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def test_sections_warnings_and_questionnaire_appendix_are_there(demo_inputs, demo_report):
    """Methodology, results and appendix in both languages; every fired warning listed; questions printed."""
    text = _text(demo_report.html)
    for heading in ("调查方法", "Methodology", "测评结果", "Results", "信度", "Reliability", "预警",
                    "Early warnings", "附录：调查问卷", "Appendix: the questionnaire"):
        assert heading in text
    for alert in demo_report.results.alerts:
        assert alert.message_en in text
    assert "How satisfied are you with each of these aspects of accessibility?" in text
    assert demo_inputs.questionnaire.question("overall_sat").label.get("zh") in text


def test_demand_ranking_appears_when_the_questionnaire_has_a_demand_question(demo_inputs):
    """A multiple-choice question named as the demand question is ranked (shares in %, largest first)."""
    inputs = dataclasses.replace(demo_inputs, demand_question="services_used", previous=None)
    report = build_yearly_report(inputs)
    shares = report.results.demand
    assert list(shares["rank"]) == list(range(1, len(shares) + 1))
    assert shares["estimate"].is_monotonic_decreasing
    text = _text(report.html)
    assert "需求排序" in text and f"{shares['estimate'].iloc[0]:.1f}%" in text
    assert "没有上一轮数据" in text


def test_report_without_design_information_uses_equal_weights(demo_inputs):
    """No strata or frame given: equal weights, SRS variance, and the report says so."""
    inputs = dataclasses.replace(demo_inputs, design={}, strata=(), stratum_column=None, previous=None,
                                 rating_by=None, frame_description=None, design_description=None)
    text = _text(build_yearly_report(inputs).html)
    assert "all responses weigh the same" in text and "No stratum figures were given" in text
