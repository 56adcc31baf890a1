"""Charts for dashboards and reports: matplotlib (Agg) drawn to SVG text, optionally PNG.

Every function returns a :class:`Chart` holding the picture AND the table it was drawn from,
so a page can show the numbers beside the picture (nobody should have to read values off
bars).  Titles are bilingual; Chinese is drawn with a Noto CJK font found by
:func:`~survey_engine.reports.fonts.cjk_font` (a missing font is an error, never tofu).
The SVG is deterministic: fixed ``svg.hashsalt``, no date, and text drawn as paths, so it
looks the same in every browser and PDF renderer and tests can compare it.
"""

from __future__ import annotations

import io
import re
import textwrap
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on servers; only the Agg/SVG canvases are used

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from survey_engine.reports.codes import ReportError, ReportErrorCode  # noqa: E402
from survey_engine.reports.fonts import cjk_font  # noqa: E402

__all__ = ["Bilingual", "Chart", "index_bars", "ipa_scatter", "trend_lines", "ranking_bars", "rating_shares",
           "RATING_LEVELS"]

#: (Chinese, English) text.
Bilingual = tuple[str, str]

#: The five 好差评 levels (GB/T 39734-2020), best first.
RATING_LEVELS: dict[int, Bilingual] = {
    5: ("非常满意", "Very satisfied"), 4: ("满意", "Satisfied"), 3: ("基本满意", "Basically satisfied"),
    2: ("不满意", "Dissatisfied"), 1: ("非常不满意", "Very dissatisfied"),
}
_RATING_COLOURS = {5: "#1a9850", 4: "#91cf60", 3: "#fee08b", 2: "#fc8d59", 1: "#d73027"}
_SERIES_COLOURS = ("#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#319795", "#718096", "#b7791f")
_BAND = 80.0


@dataclass(frozen=True, slots=True)
class Chart:
    """A drawn chart: SVG text (inline-ready: no XML prolog), optional PNG bytes, and its table."""

    kind: str
    title: Bilingual
    svg: str
    table: pd.DataFrame
    png: bytes | None = None


def _rc() -> dict[str, Any]:
    font = cjk_font()
    return {"svg.hashsalt": "survey-engine", "svg.fonttype": "path", "font.family": [font.family, "DejaVu Sans"],
            "axes.unicode_minus": False, "font.size": 9, "axes.titlesize": 10, "figure.dpi": 100}


def _label(code: Any, labels: Mapping[Any, Bilingual] | None) -> str:
    if labels and code in labels:
        zh, en = labels[code]
        return f"{zh}\n{en}" if zh != en else zh
    return str(code)


def _tick(code: Any, labels: Mapping[Any, Bilingual] | None, width: int = 7) -> str:
    """A category label wrapped to fit under a bar: Chinese every ``width`` characters, English by words."""
    if not labels or code not in labels:
        return str(code)
    zh, en = labels[code]
    lines = [zh[i:i + width] for i in range(0, len(zh), width)]
    if en != zh:
        lines += textwrap.wrap(en, width * 2 + 2)
    return "\n".join(lines)


def _title(title: Bilingual) -> str:
    return f"{title[0]}\n{title[1]}"


_PROLOG = re.compile(r"^<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", re.S)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)


def _finish(fig: Figure, kind: str, title: Bilingual, table: pd.DataFrame, png: bool) -> Chart:
    with matplotlib.rc_context(_rc()), warnings.catch_warnings():
        # very long labels leave tight_layout no room and it warns; bbox_inches="tight" below
        # still fits the drawing, so the warning says nothing a reader of the chart would miss
        warnings.filterwarnings("ignore", message="Tight layout not applied", category=UserWarning)
        fig.tight_layout()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
        svg = _METADATA.sub("", _PROLOG.sub("", buffer.getvalue()))
        image = None
        if png:
            raw = io.BytesIO()
            fig.savefig(raw, format="png", dpi=150, metadata={"Software": None}, bbox_inches="tight")
            image = raw.getvalue()
    return Chart(kind, title, svg, table, image)


