"""Fault test 4: a personal invitation link answers once, however many browsers use it at once.

50 rounds; in each, 10 browsers (own cookies, real HTTP, threaded server) open the same
invitation link together, answer the rating page and submit the review together.  Exactly
one completed response may come out of each token.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from http.cookies import SimpleCookie

import pytest
from sqlalchemy import func, select

from survey_engine.store.drafts import create_invitation
from survey_engine.store.models import Invitation, Response
from tests.reliability.harness import Reply, request, served_in_thread
from tests.web.helpers import window_campaign

ROUNDS = 50
BROWSERS = 10
GOOD_FORM = {"service_handled": "patent_fee", "overall": "5", "efficiency": "4", "service_level": "5",
             "staff_attitude": "3", "action": "next"}


class Browser:
    """Follows nothing by itself; keeps its cookies."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}

    def _send(self, method: str, path: str, form: dict | None = None) -> Reply:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        reply = request(self.base, method, path, body=body, headers=headers)
        if "set-cookie" in reply.headers:
            jar = SimpleCookie()
            jar.load(reply.headers["set-cookie"])
            self.cookies.update({name: morsel.value for name, morsel in jar.items()})
        return reply

    def post(self, path: str, form: dict | None = None) -> Reply:
        """POST; a 503 (database busy, Retry-After) is retried as a person would press the button again."""
        for _ in range(20):
            reply = self._send("POST", path, form or {})
            if reply.status != 503:
                return reply
            assert "retry-after" in reply.headers
            time.sleep(0.1)
        return reply


def _path(reply: Reply) -> str | None:
    location = reply.headers.get("location")
    return urllib.parse.urlsplit(location).path if location and reply.status in (302, 303) else None


def _one_browser(base: str, token: str, start: threading.Barrier, submit: threading.Barrier,
                 outcomes: list[str], lock: threading.Lock) -> None:
    browser = Browser(base)
    start.wait()
    page = _path(browser.post(f"/i/{token}?lang=en"))
    review = None
    if page is not None and "/page/" in page:
        after = _path(browser.post(page, GOOD_FORM))
        if after is not None and after.endswith("/page/end"):
            after = _path(browser.post(after, {"action": "next"}))
        review = after if after is not None and after.endswith("/review") else None
    submit.wait()
    if review is None:
        outcome = "no review"
    else:
        reply = browser.post(review)
        outcome = "submitted" if (_path(reply) or "").endswith("/done") else f"refused {reply.status}"
    with lock:
        outcomes.append(outcome)


def test_one_invitation_token_used_by_ten_browsers_at_once_completes_once(app, db):
    """50 rounds × 10 simultaneous browsers on one token: exactly one completed response per token."""
    campaign = window_campaign(db)
    tokens = [create_invitation(db, campaign)[1] for _ in range(ROUNDS)]
    db.commit()
    completes_per_round: list[int] = []
    server_errors: list[str] = []
    with served_in_thread(app) as base:
        for token in tokens:
            before = db.scalar(select(func.count()).select_from(Response).where(Response.status == "complete"))
            db.rollback()
            outcomes: list[str] = []
            lock = threading.Lock()
            start, submit = threading.Barrier(BROWSERS), threading.Barrier(BROWSERS)
            threads = [threading.Thread(target=_one_browser, args=(base, token, start, submit, outcomes, lock))
                       for _ in range(BROWSERS)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            after = db.scalar(select(func.count()).select_from(Response).where(Response.status == "complete"))
            db.rollback()
            completes_per_round.append(after - before)
            server_errors.extend(o for o in outcomes if o.startswith("refused 5"))
    assert server_errors == []
    assert all(c == 1 for c in completes_per_round), completes_per_round
    assert db.scalar(select(func.count()).select_from(Invitation).where(Invitation.status == "completed")) == ROUNDS
