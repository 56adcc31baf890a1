"""The offline interviewer app in a real browser (Debian's Chromium driven by Playwright).

The app is served by a real HTTP server (werkzeug, loopback, so service workers are allowed)
over a temporary SQLite database.  An interviewer signs in, the service worker takes over,
the network goes away, interviews are completed and the page is closed and opened again
(still offline); when the network returns the outbox sends everything exactly once — also
when the connection breaks in the middle of a sync.  Skipped on a developer machine without
Chromium; under CI (CI=true) a missing browser fails.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from survey_engine.store.models import (Campaign, FieldUnit, InterceptSlot, InterceptTally, Response, Role, Site,
                                        User, VisitAttempt)
from survey_engine.store.catalog import create_campaign, store_version
from tests.web.helpers import PASSWORD, REPO, make_user, window_campaign
from tests.web.test_browser import VIEWPORTS, browser  # noqa: F401  (the module-scoped browser fixture)

TIMEZONE = "Asia/Shanghai"
SYNC_TIMEOUT_MS = 30000


@pytest.fixture
def app_config(app_config: dict) -> dict:
    """CSRF protection on, as in production: the app must carry its token."""
    return {**app_config, "WTF_CSRF_ENABLED": True}


class FlakyNetwork:
    """WSGI middleware: makes chosen POSTs to /field/api/interviews fail as a broken network does.

    ``lose_reply`` — the server stores the interview but the reply never arrives (the device
    sees a gateway error); ``refuse`` — the request never reaches the app.
    """

    def __init__(self, app):
        self.app = app
        self.count = 0
        self.plan: dict[int, str] = {}
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == "/field/api/interviews":
            with self.lock:
                self.count += 1
                action = self.plan.get(self.count)
            if action == "refuse":
                start_response("503 Service Unavailable", [("Content-Type", "text/plain"), ("Retry-After", "1")])
                return [b"down"]
            if action == "lose_reply":
                result = self.app(environ, lambda *a, **k: (lambda data: None))
                try:
                    b"".join(result)
                finally:
                    getattr(result, "close", lambda: None)()  # ends the request (session, teardown)
                start_response("502 Bad Gateway", [("Content-Type", "text/plain")])
                return [b"connection reset"]
        return self.app(environ, start_response)


@pytest.fixture
def flaky(app):
    middleware = FlakyNetwork(app.wsgi_app)
    app.wsgi_app = middleware
    return middleware


def _today_slot(db, campaign, site_code: str) -> None:
    """A slot covering the whole of today in the browser's time zone (interval 2, random start 1)."""
    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=8)))
    site = db.scalar(select(Site).where(Site.campaign_id == campaign.id, Site.code == site_code))
    db.add(InterceptSlot(campaign_id=campaign.id, site_id=site.id, day=now.date(), start="00:00", end="24:00",
                         expected_visitors=100, interviews=10, interval=2, random_start=1))
    db.commit()


def _context(browser, screen: str = "tablet"):  # noqa: F811
    return browser.new_context(viewport=VIEWPORTS[screen], has_touch=True, locale="zh-CN", timezone_id=TIMEZONE)


