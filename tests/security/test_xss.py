"""Stored and reflected XSS: about 30 payloads in every text sink, every HTML view parsed as a DOM.

Sinks: questionnaire texts (title, notice, questions, choices, scale labels — uploaded through the
admin page), answers and their 'other, specify' texts, campaign, site, user and device names,
invitation contacts, unit file values and import warnings, questionnaire upload problems, review
reasons and case notes.  (Answers are not piped into labels: the questionnaire format has no
piping; answers appear next to labels on the review pages, which are covered.)
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import select

from survey_engine.store.models import Response
from tests.security.dom import active_content
from tests.security.world import answers_with, build_world, questionnaire_with, sign_in

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
    "\"><script>alert(1)</script>",
    "'><img src=x onerror=alert(1)>",
    "\" onmouseover=\"alert(1)",
    "' onfocus='alert(1)' autofocus='",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<object data=\"javascript:alert(1)\">",
    "<embed src=\"data:text/html,<script>alert(1)</script>\">",
    "<base href=\"//evil.example/\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=//evil.example\">",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<input onfocus=alert(1) autofocus>",
    "{{7*191}}",
    "{{ config }}{% raw %}",
    "${7*191}#{7*191}",
    "＜script＞alert(1)＜/script＞",
    "\u202e<img src=x onerror=alert(1)>\u202c",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<!--<img src=\"--><img src=x onerror=alert(1)//\">",
    "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e",
]
GROUPS = [PAYLOADS[i:i + 6] for i in range(0, len(PAYLOADS), 6)]
MARK = "ZQX"


def _text(group: list[str]) -> str:
    return " ".join(f"{MARK}{payload}" for payload in group)


def _unit_csv(text: str, *, bad: bool) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["unit_key", "label", "stratum", "psu", "inclusion_probability"] + ([text[:60]] if bad else [])
    writer.writerow(header)
    writer.writerow([f"u-{text}"[:120], text[:200], text[:120], text[:120], text[:40] if bad else "0.5"]
                    + ([text[:60]] if bad else []))
    return out.getvalue().encode("utf-8")


def _pages(app, db, group: list[str]) -> dict[str, str]:
    """Every HTML view that can show the stored texts, by a role that may see it."""
    text = _text(group)
    world = build_world(app, db, text)
    pages: dict[str, str] = {}
    admin = app.test_client()
    sign_in(admin, "admin")

    def get(client, url: str) -> None:
        reply = client.get(url)
        assert reply.status_code < 500, (url, reply.status_code)
        pages[url] = reply.get_data(as_text=True)

    def post(client, name: str, url: str, **kwargs) -> None:
        reply = client.post(url, **kwargs)
        assert reply.status_code < 500, (url, reply.status_code)
        pages[name] = reply.get_data(as_text=True)

    # the questionnaire through the upload page, and an upload whose problems quote the text
    document = questionnaire_with(text)
    document["version"] = "xss"
    post(admin, "upload", "/admin/questionnaires",
         data={"document": (io.BytesIO(json.dumps(document).encode()), "q.json")})
    broken = {**document, "id": text[:80], "sections": [{"id": text[:40], "questions": [{"id": text, "type": text}]}]}
    post(admin, "upload problems", "/admin/questionnaires",
         data={"document": (io.BytesIO(json.dumps(broken).encode()), "q.json")})
    post(admin, "letters", "/admin/campaigns/win/invitations", data={"contacts": f"{text[:150]},1380000,{text[:150]}"})
    post(admin, "unit import", "/supervise/win/units/import",
         data={"units": (io.BytesIO(_unit_csv(text, bad=False)), "u.csv")})
    post(admin, "unit import problems", "/supervise/win/units/import",
         data={"units": (io.BytesIO(_unit_csv(text, bad=True)), "u.csv")})
    post(admin, "new site problems", "/admin/campaigns/win/sites", data={"code": text[:60], "name": text[:200]})
    post(admin, "new user problems", "/admin/users", data={"username": text[:80], "password": "x", "role": text[:20]})
    post(admin, "assign problems", "/supervise/win/units/assign", data={"unit": text[:200]})
    post(admin, "case reply", f"/cases/{world.cases['bob']}",
         data={"version": "1", "founded": "no", "note": text})
    ann, bob = world.responses["ann"], world.responses["bob"]
    for url in ("/admin/", "/admin/questionnaires", "/admin/campaigns", "/admin/campaigns/win",
                "/admin/campaigns/win/invitations", "/admin/users", "/admin/devices", "/admin/responses",
                "/admin/responses?campaign=win", f"/admin/responses/{ann}", f"/admin/responses/{ann}?lang=en",
                f"/admin/responses/{bob}", "/admin/campaigns/win/poster?site=w1", "/admin/campaigns/new",
                "/supervise/", "/supervise/win/queue", "/supervise/win/queue?status=rejected",
                f"/supervise/responses/{ann}", f"/supervise/responses/{bob}?lang=en", "/supervise/win/backchecks",
                "/supervise/win/units", "/supervise/win/settings", "/supervise/win/quality",
                "/supervise/win/monitoring", "/cases/?campaign=win", f"/cases/{world.cases['ann']}",
                f"/cases/{world.cases['bob']}", f"/cases/{world.cases['other']}", "/dashboards/",
                "/dashboards/win/fieldwork", "/dashboards/win/results", "/dashboards/win/ratings",
                "/dashboards/win/report.html"):
        get(admin, url)
    # reflected: query parameters echoed into pages
    for url in (f"/admin/responses?status={text}&campaign={text}", f"/supervise/win/queue?flag={text}&mode={text}",
                f"/login?next={text}", f"/s/win/w1?lang={text}", f"/cases/?campaign={text}"):
        get(admin if not url.startswith(("/login", "/s/")) else app.test_client(), url)
    interviewer = app.test_client()
    sign_in(interviewer, "interviewer")
    get(interviewer, "/field/")
    # the respondent's side: landing pages, each page of a draft holding the texts, the review, the end
    respondent = app.test_client()
    get(respondent, "/s/win")
    get(respondent, "/s/win/w1?lang=en")
    start = respondent.post("/s/win/w1?lang=en", data={})
    first = start.headers["Location"]
    draft = db.scalar(select(Response).where(Response.client_uuid == first.split("/")[2]))
    draft.answers = answers_with(text)
    db.commit()
    for page in ("rating", "bad_rating_followup", "end"):
        get(respondent, f"/r/{draft.client_uuid}/page/{page}?lang=en")
    get(respondent, f"/r/{draft.client_uuid}/review?lang=en")
    get(respondent, f"/r/{draft.client_uuid}/review")
    post(respondent, "respond page invalid", f"/r/{draft.client_uuid}/page/rating?lang=en",
         data={"service_handled": text[:30], "overall": text[:30]})
    invited = app.test_client()
    get(invited, f"/i/{world.invitation_token}")
    get(invited, f"/rate-again/{world.rerate_token}")
    return pages


# long labels make matplotlib warn (an error under this suite's filterwarnings) on the dashboards' charts;
# in production a warning is only logged, so the pack lets it pass and looks at the HTML
TIGHT_LAYOUT = pytest.mark.filterwarnings("ignore:Tight layout not applied:UserWarning")


@pytest.mark.slow  # about 20 s per group: 60 pages, dashboards' charts included
@TIGHT_LAYOUT
@pytest.mark.parametrize("group", GROUPS, ids=[f"payloads{i * 6}-{i * 6 + len(g) - 1}" for i, g in enumerate(GROUPS)])
def test_no_payload_becomes_active_content_on_any_page(app, db, group):
    """Every page shows the stored and reflected texts as text: no new script, handler, script URL or frame."""
    pages = _pages(app, db, group)
    problems = {url: found for url, html in pages.items() if (found := active_content(html))}
    assert problems == {}
    for url, html in pages.items():
        assert str(7 * 191) not in html, f"template expression evaluated on {url}"
        assert "test-secret" not in html, f"configuration leaked on {url}"


@TIGHT_LAYOUT
def test_the_texts_reach_the_pages_they_are_checked_on(app, db):
    """The pack is not vacuous: the marked texts appear (escaped) on the pages that show them."""
    pages = _pages(app, db, GROUPS[0])
    silent = {url for url, html in pages.items() if MARK not in html}
    # pages that show no stored free text at all
    assert silent <= {"/admin/", "/admin/campaigns/new", "/field/", "upload", "/cases/3"}, silent
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[f"/admin/campaigns/win"]


def test_the_language_links_cannot_be_steered_by_the_query(app, db):
    """Regression: ?_external=1&_anchor=... (url_for's own options) and ?slug=... went into the language links."""
    build_world(app, db)
    client = app.test_client()
    for url in ("/login?_external=1&_scheme=javascript&_anchor=%0aalert(1)", "/s/win/w1?slug=other&site_code=o1&x=1",
                "/login?_method=POST&_host=evil.example"):
        html = client.get(url).get_data(as_text=True)
        links = [link for link in re.findall(r'href="([^"]*lang=[^"]*)"', html)]
        assert len(links) == 2, (url, links)
        for link in links:
            assert link.startswith("/") and "#" not in link and "evil" not in link and "other" not in link, link
    assert "x=1" in client.get("/s/win/w1?x=1").get_data(as_text=True)  # other query values are kept