def _figure(width: float, height: float) -> Figure:
    with matplotlib.rc_context(_rc()):
        return Figure(figsize=(width, height))


def _need(table: pd.DataFrame, columns: Sequence[str], where: str) -> None:
    if table is None or len(table) == 0:
        raise ReportError(f"{where}: the table is empty; nothing to draw", ReportErrorCode.EMPTY_TABLE)
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ReportError(f"{where}: column(s) {', '.join(missing)} missing; the table has "
                          f"{', '.join(map(str, table.columns))}", ReportErrorCode.MISSING_COLUMN)


def index_bars(table: pd.DataFrame, *, title: Bilingual = ("满意度指数", "Satisfaction indices"),
               labels: Mapping[Any, Bilingual] | None = None, domain_labels: Mapping[Any, Bilingual] | None = None,
               png: bool = False) -> Chart:
    """Bars of indices (0–100) with CI error bars and the 80-point band line.

    ``table`` is ``IndexTable.table``: indexed by index name, or by (domain, index name) for
    domains, which are drawn as grouped bars (one colour per domain).
    """
    flat = table.reset_index()
    name = table.index.names[-1] or "index"
    domain = table.index.names[0] if table.index.nlevels > 1 else None
    flat = flat.rename(columns={name: "index"})
    _need(flat, ["index", "estimate", "ci_low", "ci_high"], "index_bars")
    categories = list(dict.fromkeys(flat["index"]))
    groups = list(dict.fromkeys(flat[domain])) if domain else [None]
    width = 0.8 / len(groups)
    with matplotlib.rc_context(_rc()):
        fig = _figure(max(6.5, 0.85 * len(categories) * max(1, len(groups) / 2)), 4.6)
        ax = fig.add_subplot()
        bar = 0
        for g, group in enumerate(groups):
            rows = flat if group is None else flat[flat[domain] == group]
            x = np.array([categories.index(i) for i in rows["index"]]) + (g - (len(groups) - 1) / 2) * width
            y = rows["estimate"].to_numpy(dtype=float)
            err = np.vstack([y - rows["ci_low"].to_numpy(dtype=float), rows["ci_high"].to_numpy(dtype=float) - y])
            shown = _label(group, domain_labels).replace("\n", " ") if group is not None else None
            bars = ax.bar(x, y, width * 0.95, yerr=err, capsize=3, color=_SERIES_COLOURS[g % len(_SERIES_COLOURS)],
                          label=shown, error_kw={"elinewidth": 1, "ecolor": "#333333"})
            for patch in bars.patches:
                patch.set_gid(f"bar-{bar}")
                bar += 1
            for xi, yi in zip(x, y):  # inside the bar's foot, clear of the error bar
                ax.annotate(f"{yi:.1f}", (xi, 0), textcoords="offset points", xytext=(0, 3), ha="center",
                            va="bottom", fontsize=7, color="white")
        ax.axhline(_BAND, color="#c53030", linestyle="--", linewidth=0.8)
        ax.set_xticks(range(len(categories)), [_tick(c, labels) for c in categories], fontsize=7)
        ax.set_ylim(0, 105)
        ax.set_ylabel("指数 Index (0–100)")
        ax.set_title(_title(title))
        if domain:
            ax.legend(fontsize=7, loc="lower right")
    out = flat.assign(label=[_label(c, labels).replace("\n", " / ") for c in flat["index"]])
    keep = ([domain] if domain else []) + ["index", "label", "estimate", "ci_low", "ci_high"] + \
        [c for c in ("se", "n") if c in out.columns]
    return _finish(fig, "index_bars", title, out[keep].reset_index(drop=True), png)