def _watch(page) -> list[str]:
    """Collect script errors and Content-Security-Policy violations of ``page``."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    return errors


def _sign_in(page, live_url: str, username: str) -> None:
    page.goto(f"{live_url}/login?next=/field/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{live_url}/field/")


def _open_app(page, live_url: str | None = None) -> None:
    if live_url:
        page.goto(f"{live_url}/field/")
    page.wait_for_selector('body[data-ready="true"]')



def _interviewer_in_app(browser, live_url: str, db, name: str):  # noqa: F811
    """The window-rating campaign, an interviewer ``name`` signed in with the app open on a tablet:
    (username, context, page, collected page errors)."""
    window_campaign(db, modes=("online", "intercept"))
    user = make_user(db, Role.INTERVIEWER, name)
    context = _context(browser)
    page = context.new_page()
    errors = _watch(page)
    _sign_in(page, live_url, user)
    _open_app(page)
    return user, context, page, errors


def _wait_for_worker(page) -> None:
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15000)


def _unlabelled(page) -> list[str]:
    """Names of the visible form controls without a label (screen readers would announce nothing)."""
    return page.evaluate("""() => [...document.querySelectorAll("#view input, #view select, #view textarea")]
        .filter((e) => e.offsetParent !== null && e.labels.length === 0).map((e) => e.name || e.id)""")


def _pending(page) -> int:
    return int(page.get_attribute("#pending-count", "data-count"))


def _wait_pending(page, count: int) -> None:
    page.wait_for_function("(n) => document.querySelector('#pending-count').dataset.count === n", arg=str(count),
                           timeout=SYNC_TIMEOUT_MS)


def _intercept(page, site: str = "w1") -> None:
    page.select_option("#site-win", site)
    page.click('form[data-campaign="win"] button[type="submit"]')
    page.wait_for_selector('[data-view="intercept"]')


def _interview(page, overall: int, window_no: int) -> None:
    """One window-rating interview in intercept mode, from the intercept view to the saved view."""
    page.click('[data-action="start-interview"]')
    page.click('[data-action="agree"]')  # the privacy notice comes first
    page.wait_for_selector('form.interview[data-page="rating"]')
    page.select_option('select[name="site"]', "centre_main")
    page.fill('input[name="window_no"]', str(window_no))
    page.select_option('select[name="service_handled"]', "patent_fee")
    page.check(f'input[name="overall"][value="{overall}"]')
    page.check('input[name="efficiency"][value="4"]')
    assert "null" not in page.inner_text("#view")  # no empty value leaks into the page as text
    assert _unlabelled(page) == []
    page.click('[data-action="next"]')
    page.wait_for_selector('form.interview[data-page="end"]')
    page.click('[data-action="next"]')
    page.click('[data-action="finish"]')
    page.wait_for_selector('[data-view="saved"]')
    page.click('[data-action="another"]')
    page.wait_for_selector('[data-view="intercept"]')


EXPECTED = sorted([
    {"site": "centre_main", "window_no": n, "service_handled": "patent_fee", "overall": o, "efficiency": 4,
     "bad_rating": 0} for n, o in ((1, 5), (2, 4), (3, 3))], key=lambda a: a["window_no"])


def _eventually(db, probe, timeout: float = 20.0):
    """Poll the database until ``probe()`` returns something truthy (the outbox sends in the background)."""
    deadline = time.monotonic() + timeout
    while True:
        db.rollback()
        found = probe()
        if found or time.monotonic() > deadline:
            assert found, "the server never received it"
            return found
        time.sleep(0.1)


def _write(db, change) -> None:
    """Apply ``change`` and commit, retrying while the app's own requests hold SQLite's lock."""
    for attempt in range(50):
        try:
            change()
            db.commit()
            return
        except OperationalError:
            db.rollback()
            if attempt == 49:
                raise
            time.sleep(0.1)


def _stored(db) -> list[Response]:
    db.rollback()
    return db.scalars(select(Response).order_by(Response.id)).all()


def _offline_three(browser, live_url, db):  # noqa: F811
    """Sign in, let the worker take over, go offline, do three interviews, close; reopen offline."""
    campaign = window_campaign(db, modes=("online", "intercept"))
    campaign.targets = {"quotas": [{"variable": "service_handled", "code": "patent_fee", "target": 10}]}
    db.commit()
    user = make_user(db, Role.INTERVIEWER, "li")
    context = _context(browser)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(page, live_url, user)
    _open_app(page)
    _wait_for_worker(page)
    page.wait_for_selector("#site-win")
    context.set_offline(True)
    _intercept(page)
    quota = '[data-quota="service_handled=patent_fee"]'
    assert page.text_content(quota).startswith("service_handled=patent_fee：0 / 10")
    for window_no, overall in ((1, 5), (2, 4), (3, 3)):
        _interview(page, overall, window_no)
    assert _pending(page) == 3
    # the quota counts the completes waiting on the device
    assert "3 / 10" in page.text_content(quota)
    page.close()
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _open_app(page, live_url)  # still offline: served by the service worker, data from IndexedDB
    assert _pending(page) == 3
    assert page.get_attribute("#network", "data-online") == "false"
    assert _stored(db) == []
    return context, page, errors


def test_three_offline_interviews_survive_a_reload_and_arrive_once(browser, live_url, db):  # noqa: F811
    """Three interviews done offline are still pending after closing and reopening the page, and then reach the
    server once each, with the questionnaire version they were done with although a newer one came out meanwhile."""
    context, page, errors = _offline_three(browser, live_url, db)
    document = json.loads((REPO / "questionnaires" / "window_rating.json").read_text(encoding="utf-8"))
    document["version"] = "2026.2"
    old_version = db.scalar(select(Campaign.version_id))

    def publish() -> None:
        newer, _ = store_version(db, document)
        db.scalar(select(Campaign)).version_id = newer.id
    _write(db, publish)
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _wait_pending(page, 0)
    stored = _stored(db)
    assert len(stored) == 3
    assert sorted((dict(r.answers) for r in stored), key=lambda a: a["window_no"]) == EXPECTED
    assert {(r.status, r.mode, r.language) for r in stored} == {("complete", "intercept", "zh")}
    assert all(r.client_uuid for r in stored)
    assert all(r.paradata["planned_site"] == "w1" and r.paradata["pages"] for r in stored)
    assert {r.version_id for r in stored} == {old_version}
    context.close()
    assert errors == []


def test_a_network_break_in_the_middle_of_a_sync_loses_nothing_and_duplicates_nothing(
        browser, live_url, db, flaky):  # noqa: F811
    """The second upload is stored but its reply is lost, the third is refused once: still exactly three rows."""
    context, page, errors = _offline_three(browser, live_url, db)
    flaky.plan = {2: "lose_reply", 3: "refuse"}
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    _wait_pending(page, 0)
    stored = _stored(db)
    assert flaky.count >= 5  # three sends, the lost reply and the refusal resent
    assert len(stored) == 3
    assert len({r.client_uuid for r in stored}) == 3
    assert sorted((dict(r.answers) for r in stored), key=lambda a: a["window_no"]) == EXPECTED
    context.close()
    assert errors == []


@pytest.mark.parametrize("screen", sorted(VIEWPORTS))
def test_tally_and_visit_attempt_reach_the_server(browser, live_url, db, screen):  # noqa: F811
    """On a phone and a tablet: tally taps and a visit attempt with its disposition code are stored on the server."""
    campaign = window_campaign(db, modes=("online", "intercept", "household"))
    campaign.targets = {"max_attempts": 1}
    _today_slot(db, campaign, "w1")
    user = make_user(db, Role.INTERVIEWER, "wang")
    uid = db.scalar(select(User.id).where(User.username == user))
    unit = FieldUnit(campaign_id=campaign.id, unit_key="H-0012", label="朝阳路12号", kish_table="B1", interviewer_id=uid)
    db.add(unit)
    db.commit()
    context = _context(browser, screen)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(page, live_url, user)
    _open_app(page)
    page.wait_for_selector("#site-win")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    _intercept(page)
    assert page.get_attribute("[data-slot-status]", "data-slot-status") == "now"
    assert "null" not in page.inner_text("#view")
    for _ in range(3):
        page.click('[data-tally="passed"]')
    page.wait_for_selector('[data-since]:has-text("3 / 1")')  # the slot's random start: 1
    assert page.text_content(".approach")  # that visitor has passed: approach the next one
    page.click('[data-tally="refusal"]')
    page.wait_for_selector('[data-since]:has-text("0 / 2")')  # after an approach: every k = 2 visitors
    page.click('[data-tally="ineligible"]')
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    _eventually(db, lambda: db.scalar(select(InterceptTally).where(InterceptTally.passed == 3,
                                                                   InterceptTally.refusals == 1,
                                                                   InterceptTally.ineligible == 1)))
    _wait_pending(page, 0)

    page.click("text=返回首页")
    page.click('[data-assignment] button:first-of-type')
    page.wait_for_selector('[data-view="visit"]')
    assert "null" not in page.inner_text("#view")
    assert _unlabelled(page) == []
    page.select_option("#disposition", "2.24")
    page.fill("#attempt-note", "无人应门")
    page.click('[data-view="visit"] form button[type="submit"]')
    page.wait_for_selector('[data-view="visit"] [data-attempt-saved]')
    _wait_pending(page, 0)
    assert page.text_content("#problem-count") == ""
    assert page.locator("[data-max-attempts]").count() == 0
    page.reload()
    _open_app(page)
    page.click('[data-assignment] button:first-of-type')
    assert "1" in page.text_content("[data-max-attempts]")  # the campaign allows one attempt
    context.close()
    assert errors == []

    counts = {(t.passed, t.refusals, t.ineligible, t.slot_start) for t in db.scalars(select(InterceptTally))}
    assert (3, 1, 1, "00:00") in counts  # the latest cumulative count of the slot
    attempt = _eventually(db, lambda: db.scalar(select(VisitAttempt)))
    assert (attempt.disposition, attempt.note, attempt.unit_id) == ("2.24", "无人应门", unit.id)


def _small_example_campaign(db):
    """The format's complete example (every question type) in a household campaign."""
    path = REPO / "tests" / "instruments" / "fixtures" / "small_example.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    version, _ = store_version(db, document)
    campaign = create_campaign(db, slug="hh", name="Household check", version=version, modes=["household", "intercept"])
    db.commit()
    return campaign


