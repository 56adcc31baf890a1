"""Dashboards (``/dashboards``): fieldwork progress, results and the 好差评 board of a campaign.

Managers would rather look than read, so each page is charts — but every chart comes with the
table it was drawn from (``reports.charts`` returns both), because nobody should have to read
values off bars.  Charts are matplotlib SVG embedded as ``data:`` images: the page's CSP allows
no inline styles, and an image keeps the SVG's own.  Every figure is computed per request by
the same calls the yearly report and the supervision pages make; nothing is cached.
"""

from __future__ import annotations

import base64
import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from flask import Blueprint, Response as FlaskResponse, abort, render_template
from sqlalchemy import func, select

from survey_engine.analysis import Design
from survey_engine.analysis.fieldwork import TOTAL, interviewer_table, rates_by
from survey_engine.analysis.ratings import rating_summary
from survey_engine.errors import SurveyEngineError
from survey_engine.instruments.model import QuestionType
from survey_engine.store import cases as case_store
from survey_engine.store.catalog import instrument_of, open_campaign
from survey_engine.store.monitoring import NONE_LABEL, campaign_quality, case_table, progress
from survey_engine.store.models import (
    Campaign, CaseStatus, FieldUnit, InterceptTally, RatingCase, Response, ResponseStatus, utcnow)
from survey_engine.store.supervision import COMPLETED
from survey_engine.web.database import db_session
from survey_engine.web.security import check_route

__all__ = ["blueprint", "Panel", "table_of_frame"]

blueprint = Blueprint("dashboards", __name__, url_prefix="/dashboards")
blueprint.before_request(check_route)

#: (Chinese, English), as ``reports.charts.Bilingual`` (not imported: that module loads matplotlib).
Bilingual = tuple[str, str]

#: Column names of the charts' tables and of the fieldwork tables → (zh, en) headers.
HEADERS: dict[str, Bilingual] = {
    "index": ("指数", "Index"), "label": ("名称", "Label"), "estimate": ("估计值", "Estimate"),
    "ci_low": ("95% 置信下限", "95% CI low"), "ci_high": ("95% 置信上限", "95% CI high"), "se": ("标准误", "SE"),
    "n": ("样本量", "n"), "wave": ("轮次", "Wave"), "series": ("指数", "Index"), "alert": ("预警", "Alert"),
    "attribute": ("维度", "Dimension"), "importance": ("重要性", "Importance"), "performance": ("表现", "Performance"),
    "performance_low": ("表现置信下限", "Performance CI low"), "performance_high": ("表现置信上限", "Performance CI high"),
    "quadrant": ("象限", "Quadrant"), "certain": ("位置确定", "Placement certain"), "service": ("服务", "Service"),
    "rank": ("排序", "Rank"), "stratum": ("层", "Stratum"), "site": ("服务点", "Site"),
    "interviewer": ("访员", "Interviewer"), "target": ("目标", "Target"), "completes": ("完成", "Completes"),
    "fill": ("完成率 (%)", "Filled (%)"), "share": ("占比 (%)", "Share (%)"), "issued": ("发放/接触", "Issued"),
    "response_rate": ("应答率 (%)", "Response rate (%)"), "quota": ("配额", "Quota"),
    "responses": ("答卷", "Responses"), "median_duration_seconds": ("用时中位数 (秒)", "Median duration (s)"),
    "flagged": ("有标记答卷", "Flagged responses"), "cases": ("样本案例", "Cases"), "open": ("待办案件", "Open cases"),
    "overdue": ("已超期", "Overdue"), "pending": ("待立案差评", "Bad ratings without a case"),
    "RR1": ("应答率 RR1 (%)", "Response rate RR1 (%)"), "RR3": ("应答率 RR3 (%)", "Response rate RR3 (%)"),
    "COOP1": ("合作率 COOP1 (%)", "Cooperation COOP1 (%)"), "REF1": ("拒访率 REF1 (%)", "Refusal REF1 (%)"),
    "CON1": ("接触率 CON1 (%)", "Contact CON1 (%)"),
    "n_speeder": ("过快", "Speeder"), "n_straightlining": ("直线作答", "Straight-lining"),
    "n_item_nonresponse": ("漏答", "Item nonresponse"), "n_outside_slot": ("时段外", "Outside slot"),
    "n_outside_site": ("地点不符", "Outside site"), "n_paradata_invalid": ("过程数据有误", "Bad paradata"),
}
#: AAPOR rates shown (AAPOR Standard Definitions 2023; docs/fieldwork.md); the chart draws RR3.
RATES = ("RR1", "RR3", "COOP1", "REF1", "CON1")
#: How the totals row of ``rates_by`` and ``interviewer_table`` is shown.
TOTAL_LABEL = "合计 Total"
_RATINGS_COUNTED = (ResponseStatus.COMPLETE.value, ResponseStatus.APPROVED.value)
_CLOSED = (CaseStatus.REPLIED.value, CaseStatus.CLOSED.value)


