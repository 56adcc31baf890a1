"""Online answering through public and invitation links, page by page, without JavaScript."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from survey_engine.store.drafts import create_invitation
from survey_engine.store.models import Campaign, Response
from tests.web.helpers import window_campaign


@pytest.fixture
def campaign(db):
    return window_campaign(db)


def _location(reply) -> str:
    assert reply.status_code in (302, 303), reply.get_data(as_text=True)[:500]
    return reply.headers["Location"]


def _to_review(client, url: str) -> str:
    """Pass the closing note page ('end') to reach the review step."""
    if url.endswith("/page/end"):
        url = _location(client.post(url, data={"action": "next"}))
    return url


def _start(client, url="/s/win/w1?lang=en"):
    return _location(client.post(url, data={}))


def _answer_good(client, page_url) -> str:
    """Answer the rating page well; returns the review URL."""
    page = client.get(page_url)
    assert page.status_code == 200
    return _to_review(client, _location(client.post(page_url, data={
        "service_handled": "patent_fee", "overall": "5", "efficiency": "4", "service_level": "5",
        "staff_attitude": "3", "action": "next"})))


def test_public_link_answered_to_the_end_stores_one_complete_response(client, db, campaign):
    """Start, answer the rating page, review and submit: exactly one complete response with typed answers."""
    page_url = _start(client)
    review_url = _answer_good(client, page_url)
    assert review_url.endswith("/review")
    review = client.get(review_url).get_data(as_text=True)
    assert "Very satisfied" in review
    assert "window number" not in review.lower()  # an interviewer-only question is not listed online
    done = _location(client.post(review_url, data={}))
    assert "Thank you" in client.get(done).get_data(as_text=True)
    stored = db.scalars(select(Response)).all()
    assert len(stored) == 1
    assert stored[0].status == "complete" and stored[0].site.code == "w1" and stored[0].mode == "online"
    assert stored[0].answers == {"service_handled": "patent_fee", "overall": 5, "efficiency": 4, "service_level": 5,
                                 "staff_attitude": 3, "bad_rating": 0}


def test_bad_rating_leads_to_the_follow_up_page_and_its_required_answers(client, db, campaign):
    """A rating of 1 opens the follow-up page; leaving reasons empty shows the message on that page."""
    page_url = _start(client)
    follow_up = _location(client.post(page_url, data={"service_handled": "complaint", "overall": "1",
                                                      "action": "next"}))
    assert follow_up.endswith("/page/bad_rating_followup")
    missing = client.post(follow_up, data={"action": "next"})
    assert missing.status_code == 400
    assert "This question needs an answer." in missing.get_data(as_text=True)
    review = _to_review(client, _location(client.post(follow_up, data={
        "bad_reasons": ["slow", "other"], "bad_reasons/other": "queue", "followup_consent": "yes",
        "phone": "13800138000", "action": "next"})))
    assert review.endswith("/review")
    client.post(review, data={})
    stored = db.scalar(select(Response))
    assert stored.answers["bad_reasons"] == ["slow", "other"]
    assert stored.answers["bad_reasons/other"] == "queue"
    assert stored.answers["bad_rating"] == 1


def test_back_keeps_answers_and_changes_are_rechecked(client, db, campaign):
    """Going back from the follow-up page shows the earlier answers; a better rating skips the follow-up."""
    page_url = _start(client)
    follow_up = _location(client.post(page_url, data={"service_handled": "complaint", "overall": "2",
                                                      "action": "next"}))
    back = _location(client.post(follow_up, data={"action": "back"}))
    assert back.endswith("/page/rating")
    html = client.get(back).get_data(as_text=True)
    assert re.search(r'value="2"[^>]*checked|checked[^>]*value="2"', html)
    review = _to_review(client, _location(client.post(back, data={"service_handled": "complaint", "overall": "4",
                                                                  "action": "next"})))
    assert review.endswith("/review")


def test_progress_language_switch_and_accessible_markup(client, campaign):
    """A page shows progress, fieldsets with legends, labelled inputs, and switches to Chinese."""
    page_url = _start(client)
    html = client.get(page_url).get_data(as_text=True)
    assert "Page 1 of" in html and "<fieldset>" in html and "<legend>" in html
    assert 'name="viewport"' in html and 'lang="en"' in html
    chinese = client.get(page_url + "?lang=zh").get_data(as_text=True)
    assert "非常满意" in chinese and "下一页" in chinese


def test_unknown_and_closed_campaigns_show_clear_pages(client, db, campaign):
    """An unknown campaign or site is a 404 page; a closed campaign says it is closed."""
    assert client.get("/s/nope").status_code == 404
    assert client.get("/s/win/w9").status_code == 404
    db.scalar(select(Campaign)).status = "closed"
    db.commit()
    reply = client.get("/s/win?lang=en")
    assert reply.status_code == 200 and "closed" in reply.get_data(as_text=True)


def test_invitation_is_single_use_and_can_be_resumed(client, db, campaign):
    """An invitation resumes its draft; after submitting, the link shows 'already answered'."""
    _, token = create_invitation(db, db.scalar(select(Campaign)), contact={"name": "张三", "phone": "13800000000"})
    db.commit()
    page_url = _location(client.post(f"/i/{token}?lang=en", data={}))
    client.post(page_url, data={"service_handled": "patent_fee", "overall": "4", "action": "save"})
    with client.session_transaction() as session:
        session.clear()  # another visit, later
    resumed = _location(client.get(f"/i/{token}"))
    review = _answer_good(client, resumed)
    client.post(review, data={})
    again = client.get(f"/i/{token}?lang=en")
    assert again.status_code == 200 and "already" in again.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Response)) == 1
    assert client.get("/i/not-a-token").status_code == 404


def test_drafts_belong_to_their_browser(client, app, campaign):
    """Another browser cannot open someone else's draft."""
    page_url = _start(client)
    assert app.test_client().get(page_url).status_code == 403