def test_household_interview_with_kish_selection_every_question_type_and_a_correction(
        browser, live_url, db):  # noqa: F811
    """Roster → Kish table C picks adult 2 of 3 (p = 1/3); every question type is answered and accepted by the
    server with the selection stored; the interview returned by a supervisor is corrected on the device."""
    campaign = _small_example_campaign(db)
    user = make_user(db, Role.INTERVIEWER, "zhao")
    uid = db.scalar(select(User.id).where(User.username == user))
    unit = FieldUnit(campaign_id=campaign.id, unit_key="H-0007", label="光明街7号", kish_table="C", interviewer_id=uid)
    db.add(unit)
    db.commit()
    context = _context(browser, "phone")
    page = context.new_page()
    errors = _watch(page)
    _sign_in(page, live_url, user)
    _open_app(page)
    page.get_by_role("button", name="English").click()
    page.click(f'[data-assignment="{unit.id}"] button:has-text("Household roster")')
    page.fill("#eligible", "3")
    page.check('input[name="method"][value="kish"]')
    page.click('[data-view="roster"] form button[type="submit"]')
    assert page.get_attribute("[data-selected-member]", "data-selected-member") == "2"
    page.click('[data-view="roster"] button:has-text("Start interview")')
    page.click('[data-action="agree"]')

    page.wait_for_selector('form.interview[data-page="p_type"]')
    assert not page.is_visible('input[name="staff"]')  # asked of enterprises only
    page.check('input[name="rtype"][value="enterprise"]')
    page.wait_for_selector('input[name="staff"]', state="visible")
    page.fill('input[name="staff"]', "50")
    assert not page.is_visible('input[name="birth"]')
    page.click('[data-action="next"]')

    page.wait_for_selector('form.interview[data-page="p_where"]')
    page.select_option('select[name="province"]', "44")
    page.select_option('select[name="city"]', "4401")
    page.select_option('select[name="district"]', "440106")
    page.click('[data-action="next"]')

    page.wait_for_selector('form.interview[data-page="service"]')
    page.click('[data-action="next"]')  # nothing answered: the required questions say so
    assert page.locator('[data-error-for="used"]').is_visible()
    page.check('input[name="used"][value="patent"]')
    page.check('input[name="used"][value="other"]')
    page.fill('input[name="used/other"]', "版权登记")
    page.check('input[name="sat_patent"][value="4"]')
    for item, value in (("w_speed", 5), ("w_attitude", 4), ("w_repeat", 2)):
        page.check(f'input[name="{item}"][value="{value}"]')
    page.check('input[name="overall"][value="2"]')
    page.wait_for_selector('textarea[name="why_bad"]', state="visible")
    page.fill('textarea[name="why_bad"]', "要跑好几次")
    page.check('input[name="nps"][value="8"]')
    page.fill('input[name="wait"]', "300")
    page.fill('input[name="phone"]', "12345")
    assert not page.is_visible('select[name="channel"]')  # online only
    page.click('[data-action="next"]')
    assert "11-digit" in page.text_content('[data-error-for="phone"]')
    page.fill('input[name="phone"]', "13800138000")
    page.click('[data-action="next"]')
    page.wait_for_selector("dl.review")
    assert "Guangzhou" in page.text_content('[data-answer="region"]')
    page.click('[data-action="finish"]')
    page.wait_for_selector('[data-view="saved"]')

    stored = _eventually(db, lambda: db.scalar(select(Response)))
    assert stored.status == "complete", stored.review_reason
    assert stored.mode == "household" and stored.unit_id == unit.id and stored.language == "en"
    assert stored.selection == {"method": "kish:C", "eligible": 3, "member": 2, "probability": pytest.approx(1 / 3)}
    assert dict(stored.answers) == {
        "rtype": "enterprise", "staff": 50, "province": "44", "city": "4401", "district": "440106",
        "used": ["patent", "other"], "used/other": "版权登记", "sat_patent": 4, "w_speed": 5, "w_attitude": 4,
        "w_repeat": 2, "overall": 2, "why_bad": "要跑好几次", "nps": 8, "wait": 300}
    assert [p["page"] for p in stored.paradata["pages"]][-1] == "service"

    # A supervisor returns it; the interviewer corrects the overall rating on the device.
    _wait_pending(page, 0)  # the reply has arrived: the server is done writing

    def reject() -> None:
        row = db.get(Response, stored.id)
        row.status, row.review_reason = "rejected", "总体评价与分项不一致"
    _write(db, reject)
    page.goto(f"{live_url}/field/")
    _open_app(page)
    page.click(f'[data-returned="{stored.client_uuid}"] button')
    page.click('[data-action="next"]')
    page.click('[data-action="next"]')
    page.wait_for_selector('form.interview[data-page="service"]')
    assert page.is_checked('input[name="w_speed"][value="5"]')  # the stored answers are filled in
    page.check('input[name="overall"][value="4"]')
    page.wait_for_selector('textarea[name="why_bad"]', state="hidden")
    page.click('[data-action="next"]')
    # 300 minutes is accepted only with a bad rating (the questionnaire's constraint)
    assert "4 hours" in page.text_content('[data-error-for="wait"]')
    page.fill('input[name="wait"]', "45")
    page.click('[data-action="next"]')
    page.click('[data-action="finish"]')
    _eventually(db, lambda: db.scalar(select(Response).where(Response.status == "complete")))
    corrected = db.scalar(select(Response))
    assert corrected.answers["overall"] == 4 and corrected.answers["wait"] == 45 and "why_bad" not in corrected.answers
    context.close()
    assert errors == []