@dataclass(frozen=True, slots=True)
class TableView:
    """A table as text cells with bilingual headers; ``numeric`` columns are right-aligned."""

    headers: tuple[Bilingual, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]


@dataclass(frozen=True, slots=True)
class Panel:
    """One chart (a ``data:`` SVG image; None when there is nothing to draw) and the table it shows."""

    key: str
    title: Bilingual
    image: str | None
    table: TableView
    note: Bilingual | None = None


#: Columns that are indices (0–100) or per cents: always one decimal, however small the values.
ONE_DECIMAL = frozenset({"estimate", "ci_low", "ci_high", "performance", "performance_low", "performance_high",
                         "fill", "response_rate", "share", *RATES})


def _cell(value: Any, places: int) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "是 yes" if value else "否 no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{places}f}"
    return str(value)


#: Columns with their own precision (standard errors as in the report; seconds as whole numbers).
PLACES = {"se": 2, "median_duration_seconds": 0}


def _places(column: str, values: pd.Series) -> int:
    """One decimal for indices and per cents; three for small coefficients (correlations, e)."""
    if column in PLACES:
        return PLACES[column]
    if column in ONE_DECIMAL or not pd.api.types.is_float_dtype(values):
        return 1
    return 3 if values.abs().max(skipna=True) < 2 else 1


def table_of_frame(frame: pd.DataFrame) -> TableView:
    """The cells of a chart's (or any) DataFrame, formatted; headers from :data:`HEADERS`."""
    numeric = tuple(pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
                    for c in frame.columns)
    places = [_places(str(c), frame[c]) for c in frame.columns]
    headers = tuple(HEADERS.get(str(c), (str(c), str(c))) for c in frame.columns)
    values = frame.astype(object).where(frame.notna(), None)
    rows = tuple(tuple(_cell(v.item() if hasattr(v, "item") else v, p) for v, p in zip(row, places))
                 for row in values.itertuples(index=False))
    return TableView(headers, rows, numeric)


def _charts() -> Any:
    """``reports.charts`` (matplotlib) is loaded by the first page that draws, not when the app starts."""
    from survey_engine.reports import charts

    return charts


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _panel(key: str, chart: Any, note: Bilingual | None = None) -> Panel:
    return Panel(key, chart.title, _data_uri(chart.svg), table_of_frame(chart.table), note)


def _campaign_or_404(slug: str) -> Campaign:
    campaign = open_campaign(db_session(), slug)
    if campaign is None:
        abort(404)
    return campaign


def _site_labels(campaign: Campaign) -> dict[str, Bilingual]:
    """Site code → its name (names are usually "中文 English" already)."""
    return {site.code: (site.name, site.name) for site in campaign.sites}


def _problem(campaign: Campaign | None, title: Bilingual, exc: Exception, status: int):
    return render_template("dashboards/problem.html", campaign=campaign, title=title, message=str(exc)), status


# ---------------------------------------------------------------------------------------------- index

@blueprint.get("/")
def index():
    campaigns = db_session().scalars(select(Campaign).order_by(Campaign.id)).all()
    return render_template("dashboards/index.html", campaigns=campaigns)


# ---------------------------------------------------------------------------------------------- fieldwork

