"""The dashboards over the demo campaigns: who may see them, and that their figures are the analysis API's."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from survey_engine.analysis import Design
from survey_engine.analysis.fieldwork import rates_by
from survey_engine.analysis.indices import estimate_indices
from survey_engine.analysis.ratings import rating_summary
from survey_engine.analysis.scores import ScoreSpec
from survey_engine.store.report_inputs import campaign_inputs
from survey_engine.reports.results import open_wave_design
from survey_engine.store.accounts import create_user
from survey_engine.store.catalog import open_campaign
from survey_engine.store.models import FieldUnit, Response, Role, UnitStatus, User
from survey_engine.store.monitoring import case_table
from survey_engine.web import create_app
from survey_engine.web.demo import prepare
from tests.web.helpers import PASSWORD, login

CURRENT = "demo-satisfaction-2026"
#: (stratum, interviewer, final disposition) of the field units added to the window-rating demo.
UNITS = [("urban", "li", "1.1"), ("urban", "li", "1.1"), ("urban", "wang", "2.11"), ("urban", "wang", "2.24"),
         ("rural", "li", "1.1"), ("rural", "wang", "1.1"), ("rural", "wang", "4.70"), ("rural", "li", "3.18")]

QUOTA = {"variable": "service_handled", "code": "patent_application", "target": 20}


def dashboard_store(folder: Path):
    """The ``serve --demo`` store plus field units (with final dispositions) on the window-rating campaign."""
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'demo.db'}", "INSTANCE_PATH": str(folder),
                      "SECRET_KEY": "test", "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False})
    prepare(app, demo=True)
    with app.extensions["survey_engine.db"].sessions() as db:
        for role in (Role.ANALYST, Role.INTERVIEWER, Role.SUPERVISOR):
            create_user(db, f"user-{role.value}", PASSWORD, role)
        for name in ("li", "wang"):
            create_user(db, name, PASSWORD, Role.INTERVIEWER)
        db.flush()
        people = {u.username: u.id for u in db.scalars(select(User))}
        campaign = open_campaign(db, "demo")
        campaign.targets = {"completes": 100, "quotas": [QUOTA]}
        for number, (stratum, who, code) in enumerate(UNITS):
            db.add(FieldUnit(campaign_id=campaign.id, unit_key=f"H-{number}", label=f"{number} 朝阳路",
                             stratum=stratum, interviewer_id=people[who], status=UnitStatus.FINAL.value,
                             final_disposition=code))
        db.commit()
    return app


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    app = dashboard_store(tmp_path_factory.mktemp("dashboards"))
    yield app
    app.extensions["survey_engine.db"].engine.dispose()


@pytest.fixture
def analyst(demo):
    client = demo.test_client()
    assert login(client, "user-analyst").status_code == 302
    return client


def figure(html: str, name: str) -> str:
    found = re.search(rf'id="fig-{name}"[^>]*>([^<]*)<', html)
    assert found, f"figure {name} not on the page"
    return found.group(1).strip()


def images(html: str) -> list[str]:
    return re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)"', html)


PAGES = ["/dashboards/", "/dashboards/demo/fieldwork", "/dashboards/demo/ratings", f"/dashboards/{CURRENT}/fieldwork",
         f"/dashboards/{CURRENT}/results", f"/dashboards/{CURRENT}/ratings"]


@pytest.mark.parametrize("url", PAGES)
def test_analysts_see_each_dashboard_and_interviewers_are_refused(demo, analyst, url):
    """An analyst gets the page (no inline styles, which the CSP would block); an interviewer gets 403."""
    reply = analyst.get(url)
    assert reply.status_code == 200
    html = reply.get_data(as_text=True)
    assert " style=" not in html and "<svg" not in html
    interviewer = demo.test_client()
    login(interviewer, "user-interviewer")
    assert interviewer.get(url).status_code == 403


def test_every_chart_is_an_svg_image_with_its_table_beside_it(analyst):
    """Each panel holds one data-URI SVG and one table; the SVG is a drawing, not an empty file."""
    html = analyst.get(f"/dashboards/{CURRENT}/results").get_data(as_text=True)
    panels = re.findall(r'<figure class="panel".*?</figure>', html, flags=re.S)
    assert len(panels) == 4  # indices, by respondent type, IPA, trend (the demo asks no demand question)
    for panel in panels:
        assert len(images(panel)) == 1 and panel.count("<table") == 1
        svg = base64.b64decode(images(panel)[0]).decode("utf-8")
        assert svg.startswith("<svg") and "<path" in svg


def test_results_show_the_composite_index_the_analysis_api_computes(demo, analyst):
    """The headline index is ``estimate_indices``' composite, with its CI; the trend rings the drops."""
    html = analyst.get(f"/dashboards/{CURRENT}/results").get_data(as_text=True)
    with demo.extensions["survey_engine.db"].sessions() as db:
        inputs = campaign_inputs(db, CURRENT)
    design, _ = open_wave_design(inputs.data, inputs.design)
    row = estimate_indices(design, ScoreSpec.from_questionnaire(inputs.questionnaire)).table.loc["csi"]
    assert figure(html, "index") == f"{row['estimate']:.1f}"
    assert f"95% CI {row['ci_low']:.1f}–{row['ci_high']:.1f}" in html
    assert 'id="panel-trend"' in html and 'id="panel-ipa"' in html
    assert "Download yearly report (HTML)" in html and "/dashboards/demo-satisfaction-2026/report.pdf" in html
    first = analyst.get("/dashboards/demo-satisfaction-2025/results").get_data(as_text=True)
    assert "No previous wave is named" in first and 'id="panel-trend"' not in first


