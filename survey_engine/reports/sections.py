"""The report's sections as template context: each section's tables and charts from ``ReportResults``.

One function per section; each returns plain data (``Table``, ``Chart``, text) and the
template decides only layout.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pandas as pd

from survey_engine.instruments.outline import outline
from survey_engine.reports import charts
from survey_engine.reports.labels import METHOD_TEXT, index_labels, question_label, value_labels
from survey_engine.reports.results import ReportResults
from survey_engine.reports.tables import Table, decimal, index_value, interval, number, plain, rate_value, table_of

__all__ = ["methodology", "results_sections", "appendix", "summary"]

_CI = ("95% 置信区间", "95% CI")


def _ci(row: pd.Series) -> str:
    return interval(row["ci_low"], row["ci_high"])


def _label_cell(labels: dict[Any, tuple[str, str]], column: str):
    return lambda row: " / ".join(labels.get(row[column], (str(row[column]), str(row[column]))))


def summary(r: ReportResults) -> dict[str, Any]:
    """Key figures for the cover: composite index, sample size, 满意率 / 差评率, number of warnings."""
    spec = r.spec
    table = r.indices.table
    main = spec.composite or spec.dimensions[0].id
    row = table.loc[main]
    out = {"index_label": index_labels(r.inputs.questionnaire).get(main, (main, main)),
           "index": index_value(row["estimate"]),
           "index_ci": interval(row["ci_low"], row["ci_high"]), "n": number(r.n), "alerts": len(r.alerts)}
    if r.ratings is not None:
        rates = r.ratings.rates.iloc[0]
        out["satisfaction_rate"] = rate_value(rates[("satisfaction_rate", "estimate")])
        out["bad_rating_rate"] = rate_value(rates[("bad_rating_rate", "estimate")])
    return out


def methodology(r: ReportResults) -> dict[str, Any]:
    """Frame, design, allocation/achieved/response rates, weighting and variance method."""
    inputs = r.inputs
    sample = None
    if len(r.sample):
        sample = table_of(r.sample, [
            ("stratum", ("层（服务点）", "Stratum (site)"), plain),
            ("frame_size", ("总体规模 N", "Frame size N"), number),
            ("allocated", ("分配样本量", "Allocated"), number),
            ("issued", ("发放/接触", "Issued"), number),
            ("achieved", ("完成样本", "Achieved"), number),
            ("response_rate", ("应答率", "Response rate"), rate_value),
            ("weight_sum", ("权数合计", "Sum of weights"), number),
        ], ("抽样框、样本分配与完成情况", "Frame, allocation and achieved sample"),
            note=("应答率 = 完成样本 ÷ 发放（接触）数。", "Response rate = achieved ÷ issued."),
            computed={"stratum": lambda row: f"{row['label_zh']} / {row['label_en']}"})
    w = r.weights
    weights = Table(("权数概况", "Weight summary"),
                    (("样本量", "n"), ("最小", "Min"), ("最大", "Max"), ("均值", "Mean"), ("变异系数", "CV"),
                     ("有效样本量 (Kish)", "Effective n (Kish)"), ("权数设计效应", "Weighting deff")),
                    ((number(w.n), f"{w.min:.2f}", f"{w.max:.2f}", f"{w.mean:.2f}", f"{w.cv:.3f}", number(w.kish_ess),
                      f"{w.deff_weighting:.3f}"),), numeric=(True,) * 7)
    design = dict(inputs.design)
    replicate = design.get("replicate") or design.get("replicate_weights")
    if replicate:
        kind = replicate if isinstance(replicate, str) else replicate.get("type", "replicate")
        variance = tuple(t.format(kind=kind) for t in METHOD_TEXT["replicate"])
    else:
        variance = METHOD_TEXT["taylor"]
    weighting_text = METHOD_TEXT["weights"] if design.get("strata") else METHOD_TEXT["equal"]
    return {
        "frame": inputs.frame_description, "design_description": inputs.design_description,
        "design_file": ", ".join(f"{k} = {v}" for k, v in design.items()), "sample": sample, "weights": weights,
        "weighting_text": weighting_text, "weighting_steps": r.weighting_steps, "variance": variance,
        "scores": METHOD_TEXT["scores"], "level": f"{inputs.level:.0%}", "period": inputs.period,
        "questionnaire": inputs.questionnaire.version_id,
    }


def _index_table(frame: pd.DataFrame, labels: dict[str, tuple[str, str]], caption: tuple[str, str]) -> Table:
    flat = frame.reset_index()
    return table_of(flat, [
        ("index", ("指数", "Index"), plain), ("estimate", ("估计值", "Estimate"), index_value),
        ("se", ("标准误", "SE"), decimal(2)), ("ci", _CI, plain), ("deff", ("设计效应", "Deff"), decimal(2)),
        ("n", ("样本量", "n"), number)], caption,
        computed={"index": _label_cell(labels, "index"), "ci": _ci})


def _domain_section(r: ReportResults, by: str, labels: dict[str, tuple[str, str]]) -> dict[str, Any]:
    q = r.inputs.questionnaire
    names = value_labels(q, by, r.inputs.labels)
    table = r.domain_indices[by].table
    main = r.spec.composite or r.spec.dimensions[0].id
    composite = table.xs(main, level=-1).rename_axis("index")  # one bar per domain value
    name = question_label(q, by)
    chart = charts.index_bars(composite, labels=names,
                              title=(f"{labels.get(main, (main, main))[0]}：按{name[0]}",
                                     f"{labels.get(main, (main, main))[1]} by {name[1]}"))
    wide = table["estimate"].unstack(level=-1)
    wide = wide[[c for c in labels if c in wide.columns]]
    counts = table["n"].unstack(level=-1).max(axis=1)
    rows = tuple((" / ".join(names.get(d, (str(d), str(d)))), number(counts[d]),
                  *(index_value(v) for v in wide.loc[d])) for d in wide.index)
    grid = Table((f"各{name[0]}的指数", f"Indices by {name[1]}"),
                 (name, ("样本量", "n"), *(labels[c] for c in wide.columns)), rows,
                 note=("各分组的置信区间见下方图表数据。", "Confidence intervals: see the chart data below."),
                 numeric=(False, *([True] * (len(wide.columns) + 1))))
    return {"by": by, "title": name, "chart": chart,
            "chart_table": _index_table(composite, names, ("图表数据", "Chart data")),
            "grid": grid}


def _ratings(r: ReportResults) -> dict[str, Any] | None:
    if r.ratings is None:
        return None
    rates = r.ratings.rates
    overall = rates.iloc[0]
    rows = [("满意率（3–5级） Satisfaction rate (levels 3–5)", rate_value(overall[("satisfaction_rate", "estimate")]),
             interval(overall[("satisfaction_rate", "ci_low")], overall[("satisfaction_rate", "ci_high")], True),
             number(overall[("satisfaction_rate", "n")])),
            ("差评率（1–2级） Bad-rating rate (levels 1–2)", rate_value(overall[("bad_rating_rate", "estimate")]),
             interval(overall[("bad_rating_rate", "ci_low")], overall[("bad_rating_rate", "ci_high")], True),
             number(overall[("bad_rating_rate", "n")]))]
    item = r.inputs.rating_item
    rates_table = Table((f"好差评：{question_label(r.inputs.questionnaire, item)[0]}",
                         f"Good/bad ratings: {question_label(r.inputs.questionnaire, item)[1]}"),
                        (("指标", "Rate"), ("估计值", "Estimate"), _CI, ("样本量", "n")), tuple(rows),
                        numeric=(False, True, True, True))
    counts = r.rating_domains.counts if r.rating_domains is not None else r.ratings.counts
    names = dict(r.inputs.labels)
    chart = charts.rating_shares(counts, labels=names)
    by_domain = None
    if r.rating_domains is not None:
        d = r.rating_domains.rates
        body = tuple((" / ".join(names.get(k, (str(k), str(k)))), rate_value(row[("satisfaction_rate", "estimate")]),
                      rate_value(row[("bad_rating_rate", "estimate")]),
                      interval(row[("bad_rating_rate", "ci_low")], row[("bad_rating_rate", "ci_high")], True),
                      number(row[("satisfaction_rate", "n")])) for k, row in d.iterrows())
        by_domain = Table(("各服务点满意率与差评率", "Satisfaction and bad-rating rates by site"),
                          (("服务点", "Site"), ("满意率", "Satisfaction rate"), ("差评率", "Bad-rating rate"),
                           ("差评率 95% 置信区间", "Bad-rating rate 95% CI"), ("样本量", "n")), body,
                          numeric=(False, True, True, True, True))
    return {"rates": rates_table, "chart": chart, "by_domain": by_domain}


def _ipa(r: ReportResults, labels: dict[str, tuple[str, str]]) -> dict[str, Any] | None:
    if r.ipa is None:
        return None
    chart = charts.ipa_scatter(r.ipa.table, r.ipa.importance_cut, r.ipa.performance_cut, labels=labels)
    quadrant = {"keep up the good work": "继续保持 Keep up the good work", "concentrate here": "重点改进 Concentrate here",
                "low priority": "次要改进 Low priority", "possible overkill": "可能过度 Possible overkill"}
    table = table_of(r.ipa.table.reset_index(), [
        ("attribute", ("维度", "Dimension"), plain), ("importance", ("重要性", "Importance"), index_value),
        ("performance", ("表现", "Performance"), index_value),
        ("performance_ci", ("表现 95% 置信区间", "Performance 95% CI"), plain),
        ("quadrant", ("象限", "Quadrant"), plain), ("certain", ("位置确定", "Placement certain"), plain)],
        ("重要性–表现分析", "Importance–performance analysis"),
        note=(f"分界线：重要性 {r.ipa.importance_cut:.1f}，表现 {r.ipa.performance_cut:.1f}（均值）；置信区间跨越分界线的维度位置不确定。",
              f"Cuts: importance {r.ipa.importance_cut:.1f}, performance {r.ipa.performance_cut:.1f} (means); a "
              "placement is uncertain when a confidence interval crosses a cut."),
        computed={"attribute": _label_cell(labels, "attribute"),
                  "performance_ci": lambda row: interval(row["performance_low"], row["performance_high"]),
                  "quadrant": lambda row: quadrant.get(row["quadrant"], row["quadrant"]),
                  "certain": lambda row: "是 yes" if row["certain"] else "否 no"})
    return {"chart": chart, "table": table, "method": r.ipa.method.value}


def _reliability(r: ReportResults, labels: dict[str, tuple[str, str]]) -> Table:
    return table_of(r.reliability.reset_index(), [
        ("dimension", ("维度", "Dimension"), plain), ("items", ("题数", "Items"), number), ("n", ("样本量", "n"), number),
        ("alpha", ("Cronbach's α", "Cronbach's alpha"), decimal(3)),
        ("std_alpha", ("标准化 α", "Standardised alpha"), decimal(3)),
        ("ci", ("α 95% 置信区间 (Feldt)", "Alpha 95% CI (Feldt)"), plain),
        ("omega_total", ("McDonald's ω", "Omega total"), decimal(3))],
        ("信度分析", "Reliability"), note=("α ≥ 0.7 通常视为内部一致性良好。", "Alpha of 0.7 or more is usually taken as "
                                           "good internal consistency."),
        computed={"dimension": _label_cell(labels, "dimension"),
                  "ci": lambda row: "–" if pd.isna(row["ci_low"]) else f"{row['ci_low']:.3f}–{row['ci_high']:.3f}"})


def _demand(r: ReportResults) -> dict[str, Any] | None:
    if r.demand is None:
        return None
    q = r.inputs.questionnaire
    names = value_labels(q, r.inputs.demand_question)
    chart = charts.ranking_bars(r.demand, labels=names)
    table = table_of(r.demand.reset_index(), [
        ("rank", ("排序", "Rank"), number), ("service", ("服务", "Service"), plain),
        ("estimate", ("需要的比例", "Share needing"), rate_value), ("ci", _CI, plain)],
        ("知识产权公共服务需求排序", "Ranking of IP service needs"),
        computed={"service": _label_cell(names, "service"),
                  "ci": lambda row: interval(row["ci_low"], row["ci_high"], True)})
    unmet = None
    if r.unmet is not None and len(r.unmet):
        unmet = table_of(r.unmet.reset_index(), [
            ("service", ("服务", "Service"), plain), ("estimate", ("未满足率", "Unmet-need rate"), rate_value),
            ("ci", _CI, plain), ("n_needing", ("需要该服务的样本量", "n needing it"), number)],
            ("需求未满足率", "Unmet-need rates among those needing each service"),
            computed={"service": _label_cell(names, "service"),
                      "ci": lambda row: interval(row["ci_low"], row["ci_high"], True)})
    return {"chart": chart, "table": table, "unmet": unmet}


def _comparison(r: ReportResults, labels: dict[str, tuple[str, str]]) -> dict[str, Any] | None:
    if r.comparison is None or r.previous_indices is None:
        return None
    previous, current = r.inputs.previous.name, r.inputs.campaign
    dropped = {a.subject for a in r.alerts if a.rule == "significant_drop"}
    long = []
    for wave, table in ((previous, r.previous_indices.table), (current, r.indices.table)):
        for name, row in table.iterrows():
            long.append({"wave": wave, "series": name, "estimate": row["estimate"], "ci_low": row["ci_low"],
                         "ci_high": row["ci_high"], "alert": wave == current and name in dropped})
    chart = charts.trend_lines(pd.DataFrame(long), labels=labels,
                               title=("与上一轮测评比较", "Comparison with the previous wave"))
    table = table_of(r.comparison.reset_index(), [
        ("index", ("指数", "Index"), plain), ("estimate_before", ("上一轮", "Previous"), index_value),
        ("estimate_after", ("本轮", "Current"), index_value), ("difference", ("变化", "Change"), decimal(1)),
        ("ci", ("变化的 95% 置信区间", "95% CI of the change"), plain), ("p_value", ("p 值", "p-value"), decimal(3))],
        (f"{previous} → {current}", "Change in each index (independent samples)"),
        note=("两轮为独立样本：差值方差 = 两轮方差之和。", "The waves are independent samples: the variance of the change "
              "is the sum of the two variances."),
        computed={"index": _label_cell(labels, "index"),
                  "ci": lambda row: f"{row['ci_low']:.1f} to {row['ci_high']:.1f}"})
    return {"chart": chart, "table": table, "previous": previous}


def _alerts(r: ReportResults) -> Table:
    rows = tuple((a.rule, a.message_zh, a.message_en) for a in r.alerts)
    return Table(("预警", "Early warnings"), (("规则", "Rule"), ("说明", "Finding (zh)"), ("Finding", "Finding (en)")),
                 rows, note=(f"规则：指数低于 {r.inputs.index_threshold:g}；较上一轮显著下降超过 {r.inputs.drop_points:g} 分；"
                             f"服务点差评率超过 {r.inputs.bad_rating_share:g}%。",
                             f"Rules: index below {r.inputs.index_threshold:g}; significant drop of more than "
                             f"{r.inputs.drop_points:g} points from the previous wave; a site's bad-rating rate above "
                             f"{r.inputs.bad_rating_share:g}%."), numeric=(False, False, False))


def results_sections(r: ReportResults) -> dict[str, Any]:
    labels = index_labels(r.inputs.questionnaire)
    overall = charts.index_bars(r.indices.table, labels=labels,
                                title=("总体满意度指数与各维度指数", "Overall and dimension indices"))
    return {
        "indices_chart": overall,
        "indices": _index_table(r.indices.table, labels, ("满意度指数", "Satisfaction indices")),
        "domains": [_domain_section(r, by, labels) for by in r.domain_indices],
        "ratings": _ratings(r), "ipa": _ipa(r, labels), "reliability": _reliability(r, labels),
        "demand": _demand(r), "comparison": _comparison(r, labels), "alerts": _alerts(r),
        "alert_list": [asdict(a) for a in r.alerts],
    }


def appendix(r: ReportResults) -> dict[str, str]:
    """The questionnaire as text, in both languages (``instruments.outline``)."""
    q = r.inputs.questionnaire
    return {lang: outline(q, lang) for lang in ("zh", "en") if lang in q.languages}