def _completes_by_group(campaign: Campaign) -> tuple[pd.DataFrame, str]:
    """Counted responses by design stratum (``targets.design``) or else by site, with targets and issued."""
    design = (campaign.targets or {}).get("design") or {}
    strata: Mapping[str, Any] = design.get("strata") or {}
    column = design.get("stratum", "site") if strata else "site"
    sites = {site.id: site.code for site in campaign.sites}
    rows = db_session().execute(select(Response.answers, Response.site_id).where(
        Response.campaign_id == campaign.id, Response.status.in_(COMPLETED))).all()
    groups = []
    for answers, site_id in rows:  # an interviewer records the site; the link's site fills the rest
        value = (answers or {}).get(column)
        groups.append(str(value) if isinstance(value, (str, int)) else sites.get(site_id, NONE_LABEL))
    counts = pd.Series(groups, dtype=object).value_counts()
    codes = list(strata) + sorted(set(counts.index) - set(strata))
    labels = _site_labels(campaign)
    table = pd.DataFrame({
        "site" if column == "site" else "stratum": codes, "label": [labels.get(c, (c, c))[0] for c in codes],
        "target": [(strata.get(c) or {}).get("allocated") for c in codes],
        "issued": [(strata.get(c) or {}).get("issued") for c in codes],
        "completes": [int(counts.get(c, 0)) for c in codes]})
    total = int(table["completes"].sum())
    target = pd.to_numeric(table["target"], errors="coerce")
    issued = pd.to_numeric(table["issued"], errors="coerce")
    table["target"], table["issued"] = target, issued
    table["fill"] = 100 * table["completes"] / target.where(target > 0)
    table["response_rate"] = 100 * table["completes"] / issued.where(issued > 0)
    table["share"] = 100 * table["completes"] / total if total else math.nan
    return table, column


def _fill_panel(table: pd.DataFrame, column: str) -> Panel | None:
    charts = _charts()
    if table.empty or not table["completes"].sum():
        return None
    key = table.columns[0]
    by = HEADERS.get(column, (column, column))
    if table["fill"].notna().any():
        drawn = "fill"
        title = (f"各{by[0]}完成率（完成 ÷ 分配样本量）", f"Completes ÷ allocated sample by {by[1].lower()}")
    else:
        drawn = "share"
        title = (f"各{by[0]}完成量占比", f"Share of completes by {by[1].lower()}")
    shown = table.set_index(key).rename(columns={drawn: "estimate"})[["estimate"]].dropna()
    labels = {code: (label, label) for code, label in zip(table[key], table["label"])}
    chart = charts.ranking_bars(shown, title=title, labels=labels)
    kept = table.drop(columns="share" if drawn == "fill" else "fill").dropna(axis=1, how="all")
    return dataclasses.replace(_panel("completes", chart), table=table_of_frame(kept))


def _quota_panel(fill: Any, questionnaire: Any) -> Panel | None:
    charts = _charts()
    if not fill.quotas:
        return None
    rows = []
    for q in fill.quotas:
        label = q.quota.code
        try:
            question = questionnaire.question(q.quota.variable)
            choice = next((c for c in question.choices.choices if c.code == q.quota.code), None) \
                if question.choices else None
            if choice is not None:
                label = " / ".join(dict.fromkeys((choice.label.get("zh"), choice.label.get("en"))))
        except KeyError:
            pass
        rows.append({"quota": f"{q.quota.variable}={q.quota.code}", "label": label, "target": q.quota.target,
                     "completes": q.filled, "fill": 100 * q.share if q.share is not None else math.nan})
    table = pd.DataFrame(rows)
    shown = table.set_index("quota").rename(columns={"fill": "estimate"})[["estimate"]].fillna(0.0)
    chart = charts.ranking_bars(shown, title=("配额完成率", "Quota fill"),
                                labels={r["quota"]: (r["label"], r["label"]) for r in rows})
    return dataclasses.replace(_panel("quotas", chart), table=table_of_frame(table))


def _has_cases(campaign: Campaign) -> bool:
    session = db_session()
    units = session.scalar(select(func.count()).select_from(FieldUnit).where(FieldUnit.campaign_id == campaign.id))
    tallies = session.scalar(select(func.count()).select_from(InterceptTally)
                             .where(InterceptTally.campaign_id == campaign.id))
    return bool(units or tallies)


def _rate_panels(cases: pd.DataFrame) -> list[Panel]:
    """AAPOR rates (in %) by stratum, site and interviewer; groups that are all "—" are left out."""
    charts = _charts()
    panels = []
    for by in ("stratum", "site", "interviewer"):
        if (cases[by] == NONE_LABEL).all():
            continue
        table = rates_by(cases, by)
        shown = table[[by, "n", *RATES]].copy()
        shown[list(RATES)] = shown[list(RATES)] * 100
        groups = shown[shown[by] != TOTAL].set_index(by).rename(columns={"RR3": "estimate"})[["estimate"]]
        name = HEADERS[by]
        chart = charts.ranking_bars(groups.fillna(0.0), title=(f"各{name[0]}应答率 RR3", f"Response rate RR3 by "
                                                                                        f"{name[1].lower()}"))
        shown[by] = shown[by].replace(TOTAL, TOTAL_LABEL)
        panels.append(dataclasses.replace(_panel(f"rates-{by}", chart), table=table_of_frame(shown)))
    return panels


