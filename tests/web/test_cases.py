"""The 好差评 board and case pages: overdue cases counted, steps worked through pages, the rater's link."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from survey_engine.store.models import RatingCase, Role
from tests.store.test_cases import CHINA, _rate
from tests.web.helpers import login, make_user, window_campaign


def _seed(app, db):
    campaign = window_campaign(db)
    long_ago = dt.datetime(2026, 1, 5, 9, 0, tzinfo=CHINA)
    _rate(app, campaign, 1, long_ago, "00000000-0000-4000-8000-000000000001")
    _rate(app, campaign, 5, long_ago, "00000000-0000-4000-8000-000000000002")
    _rate(app, campaign, 2, dt.datetime.now(dt.UTC), "00000000-0000-4000-8000-000000000003")
    return campaign


def test_the_board_opens_cases_and_counts_the_overdue_ones(app, client, db):
    _seed(app, db)
    login(client, make_user(db, Role.ANALYST))
    html = client.get("/cases/?campaign=win").get_data(as_text=True)
    assert "2 new case(s) opened" in html
    assert re.search(r"overdue 已超期: <strong class=\"overdue\">1</strong>", html)
    assert "satisfaction_rate" in html and "bad_rating_rate" in html  # rates by site with CIs
    assert client.get("/cases/?campaign=nope").status_code == 404


def test_a_case_is_worked_through_and_the_rater_rates_again(app, client, db):
    _seed(app, db)
    login(client, make_user(db, Role.SUPERVISOR))
    client.get("/cases/")
    case_id = db.scalars(select(RatingCase.id).order_by(RatingCase.id)).first()
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    verified = client.post(f"/cases/{case_id}", data={"version": version, "founded": "yes",
                                                       "note": "<script>alert(1)</script> 排队过长"})
    assert verified.status_code == 200 and "&lt;script&gt;" in verified.get_data(as_text=True)
    stale = client.post(f"/cases/{case_id}", data={"version": version, "action": "late"})
    assert stale.status_code == 409 and "changed since" in stale.get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', verified.get_data(as_text=True)).group(1)
    rectified = client.post(f"/cases/{case_id}", data={"version": version, "action": "增开窗口"})
    version = re.search(r'name="version" type="hidden" value="(\d+)"', rectified.get_data(as_text=True)).group(1)
    replied = client.post(f"/cases/{case_id}", data={"version": version, "text": "已增开窗口，欢迎再评价"})
    html = replied.get_data(as_text=True)
    link = re.search(r"http://survey\.test(/rate-again/[A-Za-z0-9_-]+)", html).group(1)
    assert "data:image/svg+xml;base64," in html
    client.post("/logout")
    assert "已增开窗口" in client.get(link).get_data(as_text=True)
    assert "感谢" in client.post(link, data={"rating": "4"}).get_data(as_text=True)
    assert "已评价" in client.get(link).get_data(as_text=True)
    assert client.get("/rate-again/not-a-token").status_code == 404
    db.rollback()
    assert db.get(RatingCase, case_id).rerating == 4


def test_analysts_look_but_cannot_act(app, client, db):
    _seed(app, db)
    login(client, make_user(db, Role.ANALYST))
    client.get("/cases/")
    case_id = db.scalars(select(RatingCase.id)).first()
    reply = client.post(f"/cases/{case_id}", data={"version": "1", "founded": "yes", "note": "x"})
    assert reply.status_code == 403
