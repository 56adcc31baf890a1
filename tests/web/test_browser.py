"""A real browser (Debian's Chromium driven by Playwright) answers the window rating from its QR code.

On a phone-size and a tablet-size screen: decode the PNG the admin page makes, open that link,
answer including the branch after a bad rating (live skip logic shows the phone question only
after consent), submit, and find exactly one stored response with the right answers.
Skipped on a developer machine without Chromium; under CI (CI=true) a missing browser fails.
"""

from __future__ import annotations

import os
import shutil
import struct
import zlib

import numpy as np
import pytest
from sqlalchemy import select

from survey_engine.store.models import Response, ResponsePersonal, Role
from tests.web.helpers import login, make_user, window_campaign

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
VIEWPORTS = {"phone": {"width": 360, "height": 740}, "tablet": {"width": 800, "height": 1280}}


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing; .ci/run installs it (apt-get install -y chromium; pip install -e '.[test]')")
    pytest.skip(f"{what} is not installed")


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright")
    executable = shutil.which("chromium")
    if executable is None:
        _missing("Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=FLAGS, headless=True)
        yield launched
        launched.close()


def decode_png_qr(data: bytes) -> str:
    """Read the app's 8-bit greyscale PNG (filter 0 rows) and decode its QR code with zxing-cpp."""
    try:
        import zxingcpp
    except ImportError:
        _missing("zxing-cpp")
    position, idat, width, height = 8, b"", 0, 0
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind, body = data[position + 4:position + 8], data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        position += 12 + length
    pixels = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, width + 1)[:, 1:]
    found = zxingcpp.read_barcodes(np.ascontiguousarray(pixels))
    assert len(found) == 1
    return found[0].text


@pytest.mark.parametrize("screen", sorted(VIEWPORTS))
def test_answering_the_window_rating_from_its_qr_code(app, client, db, browser, live_url, screen):
    """Scan, answer a bad rating with its follow-up in a real browser, submit: one correct stored response."""
    window_campaign(db)
    app.config["PUBLIC_BASE_URL"] = live_url
    login(client, make_user(db, Role.SUPERVISOR))
    link = decode_png_qr(client.get("/admin/campaigns/win/qr.png?site=w1").data)
    assert link == f"{live_url}/s/win/w1"

    context = browser.new_context(viewport=VIEWPORTS[screen], has_touch=True, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(link)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("link", name="English").click()
    page.get_by_role("button", name="Start").click()

    page.select_option('select[name="service_handled"]', "patent_fee")
    page.check('input[name="overall"][value="1"]')
    page.check('input[name="efficiency"][value="2"]')
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("button", name="Next").click()

    assert "/page/bad_rating_followup" in page.url
    page.check('input[name="bad_reasons"][value="long_wait"]')
    page.check('input[name="bad_reasons"][value="attitude"]')
    page.fill('textarea[name="bad_comment"]', "窗口排队一个多小时")
    phone = page.locator('input[name="phone"]')
    assert not phone.is_visible()  # live skip logic: asked only after consent
    page.check('input[name="followup_consent"][value="yes"]')
    phone.wait_for(state="visible")
    phone.fill("13800138000")
    page.get_by_role("button", name="Next").click()
    while "/review" not in page.url:
        page.get_by_role("button", name="Next").click()

    assert "Very dissatisfied" in page.content()
    page.get_by_role("button", name="Submit").click()
    assert "Thank you" in page.content()
    context.close()
    assert errors == []

    db.rollback()
    stored = db.scalars(select(Response)).all()
    assert len(stored) == 1
    assert stored[0].status == "complete" and stored[0].site.code == "w1" and stored[0].language == "en"
    assert {k: v for k, v in stored[0].answers.items()} == {
        "service_handled": "patent_fee", "overall": 1, "efficiency": 2, "bad_rating": 1,
        "bad_reasons": ["long_wait", "attitude"], "bad_comment": "窗口排队一个多小时",
        "followup_consent": "yes"}
    # the phone number is personal data: stored apart from the answers (PIPL)
    assert db.scalar(select(ResponsePersonal.answers).where(ResponsePersonal.response_id == stored[0].id)) == {
        "phone": "13800138000"}