def test_repeat_on_a_public_link_is_flagged_not_dropped(client, db, campaign):
    """A second answer from the same browser is stored and marked as a suspected repeat."""
    for _ in range(2):
        review = _answer_good(client, _start(client))
        client.post(review, data={})
    flags = db.scalars(select(Response.repeat_suspected).order_by(Response.id)).all()
    assert flags == [False, True]


def test_public_submissions_are_rate_limited_per_ip(app, client, db, campaign):
    """Past the per-IP limit, completing is refused with a friendly 429 page and nothing stored."""
    app.config["RATELIMIT_ENABLED"] = True
    app.config["PUBLIC_SUBMIT_LIMIT"] = "2 per hour"
    from survey_engine.web.extensions import limiter

    limiter.init_app(app)  # re-read the settings changed above
    codes = []
    for _ in range(3):
        review = _answer_good(client, _start(client))
        codes.append(client.post(review, data={}).status_code)
    assert codes == [302, 302, 429]
    assert db.scalar(select(func.count()).select_from(Response).where(Response.status == "complete")) == 2


def test_pages_carry_the_skip_logic_contract(client, campaign):
    """Question containers carry their answer id, type and relevance for the browser's live skip logic."""
    page_url = _start(client)
    follow_up = _location(client.post(page_url, data={"service_handled": "complaint", "overall": "2",
                                                      "action": "next"}))
    html = client.get(follow_up).get_data(as_text=True)
    assert "data-skip-logic" in html and 'data-answers="{&#34;service_handled&#34;' in html
    assert 'data-answer-id="phone" data-type="text" data-relevance="{followup_consent} = &#39;yes&#39;"' in html


def test_nul_characters_in_forms_are_refused(client, campaign):
    """A form post with a NUL character is a 400 page, not a database error."""
    page_url = _start(client)
    reply = client.post(page_url, data={"service_handled": "patent_fee\x00", "overall": "4", "action": "next"})
    assert reply.status_code == 400 and "Traceback" not in reply.get_data(as_text=True)


def test_consent_is_required_before_starting_when_the_notice_asks_for_it(client, db):
    """The satisfaction survey asks for consent: starting without it is refused with a message."""
    import json as jsonlib

    from survey_engine.store.catalog import create_campaign, store_version
    from tests.web.helpers import REPO

    document = jsonlib.loads((REPO / "questionnaires" / "ip_service_satisfaction.json").read_text(encoding="utf-8"))
    version, _ = store_version(db, document)
    create_campaign(db, slug="sat", name="Satisfaction 2026", version=version, modes=["online"])
    db.commit()
    landing = client.get("/s/sat?lang=en").get_data(as_text=True)
    assert 'name="consent"' in landing
    refused = client.post("/s/sat?lang=en", data={})
    assert refused.status_code == 400 and "agree to the notice" in refused.get_data(as_text=True)
    assert "/page/" in _location(client.post("/s/sat?lang=en", data={"consent": "yes"}))