def ipa_scatter(table: pd.DataFrame, importance_cut: float, performance_cut: float, *,
                title: Bilingual = ("重要性–表现分析", "Importance–performance analysis"),
                labels: Mapping[Any, Bilingual] | None = None, png: bool = False) -> Chart:
    """One point per attribute (importance across, performance up) with the two quadrant cut lines."""
    _need(table, ["importance", "performance"], "ipa_scatter")
    with matplotlib.rc_context(_rc()):
        fig = _figure(6.5, 5.0)
        ax = fig.add_subplot()
        for i, (attribute, row) in enumerate(table.iterrows()):
            marker = "o" if bool(row.get("certain", True)) else "D"
            points = ax.scatter([row["importance"]], [row["performance"]], s=36, marker=marker,
                                color=_SERIES_COLOURS[0], zorder=3)
            points.set_gid(f"point-{i}")
            ax.annotate(_label(attribute, labels).replace("\n", " "), (row["importance"], row["performance"]),
                        textcoords="offset points", xytext=(4, 4), fontsize=7)
        ax.margins(0.18)  # room for the point labels
        ax.axvline(importance_cut, color="#718096", linestyle="--", linewidth=0.8)
        ax.axhline(performance_cut, color="#718096", linestyle="--", linewidth=0.8)
        quadrants = (("继续保持 Keep up", 0.98, 0.98, "right", "top"), ("重点改进 Concentrate", 0.98, 0.02, "right",
                     "bottom"), ("次要改进 Low priority", 0.02, 0.02, "left", "bottom"),
                     ("可能过度 Overkill", 0.02, 0.98, "left", "top"))
        for text, x, y, ha, va in quadrants:
            ax.text(x, y, text, transform=ax.transAxes, ha=ha, va=va, fontsize=7, color="#4a5568")
        ax.set_xlabel("重要性 Importance")
        ax.set_ylabel("表现 Performance (0–100)")
        ax.set_title(_title(title))
    out = table.reset_index()
    out.insert(1, "label", [_label(a, labels).replace("\n", " / ") for a in table.index])
    return _finish(fig, "ipa_scatter", title, out, png)