def test_the_rating_board_shows_the_bad_rating_rate_of_rating_summary(demo, analyst):
    """差评率 overall and by site are ``rating_summary``'s, computed here from the stored ratings."""
    html = analyst.get("/dashboards/demo/ratings").get_data(as_text=True)
    with demo.extensions["survey_engine.db"].sessions() as db:
        campaign = open_campaign(db, "demo")
        sites = {s.id: s.code for s in campaign.sites}
        rows = db.execute(select(Response.answers, Response.site_id).where(
            Response.campaign_id == campaign.id, Response.status.in_(("complete", "approved")))).all()
    data = pd.DataFrame({"rating": [a["overall"] for a, _ in rows], "site": [sites[s] for _, s in rows]})
    overall = rating_summary(Design(data), "rating").rates.iloc[0]
    assert figure(html, "bad") == f"{overall[('bad_rating_rate', 'estimate')]:.1f}%"
    assert figure(html, "satisfaction") == f"{overall[('satisfaction_rate', 'estimate')]:.1f}%"
    by_site = rating_summary(Design(data), "rating", by="site").rates["bad_rating_rate"]
    bad = re.search(r'id="panel-bad".*?</figure>', html, flags=re.S).group(0)
    for estimate, low in zip(by_site["estimate"], by_site["ci_low"]):
        assert f">{estimate:.1f}<" in bad and f">{low:.1f}<" in bad
    assert len(images(html)) == 3
    assert 'href="/cases/?campaign=demo"' in html
    assert int(figure(html, "open")) + int(figure(html, "pending")) == int((data["rating"] <= 2).sum())


def test_fieldwork_shows_aapor_rates_of_the_field_units(demo, analyst):
    """Completes against the target and the quota; RR3 by stratum is ``rates_by``'s over the units' final
    dispositions; interviewers get a table."""
    html = analyst.get("/dashboards/demo/fieldwork").get_data(as_text=True)
    with demo.extensions["survey_engine.db"].sessions() as db:
        campaign = open_campaign(db, "demo")
        cases = case_table(db, campaign)
        rows = db.scalars(select(Response).where(Response.campaign_id == campaign.id)).all()
    rates = rates_by(cases, "stratum").set_index("stratum")
    panel = re.search(r'id="panel-rates-stratum".*?</figure>', html, flags=re.S).group(0)
    for stratum in ("urban", "rural"):
        assert f">{100 * rates.loc[stratum, 'RR3']:.1f}<" in panel
    assert 'id="panel-rates-interviewer"' in html and "Interviewers and quality flags" in html
    assert figure(html, "completes") == "60" and figure(html, "target") == "100"
    assert '<progress id="completes-meter" max="100" value="60">' in html
    filled = sum(r.answers.get("service_handled") == "patent_application" for r in rows)
    quota = re.search(r'id="panel-quotas".*?</figure>', html, flags=re.S).group(0)
    assert f">{filled}<" in quota and f">{100 * filled / 20:.1f}<" in quota
    assert "service_handled=patent_application" in quota


def test_fieldwork_of_a_designed_campaign_compares_completes_with_the_allocation(analyst):
    """Completes by stratum against the design's allocated sample; no AAPOR section without field units."""
    html = analyst.get(f"/dashboards/{CURRENT}/fieldwork").get_data(as_text=True)
    panel = re.search(r'id="panel-completes".*?</figure>', html, flags=re.S).group(0)
    assert ">centre_main<" in panel and ">70<" in panel and ">100.0<" in panel
    assert "no field units or intercept tallies" in html


def test_the_yearly_report_downloads_as_html(demo, analyst):
    """HTML holds the composite index; a campaign without scoring gets a clear page, not a 500."""
    with demo.extensions["survey_engine.db"].sessions() as db:
        inputs = campaign_inputs(db, CURRENT)
    design, _ = open_wave_design(inputs.data, inputs.design)
    index = estimate_indices(design, ScoreSpec.from_questionnaire(inputs.questionnaire)).table.loc["csi", "estimate"]
    reply = analyst.get(f"/dashboards/{CURRENT}/report.html")
    assert reply.status_code == 200 and reply.mimetype == "text/html"
    assert f"{index:.1f}" in reply.get_data(as_text=True)
    assert "attachment" in reply.headers["Content-Disposition"]
    problem = analyst.get("/dashboards/demo/report.pdf")
    assert problem.status_code == 422 and "scoring" in problem.get_data(as_text=True)
    assert analyst.get("/dashboards/demo/report.docx").status_code == 404
    assert analyst.get("/dashboards/nope/results").status_code == 404


@pytest.mark.slow
def test_the_yearly_report_downloads_as_pdf(analyst):
    """The PDF button gives WeasyPrint's rendering of the report (about 20 s on the demo)."""
    pytest.importorskip("weasyprint")
    reply = analyst.get(f"/dashboards/{CURRENT}/report.pdf")
    assert reply.status_code == 200 and reply.mimetype == "application/pdf" and reply.data.startswith(b"%PDF")
    assert f'filename="{CURRENT}-report.pdf"' in reply.headers["Content-Disposition"]


def test_results_of_a_campaign_without_responses_say_so(demo, analyst):
    """A campaign nobody answered yet: a clear page (422) naming the problem."""
    from survey_engine.store.catalog import create_campaign

    with demo.extensions["survey_engine.db"].sessions() as db:
        version = open_campaign(db, CURRENT).version
        create_campaign(db, slug="empty-wave", name="空 Empty", version=version, modes=["online"])
        db.commit()
    for url in ("/dashboards/empty-wave/results", "/dashboards/empty-wave/report.html"):
        reply = analyst.get(url)
        assert reply.status_code == 422 and "no complete responses" in reply.get_data(as_text=True)
    assert analyst.get("/dashboards/empty-wave/ratings").status_code == 200
    assert analyst.get("/dashboards/empty-wave/fieldwork").status_code == 200