def test_an_expired_session_keeps_the_queue_until_the_interviewer_signs_in_again(browser, live_url, db):  # noqa: F811
    """Without a session the upload is refused: the interview stays queued, the app asks to sign in, and after
    signing in again it arrives once."""
    user, context, page, errors = _interviewer_in_app(browser, live_url, db, "chen")
    _wait_for_worker(page)
    _intercept(page)
    context.clear_cookies()  # the session ends (expired, or signed out elsewhere)
    _interview(page, 5, 1)
    page.wait_for_selector("#sign-in-again", state="visible")
    assert _pending(page) == 1
    assert _stored(db) == []
    page.click("#sign-in-again")
    page.fill('input[name="username"]', user)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url(f"{live_url}/field/")
    _open_app(page)
    _wait_pending(page, 0)
    assert [dict(r.answers)["window_no"] for r in _stored(db)] == [1]
    assert page.is_hidden("#sign-in-again")
    context.close()
    assert errors == []


def test_an_unfinished_interview_is_resumed_after_closing_the_page(browser, live_url, db):  # noqa: F811
    """Answers of an interview left half done (tab closed) come back with "resume", on the page it was left on."""
    user, context, page, errors = _interviewer_in_app(browser, live_url, db, "sun")
    _intercept(page)
    page.click('[data-action="start-interview"]')
    page.click('[data-action="agree"]')
    page.select_option('select[name="site"]', "citizen_hall")
    page.select_option('select[name="service_handled"]', "consultation")
    page.check('input[name="overall"][value="1"]')
    page.click('[data-action="next"]')
    page.wait_for_selector('form.interview[data-page="bad_rating_followup"]')
    saves = page.evaluate("Number(document.documentElement.dataset.draftSaves ?? 0)")
    page.check('input[name="bad_reasons"][value="slow"]')
    # the tick is written to IndexedDB asynchronously: close the tab once it is stored
    # (polled from here: wait_for_function evaluates a string, which the app's CSP forbids)
    for _ in range(200):
        if page.evaluate("Number(document.documentElement.dataset.draftSaves ?? 0)") > saves:
            break
        page.wait_for_timeout(25)
    page.close()
    page = context.new_page()
    errors += _watch(page)
    _open_app(page, live_url)
    page.click('[data-action="resume"]')
    page.wait_for_selector('form.interview[data-page="bad_rating_followup"]')
    assert page.is_checked('input[name="bad_reasons"][value="slow"]')
    page.click('[data-action="next"]')
    page.click('[data-action="next"]')
    page.click('[data-action="finish"]')
    page.wait_for_selector('[data-view="saved"]')
    stored = _eventually(db, lambda: db.scalar(select(Response)))
    assert dict(stored.answers) == {"site": "citizen_hall", "service_handled": "consultation", "overall": 1,
                                    "bad_rating": 1, "bad_reasons": ["slow"]}
    assert [p["page"] for p in stored.paradata["pages"]] == ["rating", "bad_rating_followup", "end"]
    context.close()
    assert errors == []