def trend_lines(table: pd.DataFrame, *, title: Bilingual = ("指数趋势", "Trend across waves"),
                labels: Mapping[Any, Bilingual] | None = None, png: bool = False) -> Chart:
    """Lines across waves (columns wave, series, estimate, ci_low, ci_high; optional bool ``alert``).

    Waves keep the order they first appear in; alerted points get a red ring.
    """
    _need(table, ["wave", "series", "estimate", "ci_low", "ci_high"], "trend_lines")
    waves = list(dict.fromkeys(table["wave"]))
    with matplotlib.rc_context(_rc()):
        fig = _figure(8.0, 4.2)
        ax = fig.add_subplot()
        point = alert = 0
        for s, (series, rows) in enumerate(table.groupby("series", sort=False)):
            x = np.array([waves.index(w) for w in rows["wave"]], dtype=float)
            y = rows["estimate"].to_numpy(dtype=float)
            colour = _SERIES_COLOURS[s % len(_SERIES_COLOURS)]
            ax.plot(x, y, color=colour, linewidth=1.2, label=_label(series, labels).replace("\n", " "))
            ax.fill_between(x, rows["ci_low"].to_numpy(dtype=float), rows["ci_high"].to_numpy(dtype=float),
                            color=colour, alpha=0.12, linewidth=0)
            for xi, yi in zip(x, y):
                ax.scatter([xi], [yi], s=16, color=colour, zorder=3).set_gid(f"point-{point}")
                point += 1
            flagged = rows["alert"].to_numpy(dtype=bool) if "alert" in rows else np.zeros(len(rows), bool)
            for xi, yi in zip(x[flagged], y[flagged]):
                ax.scatter([xi], [yi], s=110, facecolors="none", edgecolors="#c53030", linewidths=1.6,
                           zorder=4).set_gid(f"alert-{alert}")
                alert += 1
        ax.set_xticks(range(len(waves)), [str(w) for w in waves])
        ax.set_xlim(-0.3, len(waves) - 0.7)
        ax.set_ylabel("指数 Index (0–100)")
        ax.set_title(_title(title))
        ax.legend(fontsize=6.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    out = table.reset_index(drop=True).copy()
    if "alert" not in out:
        out["alert"] = False
    return _finish(fig, "trend_lines", title, out, png)


def ranking_bars(table: pd.DataFrame, *, title: Bilingual = ("需求排序", "Demand ranking"),
                 labels: Mapping[Any, Bilingual] | None = None, unit: str = "%", png: bool = False) -> Chart:
    """Horizontal bars, largest on top (``demand_shares``: index service, estimate, ci_low, ci_high)."""
    _need(table, ["estimate"], "ranking_bars")
    ranked = table.sort_values("estimate", ascending=False)
    with matplotlib.rc_context(_rc()):
        fig = _figure(6.5, max(2.5, 0.42 * len(ranked) + 1.2))
        ax = fig.add_subplot()
        y = np.arange(len(ranked))[::-1]
        est = ranked["estimate"].to_numpy(dtype=float)
        err = None
        if {"ci_low", "ci_high"} <= set(ranked.columns):
            low, high = ranked["ci_low"].to_numpy(dtype=float), ranked["ci_high"].to_numpy(dtype=float)
            err = np.vstack([est - low, high - est])
        bars = ax.barh(y, est, 0.7, xerr=err, capsize=2, color=_SERIES_COLOURS[0],
                       error_kw={"elinewidth": 0.8, "ecolor": "#333333"})
        for i, patch in enumerate(bars.patches):
            patch.set_gid(f"bar-{i}")
        for yi, value in zip(y, est):
            ax.annotate(f"{value:.1f}{unit}", (value, yi), textcoords="offset points", xytext=(3, -3), fontsize=7)
        ax.set_yticks(y, [_label(c, labels).replace("\n", " ") for c in ranked.index])
        ax.set_xlabel(f"比例 Share ({unit})")
        ax.set_title(_title(title))
    out = ranked.reset_index()
    out.insert(1, "label", [_label(c, labels).replace("\n", " / ") for c in ranked.index])
    return _finish(fig, "ranking_bars", title, out, png)


def rating_shares(counts: pd.DataFrame, *, title: Bilingual = ("好差评五级评价构成", "Five-level rating shares"),
                  labels: Mapping[Any, Bilingual] | None = None, png: bool = False) -> Chart:
    """Stacked horizontal bars of the share (%) of each 好差评 level per domain (``RatingSummary.counts``)."""
    if counts is None or len(counts) == 0:
        raise ReportError("rating_shares: the table is empty; nothing to draw", ReportErrorCode.EMPTY_TABLE)
    levels = [5, 4, 3, 2, 1]
    counts = counts.reindex(columns=levels, fill_value=0)
    n = counts.sum(axis=1)
    shares = counts.div(n.where(n > 0, 1), axis=0) * 100
    domains = [" / ".join(map(str, d)) if isinstance(d, tuple) else d for d in counts.index]
    with matplotlib.rc_context(_rc()):
        fig = _figure(7.0, max(2.4, 0.45 * len(domains) + 1.6))
        ax = fig.add_subplot()
        y = np.arange(len(domains))[::-1]
        left = np.zeros(len(domains))
        for level in levels:
            values = shares[level].to_numpy(dtype=float)
            bars = ax.barh(y, values, 0.65, left=left, color=_RATING_COLOURS[level],
                           label=f"{level} {RATING_LEVELS[level][0]} {RATING_LEVELS[level][1]}")
            for row, patch in enumerate(bars.patches):
                patch.set_gid(f"segment-{row}-{level}")
            left += values
        ax.set_yticks(y, [_label(d, labels).replace("\n", " ") for d in domains])
        ax.set_xlim(0, 100)
        ax.set_xlabel("占比 Share (%)")
        ax.set_title(_title(title))
        ax.legend(fontsize=6.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    out = shares.round(1)
    out.columns = [f"{level} {RATING_LEVELS[level][0]} (%)" for level in levels]
    out.insert(0, "n", n.to_numpy())
    out.insert(0, "label", [_label(d, labels).replace("\n", " / ") for d in domains])
    return _finish(fig, "rating_shares", title, out.reset_index(), png)