@blueprint.get("/<slug>/fieldwork")
def fieldwork(slug: str):
    campaign = _campaign_or_404(slug)
    session = db_session()
    questionnaire = instrument_of(campaign.version)
    fill = progress(session, campaign)
    groups, column = _completes_by_group(campaign)
    panels = [p for p in (_fill_panel(groups, column), _quota_panel(fill, questionnaire)) if p is not None]
    cases = case_table(session, campaign) if _has_cases(campaign) else None
    rate_panels = _rate_panels(cases) if cases is not None and not cases.empty else []
    quality = campaign_quality(session, campaign)
    interviewers = None
    if not quality.empty:
        people = interviewer_table(quality, cases if cases is not None and not cases.empty else None)
        if "REF1" in people:
            people["REF1"] = people["REF1"] * 100
        people["interviewer"] = people["interviewer"].replace(TOTAL, TOTAL_LABEL)
        interviewers = table_of_frame(people)
    return render_template("dashboards/fieldwork.html", campaign=campaign, progress=fill, panels=panels,
                           rate_panels=rate_panels, cases=0 if cases is None else len(cases),
                           interviewers=interviewers, tab="fieldwork")


# ---------------------------------------------------------------------------------------------- results

def _results_view(slug: str) -> dict[str, Any]:
    """Every result panel, from the yearly report's own computations (``reports.results``/``sections``)."""
    from survey_engine.store.report_inputs import campaign_inputs
    from survey_engine.reports.results import compute_results
    from survey_engine.reports.sections import results_sections, summary

    results = compute_results(campaign_inputs(db_session(), slug), reliability=False)
    # the 好差评 chart belongs to the 好差评 board: skip drawing it here
    sections = results_sections(dataclasses.replace(results, ratings=None))
    panels = [_panel("indices", sections["indices_chart"])]
    panels += [_panel(f"domain-{d['by']}", d["chart"]) for d in sections["domains"]]
    if sections["ipa"]:
        panels.append(_panel("ipa", sections["ipa"]["chart"]))
    trend = None
    if sections["comparison"]:
        trend = _panel("trend", sections["comparison"]["chart"],
                       ("红圈：较上一轮显著下降的指数。", "Red rings: indices that fell significantly since the previous wave."))
    demand = _panel("demand", sections["demand"]["chart"]) if sections["demand"] else None
    comparison = sections["comparison"]["table"] if sections["comparison"] else None
    return {"summary": summary(results), "panels": panels, "trend": trend, "comparison": comparison,
            "demand": demand, "alerts": results.alerts, "n": results.n}


@blueprint.get("/<slug>/results")
def results(slug: str):
    campaign = _campaign_or_404(slug)
    try:
        view = _results_view(slug)
    except SurveyEngineError as exc:
        return _problem(campaign, ("无法计算结果", "Results cannot be computed"), exc, 422)
    return render_template("dashboards/results.html", campaign=campaign, tab="results", **view)


@blueprint.get("/<slug>/report.<fmt>")
def report(slug: str, fmt: str):
    """The yearly report to download; WeasyPrint is imported only for a PDF (inside ``render_yearly_pdf``)."""
    if fmt not in ("html", "pdf"):
        abort(404)
    campaign = _campaign_or_404(slug)
    from survey_engine.store.report_inputs import campaign_inputs
    from survey_engine.reports.yearly import render_yearly_html, render_yearly_pdf

    try:
        html = render_yearly_html(campaign_inputs(db_session(), slug))
        body: str | bytes = render_yearly_pdf(html) if fmt == "pdf" else html
    except SurveyEngineError as exc:
        return _problem(campaign, ("无法生成年度报告", "The yearly report cannot be made"), exc, 422)
    mimetype = "application/pdf" if fmt == "pdf" else "text/html"
    reply = FlaskResponse(body, mimetype=mimetype)
    reply.headers["Content-Disposition"] = f'attachment; filename="{campaign.slug}-report.{fmt}"'
    return reply


# ---------------------------------------------------------------------------------------------- 好差评

