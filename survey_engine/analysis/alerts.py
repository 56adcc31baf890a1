"""Early warning (预警): configurable rules over the current wave, each alert with its evidence.

Rules are plain frozen dataclasses; ``evaluate_rules`` runs them and returns one ``Alert`` per
finding with the numbers behind it (estimates, CIs, p-value, n) and a bilingual message, so a
manager can see why it fired and a statistician can check it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from survey_engine.analysis.indices import estimate_indices, scored_design
from survey_engine.analysis.ratings import rating_summary
from survey_engine.analysis.scores import ScoreSpec, dimension_column
from survey_engine.analysis.waves import compare_waves

__all__ = ["Alert", "IndexBelow", "SignificantDrop", "BadRatingShareAbove", "RateRising", "evaluate_rules"]


@dataclass(frozen=True, slots=True)
class Alert:
    rule: str
    subject: str
    message_zh: str
    message_en: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IndexBelow:
    """An index (or any dimension) whose estimate is under ``threshold`` points."""

    threshold: float = 80.0
    indices: tuple[str, ...] | None = None
    by: str | None = None


@dataclass(frozen=True, slots=True)
class SignificantDrop:
    """An index lower than in the previous wave by more than ``points`` with p < ``alpha``."""

    points: float = 3.0
    alpha: float = 0.05
    indices: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class BadRatingShareAbove:
    """A domain (site, service, month…) whose 差评率 exceeds ``share`` percent."""

    item: str
    share: float = 5.0
    by: tuple[str, ...] = ("site",)
    default_flag: str | None = None
    min_n: int = 10


@dataclass(frozen=True, slots=True)
class RateRising:
    """A 0/1 indicator (e.g. an unmet need) significantly higher than in the previous wave."""

    variables: tuple[str, ...]
    alpha: float = 0.05


def _chosen(spec: ScoreSpec, names: Sequence[str] | None) -> list[str]:
    every = [d.id for d in spec.dimensions] + ([spec.composite] if spec.composite else [])
    return [n for n in every if names is None or n in names]


def _index_below(rule: IndexBelow, current: Any, spec: ScoreSpec) -> list[Alert]:
    table = estimate_indices(current, spec, by=rule.by).table
    alerts = []
    for key, row in table.iterrows():
        name = key[-1] if isinstance(key, tuple) else key
        if name not in _chosen(spec, rule.indices) or not row["estimate"] < rule.threshold:
            continue
        where = f"{key[0]} " if isinstance(key, tuple) and len(key) > 1 else ""
        alerts.append(Alert("index_below", f"{where}{name}".strip(),
                            f"{where}{name} 指数 {row['estimate']:.1f} 低于 {rule.threshold:g}",
                            f"{where}{name} index {row['estimate']:.1f} is below {rule.threshold:g}",
                            {"estimate": row["estimate"], "ci": (row["ci_low"], row["ci_high"]), "n": int(row["n"]),
                             "threshold": rule.threshold}))
    return alerts


def _drop(rule: SignificantDrop, current: Any, previous: Any, spec: ScoreSpec) -> list[Alert]:
    names = _chosen(spec, rule.indices)
    columns = [dimension_column(n) for n in names]
    table = compare_waves(scored_design(previous, spec), scored_design(current, spec), columns).table
    alerts = []
    for name, (_, row) in zip(names, table.iterrows()):
        if row["difference"] < -rule.points and row["p_value"] < rule.alpha:
            alerts.append(Alert("significant_drop", name,
                                f"{name} 指数下降 {-row['difference']:.1f} 分（p = {row['p_value']:.3g}）",
                                f"{name} index fell by {-row['difference']:.1f} points (p = {row['p_value']:.3g})",
                                {"before": row["estimate_before"], "after": row["estimate_after"],
                                 "difference": row["difference"], "ci": (row["ci_low"], row["ci_high"]),
                                 "p_value": row["p_value"], "points": rule.points}))
    return alerts


def _bad_share(rule: BadRatingShareAbove, current: Any) -> list[Alert]:
    rates = rating_summary(current, rule.item, by=list(rule.by), default_flag=rule.default_flag).rates["bad_rating_rate"]
    alerts = []
    for key, row in rates.iterrows():
        if row["n"] >= rule.min_n and row["estimate"] > rule.share:
            label = " / ".join(map(str, key)) if isinstance(key, tuple) else str(key)
            alerts.append(Alert("bad_rating_share", label,
                                f"{label} 差评率 {row['estimate']:.1f}% 超过 {rule.share:g}%",
                                f"{label} bad-rating rate {row['estimate']:.1f}% exceeds {rule.share:g}%",
                                {"rate": row["estimate"], "ci": (row["ci_low"], row["ci_high"]), "n": int(row["n"]),
                                 "share": rule.share}))
    return alerts


def _rising(rule: RateRising, current: Any, previous: Any) -> list[Alert]:
    table = compare_waves(previous, current, list(rule.variables)).table
    alerts = []
    for name, (_, row) in zip(rule.variables, table.iterrows()):
        if row["difference"] > 0 and row["p_value"] < rule.alpha:
            alerts.append(Alert("rate_rising", name,
                                f"{name} 比例由 {row['estimate_before']:.1%} 升至 {row['estimate_after']:.1%}",
                                f"{name} rose from {row['estimate_before']:.1%} to {row['estimate_after']:.1%}",
                                {"before": row["estimate_before"], "after": row["estimate_after"],
                                 "p_value": row["p_value"], "ci": (row["ci_low"], row["ci_high"])}))
    return alerts


def evaluate_rules(rules: Sequence[Any], current: Any, spec: ScoreSpec | None = None,
                   previous: Any = None) -> list[Alert]:
    """Run every rule on the current wave; change rules also need the ``previous`` wave."""
    alerts: list[Alert] = []
    for rule in rules:
        handler = _HANDLERS.get(type(rule))
        if handler is None:
            raise TypeError(f"unknown warning rule {type(rule).__name__}; use one of "
                            f"{', '.join(t.__name__ for t in _HANDLERS)}")
        alerts += handler(rule, current, previous, spec)
    return alerts


_HANDLERS = {
    IndexBelow: lambda rule, current, previous, spec: _index_below(rule, current, spec),
    SignificantDrop: lambda rule, current, previous, spec: [] if previous is None else _drop(rule, current, previous, spec),
    BadRatingShareAbove: lambda rule, current, previous, spec: _bad_share(rule, current),
    RateRising: lambda rule, current, previous, spec: [] if previous is None else _rising(rule, current, previous),
}
