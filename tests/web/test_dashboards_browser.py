"""A real browser (Debian's Chromium driven by Playwright) opens every dashboard on a phone and a tablet.

Each chart image must have loaded (naturalWidth > 0, so the data-URI SVG decoded under the
page's CSP), each must sit in a panel with its table, and nothing may stick out of the
viewport sideways except inside the scrollable table wrappers.  Skipped on a developer machine
without Chromium; under CI (CI=true) a missing browser fails.
"""

from __future__ import annotations


import pytest

from tests.web.helpers import PASSWORD, served
from tests.web.test_browser import VIEWPORTS, browser  # noqa: F401 - the module-scoped Chromium fixture
from tests.web.test_dashboards import CURRENT, dashboard_store

PAGES = ["/dashboards/", "/dashboards/demo/fieldwork", "/dashboards/demo/ratings", f"/dashboards/{CURRENT}/fieldwork",
         f"/dashboards/{CURRENT}/results", f"/dashboards/{CURRENT}/ratings"]

#: Per panel: does the image show, and is there a table in the same panel?  Then every element
#: outside a .table-scroll wrapper whose right edge passes the viewport (1 px of rounding allowed).
CHECK = """() => {
  const panels = [...document.querySelectorAll('figure.panel')].map(p => {
    const img = p.querySelector('.chart img');
    return {id: p.id, loaded: !!img && img.complete && img.naturalWidth > 0,
            fits: !!img && img.getBoundingClientRect().width <= window.innerWidth,
            table: !!p.querySelector('.chart-table .table-scroll table')};
  });
  const wide = [...document.body.querySelectorAll('*')]
    .filter(e => !e.closest('.table-scroll') && e.getBoundingClientRect().right > window.innerWidth + 1)
    .map(e => e.tagName + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : ''));
  return {panels, wide, page: document.documentElement.scrollWidth, viewport: window.innerWidth};
}"""


@pytest.fixture(scope="module")
def live_demo(tmp_path_factory: pytest.TempPathFactory):
    """The dashboards' demo store served over HTTP on a free loopback port for this module."""
    app = dashboard_store(tmp_path_factory.mktemp("dashboards-browser"))
    with served(app) as url:
        yield url
    app.extensions["survey_engine.db"].engine.dispose()


@pytest.mark.parametrize("screen", sorted(VIEWPORTS))
def test_each_dashboard_shows_its_charts_with_tables_and_fits_the_screen(browser, live_demo, screen):  # noqa: F811
    """Signed in as an analyst: every chart image loads, has its table, and the page never scrolls sideways."""
    context = browser.new_context(viewport=VIEWPORTS[screen], has_touch=True, locale="zh-CN")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" and "Failed to load" not in m.text
            else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400
            and not r.url.endswith("/favicon.ico") else None)
    page.goto(f"{live_demo}/login")
    page.fill("#username", "user-analyst")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    charts = 0
    for path in PAGES:
        reply = page.goto(live_demo + path, wait_until="load")
        assert reply is not None and reply.status == 200, path
        found = page.evaluate(CHECK)
        for panel in found["panels"]:
            assert panel["loaded"] and panel["table"] and panel["fits"], (screen, path, panel)
        assert not found["wide"], (screen, path, found["wide"][:5])
        assert found["page"] <= found["viewport"], (screen, path, found)
        charts += len(found["panels"])
    assert charts >= 12  # 4 on the results page, 3 on each rating board, fieldwork fill and AAPOR rates
    assert not problems, problems  # a CSP refusal or a missing stylesheet would show here
    context.close()