def rating_item(campaign: Campaign, questionnaire: Any) -> str | None:
    """The case loop's rating question, else the report's ``targets.design.rating_item`` if it is five-level."""
    found = case_store.rating_question(campaign, questionnaire)
    if found:
        return found
    wanted = ((campaign.targets or {}).get("design") or {}).get("rating_item")
    for question in questionnaire.questions():
        if question.id == wanted and question.type is QuestionType.RATING and len(question.scale.values) == 5:
            return question.id
    return None


def rating_data(campaign: Campaign, item: str) -> pd.DataFrame:
    """One row per counted rating (1–5) with the code of the site whose link or window it came through."""
    sites = {site.id: site.code for site in campaign.sites}
    rows = db_session().execute(select(Response.answers, Response.site_id).where(
        Response.campaign_id == campaign.id, Response.status.in_(_RATINGS_COUNTED))).all()
    data = pd.DataFrame({"rating": [(answers or {}).get(item) for answers, _ in rows],
                         "site": [sites.get(site_id, NONE_LABEL) for _, site_id in rows]})
    data["rating"] = pd.to_numeric(data["rating"], errors="coerce")
    return data[data["rating"].isin([1, 2, 3, 4, 5])].reset_index(drop=True)


def _rate_panel(key: str, rates: pd.DataFrame, rate: str, title: Bilingual, labels: dict[str, Bilingual]) -> Panel:
    charts = _charts()
    shown = rates[rate][["estimate", "ci_low", "ci_high", "n"]]
    shown.index.name = "site"
    chart = charts.ranking_bars(shown, title=title, labels=labels)
    return _panel(key, chart)


def _case_counts(campaign: Campaign, item: str | None) -> dict[str, Any]:
    """Open and overdue cases by site, and bad ratings that have no case yet (opened by the case board)."""
    session = db_session()
    now = utcnow()
    found = session.scalars(select(RatingCase).where(RatingCase.campaign_id == campaign.id)).all()
    active = [c for c in found if c.status not in _CLOSED]
    overdue = [c for c in active if case_store.is_overdue(c, now)]
    sites = {site.id: site.code for site in campaign.sites}
    pending = 0
    if item is not None and case_store.rating_question(campaign, instrument_of(campaign.version)) == item:
        have = select(RatingCase.response_id).where(RatingCase.campaign_id == campaign.id)
        answers = session.scalars(select(Response.answers).where(
            Response.campaign_id == campaign.id, Response.status.in_(_RATINGS_COUNTED),
            Response.id.not_in(have))).all()
        pending = sum((a or {}).get(item) in case_store.BAD_RATINGS for a in answers)
    by_site = pd.DataFrame({"site": [sites.get(c.site_id, NONE_LABEL) for c in active],
                            "overdue": [c in overdue for c in active]})
    table = by_site.groupby("site").agg(open=("overdue", "size"), overdue=("overdue", "sum")).reset_index() \
        if len(by_site) else pd.DataFrame(columns=["site", "open", "overdue"])
    return {"open": len(active), "overdue": len(overdue), "pending": pending,
            "table": table_of_frame(table.astype({"open": int, "overdue": int})) if len(table) else None,
            "limits": case_store.case_deadlines(campaign)}


@blueprint.get("/<slug>/ratings")
def ratings(slug: str):
    charts = _charts()
    campaign = _campaign_or_404(slug)
    questionnaire = instrument_of(campaign.version)
    item = rating_item(campaign, questionnaire)
    view: dict[str, Any] = {"item": item, "overall": None, "panels": []}
    if item is not None:
        data = rating_data(campaign, item)
        if len(data) >= 2:
            labels = _site_labels(campaign)
            overall = rating_summary(Design(data), "rating").rates.iloc[0]
            by_site = rating_summary(Design(data), "rating", by="site")
            view["overall"] = {rate: overall[rate].to_dict() for rate in ("satisfaction_rate", "bad_rating_rate")}
            view["panels"] = [
                _rate_panel("satisfaction", by_site.rates, "satisfaction_rate",
                            ("各服务点满意率（3–5级）", "Satisfaction rate (levels 3–5) by site"), labels),
                _rate_panel("bad", by_site.rates, "bad_rating_rate",
                            ("各服务点差评率（1–2级）", "Bad-rating rate (levels 1–2) by site"), labels),
                _panel("shares", charts.rating_shares(by_site.counts, labels=labels))]
            view["n"] = len(data)
    view["cases"] = _case_counts(campaign, item)
    return render_template("dashboards/ratings.html", campaign=campaign, tab="ratings", **view)
