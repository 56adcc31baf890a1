"""Bilingual names for what the report shows: dimensions, domains' values, and fixed report words.

Everything comes from the questionnaire (dimension and choice labels) or the inputs' own
``labels`` (site names), so the report speaks the survey's language, not column names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from survey_engine.reports.charts import Bilingual

__all__ = ["index_labels", "value_labels", "question_label", "METHOD_TEXT", "DOMAIN_NAMES"]


def _pair(text: Any, fallback: str) -> Bilingual:
    if text is None:
        return fallback, fallback
    return text.get("zh") or fallback, text.get("en") or fallback


def index_labels(questionnaire: Any) -> dict[str, Bilingual]:
    """Dimension and composite ids → (zh, en) labels from the scoring block."""
    scoring = questionnaire.scoring
    if scoring is None:
        return {}
    labels = {d.id: _pair(d.label, d.id) for d in scoring.dimensions}
    if scoring.composite:
        labels[scoring.composite.id] = _pair(scoring.composite.label, scoring.composite.id)
    return labels


def value_labels(questionnaire: Any, variable: str,
                 extra: Mapping[str, Bilingual] | None = None) -> dict[Any, Bilingual]:
    """Codes of a categorical variable → labels (choices of its question; ``extra`` wins)."""
    labels: dict[Any, Bilingual] = {}
    try:
        question = questionnaire.question(variable)
    except KeyError:
        question = None
    if question is not None and question.choices is not None:
        labels = {c.code: _pair(c.label, c.code) for c in question.choices.choices}
    elif variable == questionnaire.respondent_type_question or variable == "respondent_type":
        labels = {c.code: _pair(c.label, c.code) for c in questionnaire.respondent_types}
    return {**labels, **(extra or {})}


#: Short names of the usual domain variables (question labels are whole questions).
DOMAIN_NAMES: dict[str, Bilingual] = {
    "respondent_type": ("受访者类型", "respondent type"), "stratum": ("服务点", "site"), "site": ("服务点", "site"),
    "mode": ("调查方式", "survey mode"), "region_district": ("所在区", "district"), "ent_size": ("企业规模", "enterprise size"),
}


def question_label(questionnaire: Any, variable: str) -> Bilingual:
    """A short name for a domain variable, else its question's label."""
    if variable in DOMAIN_NAMES:
        return DOMAIN_NAMES[variable]
    try:
        return _pair(questionnaire.question(variable).label, variable)
    except KeyError:
        return variable, variable


#: Fixed wording of the methodology section, by key.
METHOD_TEXT: dict[str, Bilingual] = {
    "taylor": ("方差采用泰勒线性化方法估计（考虑分层、整群与有限总体校正），置信区间按设计自由度的 t 分布计算。",
               "Variances are estimated by Taylor linearisation (accounting for strata, clusters and the finite "
               "population correction); confidence intervals use the t distribution on the design degrees of "
               "freedom."),
    "replicate": ("方差采用重复权数法估计（{kind}），置信区间按设计自由度的 t 分布计算。",
                  "Variances are estimated from replicate weights ({kind}); confidence intervals use the t "
                  "distribution on the design degrees of freedom."),
    "weights": ("基础权数 = 层内总体规模 ÷ 层内完成样本量（N_h / n_h），即各服务点的受访者代表该点全年的办事人次。",
                "Base weight = stratum population size ÷ completed interviews in the stratum (N_h / n_h): each "
                "respondent stands for the site's visits in the year."),
    "equal": ("未提供抽样设计信息，所有样本等权处理（方差按简单随机抽样估计）。",
              "No sampling design information was given: all responses weigh the same (variances as under simple "
              "random sampling)."),
    "scores": ("题目得分 = (x − 1) / (k − 1) × 100（k 点量表），维度得分为已答题目的加权平均，综合指数为各维度按问卷规定权重的加权平均。",
               "Item score = (x − 1) / (k − 1) × 100 for a k-point scale; a dimension score is the weighted mean of "
               "its answered items; the composite index is the weighted mean of the dimensions with the "
               "questionnaire's weights."),
}
