"""Charts: one SVG element per bar/point/segment, the table each was drawn from, deterministic output."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from matplotlib import font_manager

from survey_engine.reports import charts
from survey_engine.reports.codes import ReportError, ReportErrorCode
from survey_engine.reports.fonts import cjk_font


def _indices() -> pd.DataFrame:
    return pd.DataFrame({"estimate": [81.2, 75.4, 88.0], "ci_low": [79.0, 72.0, 85.0],
                         "ci_high": [83.0, 78.0, 91.0], "n": [100, 90, 100]},
                        index=pd.Index(["staff", "rights", "csi"], name="index"))


def _count(svg: str, prefix: str) -> int:
    return len(re.findall(rf'id="{prefix}-[0-9-]+"', svg))


def test_index_bars_draw_one_bar_per_index_and_return_their_table():
    """Three indices give three bars; the table carries the same estimates and CIs with bilingual labels."""
    chart = charts.index_bars(_indices(), labels={"staff": ("工作人员", "Staff")})
    assert _count(chart.svg, "bar") == 3
    assert chart.table["estimate"].tolist() == [81.2, 75.4, 88.0]
    assert chart.table["ci_high"].tolist() == [83.0, 78.0, 91.0]
    assert chart.table["label"].iloc[0] == "工作人员 / Staff"


def test_index_bars_by_domain_draw_grouped_bars():
    """(domain, index) rows: one bar per row, grouped by domain, the domain kept in the table."""
    table = pd.concat({"a": _indices(), "b": _indices() - 5}, names=["site"])
    chart = charts.index_bars(table)
    assert _count(chart.svg, "bar") == 6
    assert list(chart.table["site"]) == ["a"] * 3 + ["b"] * 3


def test_svg_is_deterministic_inline_ready_and_offline():
    """The same input gives byte-identical SVG with no XML prolog, date, or URL other than XML namespaces."""
    first, second = charts.index_bars(_indices()), charts.index_bars(_indices())
    assert first.svg == second.svg
    assert first.svg.startswith("<svg")
    assert "<dc:date>" not in first.svg and "<metadata>" not in first.svg
    urls = set(re.findall(r"https?://[^\"'\s<>]+", first.svg))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def test_png_option_returns_png_bytes():
    """png=True adds a PNG rendering of the same chart."""
    chart = charts.ranking_bars(pd.DataFrame({"estimate": [40.0, 60.0]}, index=["a", "b"]), png=True)
    assert chart.png is not None and chart.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert charts.ranking_bars(pd.DataFrame({"estimate": [40.0]}, index=["a"])).png is None


def test_ipa_scatter_draws_one_point_per_attribute():
    """Four attributes give four points; the table keeps importance, performance and the quadrant."""
    table = pd.DataFrame({"importance": [80, 70, 85, 60], "performance": [75, 82, 65, 70],
                          "quadrant": ["keep", "overkill", "concentrate", "low"], "certain": [True] * 4},
                         index=pd.Index(["a", "b", "c", "d"], name="attribute"))
    chart = charts.ipa_scatter(table, 73.75, 73.0)
    assert _count(chart.svg, "point") == 4
    assert chart.table["performance"].tolist() == [75, 82, 65, 70]
    assert list(chart.table["quadrant"]) == ["keep", "overkill", "concentrate", "low"]


def test_trend_lines_mark_alerts():
    """Two series over three waves: six points, and one ring for the one alerted point."""
    rows = [{"wave": w, "series": s, "estimate": 70 + i, "ci_low": 68 + i, "ci_high": 72 + i,
             "alert": (w == "2026" and s == "csi")}
            for s in ("csi", "staff") for i, w in enumerate(("2024", "2025", "2026"))]
    chart = charts.trend_lines(pd.DataFrame(rows))
    assert _count(chart.svg, "point") == 6
    assert _count(chart.svg, "alert") == 1
    assert int(chart.table["alert"].sum()) == 1


def test_ranking_bars_put_the_largest_share_first():
    """Demand shares are ranked from most to least needed, one bar each."""
    shares = pd.DataFrame({"estimate": [12.0, 55.5, 30.0], "ci_low": [8, 50, 25], "ci_high": [16, 61, 35]},
                          index=pd.Index(["legal", "search", "agency"], name="service"))
    chart = charts.ranking_bars(shares, labels={"search": ("检索", "Search")})
    assert _count(chart.svg, "bar") == 3
    assert list(chart.table["service"]) == ["search", "agency", "legal"]
    assert chart.table["label"].iloc[0] == "检索 / Search"


def test_rating_shares_stack_five_levels_per_domain():
    """Two sites × five levels = ten segments; each row of shares adds up to 100%."""
    counts = pd.DataFrame({1: [1, 0], 2: [2, 1], 3: [10, 5], 4: [20, 10], 5: [17, 4]},
                          index=pd.Index(["w1", "w2"], name="site"))
    chart = charts.rating_shares(counts)
    assert _count(chart.svg, "segment") == 10
    shares = chart.table.filter(like="(%)")
    assert shares.sum(axis=1).round(0).tolist() == [100.0, 100.0]
    assert chart.table["n"].tolist() == [50, 20]
    assert chart.table["5 非常满意 (%)"].tolist() == [34.0, 20.0]


def test_empty_table_is_a_clear_error():
    """Nothing to draw is reported with its code, not drawn as an empty picture."""
    with pytest.raises(ReportError) as caught:
        charts.index_bars(_indices().iloc[0:0])
    assert caught.value.code is ReportErrorCode.EMPTY_TABLE


def test_missing_cjk_font_says_to_install_fonts_noto_cjk(monkeypatch):
    """Without a CJK font the chart fails naming the Debian package, instead of drawing tofu boxes."""
    monkeypatch.setattr(font_manager.fontManager, "ttflist",
                        [f for f in font_manager.fontManager.ttflist if "CJK" not in f.name])
    cjk_font.cache_clear()
    try:
        with pytest.raises(ReportError) as caught:
            charts.index_bars(_indices())
        assert caught.value.code is ReportErrorCode.NO_CJK_FONT
        assert "fonts-noto-cjk" in str(caught.value)
    finally:
        cjk_font.cache_clear()


def test_the_cjk_font_is_the_debian_noto_font():
    """fonts-noto-cjk provides the family the charts use (installed by .ci/run)."""
    assert cjk_font().family.startswith("Noto Sans CJK")


def test_the_reports_package_stays_pure():
    """Importing the package and opening a design loads neither Flask nor SQLAlchemy (checked in a fresh process)."""
    import subprocess
    import sys

    code = ("import sys, pandas as pd, survey_engine.reports as r; "
            "r.results.open_wave_design(pd.DataFrame({'x': [1.0, 2.0]}), {}); "
            "print(sorted(m for m in ('flask', 'sqlalchemy') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_labels_too_long_for_the_layout_still_draw_without_a_warning():
    """Very long labels (pasted service names) leave tight_layout no room: the chart is still made,
    and no warning escapes (under warnings-as-errors it would break the page that shows it)."""
    import warnings

    table = pd.DataFrame({"estimate": [40.0, 30.0], "ci_low": [35.0, 25.0], "ci_high": [45.0, 35.0]},
                         index=["很长的服务名称" * 60, "long service name " * 60])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chart = charts.ranking_bars(table, labels={k: (k, k) for k in table.index})
    assert chart.svg.count('id="bar-') == 2
