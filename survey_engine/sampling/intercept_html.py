"""Printable, phone-readable bilingual (zh/en) HTML for an intercept plan; no external assets."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from survey_engine.sampling.intercept import InterceptPlan

__all__ = ["render_plan_html"]

_HEADERS = (
    ("site", "站点", "Site"),
    ("day", "日期", "Day"),
    ("slot", "时段", "Time slot"),
    ("expected_visitors", "预计客流", "Expected visitors"),
    ("interviews", "访问量", "Interviews"),
    ("interval", "间隔（每第k人）", "Interval (every k-th)"),
    ("start", "起始人序号", "Start with visitor no."),
)

_CSS = """
body{font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;padding:12px;color:#111}
h1{font-size:1.25rem;margin:0 0 .5rem}
p{font-size:.95rem;line-height:1.4}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{border:1px solid #999;padding:6px 4px;text-align:left;vertical-align:top}
th{background:#eee}
td.num{text-align:right}
td.blank{min-width:4.5em}
.en{display:block;font-size:.8em;color:#444;font-weight:normal}
@media (max-width:600px){thead{display:none}tr{display:block;border:1px solid #999;margin-bottom:8px}
td{display:flex;justify-content:space-between;border:none;border-bottom:1px solid #ddd}
td::before{content:attr(data-label);font-weight:bold;margin-right:8px}}
@media print{body{padding:0}tr{page-break-inside:avoid}}
"""


def render_plan_html(plan: "InterceptPlan", title: str) -> str:
    """Whole HTML document: instructions in both languages and one row per site-slot."""
    heads = list(_HEADERS) + [("visitors_counted", "实际客流计数", "Visitors counted"),
                              ("interviews_completed", "完成访问数", "Interviews completed")]
    head_html = "".join(f"<th>{escape(zh)}<span class=\"en\">{escape(en)}</span></th>"
                        for _, zh, en in heads)
    rows = []
    for record in plan.table.to_dict("records"):
        cells = []
        for key, zh, en in heads:
            label = escape(f"{zh} {en}")
            if key in record:
                cls = ' class="num"' if key not in ("site", "day", "slot") else ""
                cells.append(f'<td{cls} data-label="{label}">{escape(str(record[key]))}</td>')
            else:
                cells.append(f'<td class="blank" data-label="{label}"></td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{escape(title)}</h1>\n"
        f"<p>共 {plan.n} 个访问，随机种子 {plan.seed}。在每个时段从第“起始人序号”位来访者开始，"
        "此后每隔 k 位来访者拦截一位；同时清点该时段经过的全部来访者，填入“实际客流计数”。"
        f"<span class=\"en\">{plan.n} interviews in total, seed {plan.seed}. In each slot start "
        "with the visitor numbered in 'Start', then approach every k-th visitor; count every "
        "visitor passing during the slot and write it under 'Visitors counted'.</span></p>\n"
        f"<table>\n<thead><tr>{head_html}</tr></thead>\n<tbody>\n" + "\n".join(rows)
        + "\n</tbody>\n</table>\n</body>\n</html>\n"
    )