def test_refused_and_conflicting_uploads_stay_visible_with_the_servers_reason(browser, live_url, db):  # noqa: F811
    """An interview of an unknown questionnaire version is rejected (422) and one reusing a stored UUID with other
    answers conflicts (409): both stay on the device, listed with the server's message, never deleted."""
    user, context, page, errors = _interviewer_in_app(browser, live_url, db, "zhou")
    _intercept(page)
    _interview(page, 5, 1)
    first = _eventually(db, lambda: db.scalar(select(Response)))
    _wait_pending(page, 0)
    page.click("text=返回首页")
    page.evaluate("""async (uuid) => {
        const { STORES, putValue } = await import("/static/js/field/store.js");
        const { newItem } = await import("/static/js/field/queue_state.js");
        const body = (id, version, overall) => ({ uuid: id, campaign: "win", questionnaire_version: version, site: "w1",
            mode: "intercept", language: "zh",
            answers: { site: "centre_main", service_handled: "consultation", overall },
            paradata: {}, assignment: null, selection: null, device_time: new Date().toISOString() });
        const hash = (await (await fetch("/field/api/bootstrap")).json()).campaigns[0].version;
        await putValue(STORES.outbox, newItem("interview", "11111111-2222-4333-8444-555555555555",
                                              body("11111111-2222-4333-8444-555555555555", "0".repeat(64), 4)));
        await putValue(STORES.outbox, newItem("interview", uuid, body(uuid, hash, 1)));
    }""", first.client_uuid)
    page.click("#sync-now")
    page.wait_for_selector(".problems-rejected [data-item]")
    page.wait_for_selector(".problems-conflict [data-item]")
    assert "questionnaire version" in page.text_content(".problems-rejected")
    assert "UUID" in page.text_content(".problems-conflict")
    assert _pending(page) == 0
    assert len(_stored(db)) == 1
    page.reload()
    _open_app(page)
    assert page.locator(".problems-rejected [data-item], .problems-conflict [data-item]").count() == 2
    context.close()
    assert errors == []
