"""The authorisation matrix: every route of the app's URL map × every kind of visitor, from one policy table.

Visitors: anonymous, a public respondent (a browser that started answering a public link), a token
respondent (a browser that opened a personal invitation), and the four staff roles.  A route
missing from ``POLICY`` fails the test, so a new route must be given a policy here first.

"Admin of another campaign" is not a visitor here: the app has no campaign-scoped roles today
(an admin, supervisor or analyst sees every campaign), so there is nothing to test until roles
are scoped to campaigns.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from survey_engine.store.drafts import create_invitation
from survey_engine.store.models import Campaign
from tests.security.policy import DEVICE, OWNER, POLICY, PUBLIC, STAFF, fill
from tests.security.world import World, build_world, sign_in

VISITORS = ("anonymous", "public respondent", "token respondent", "interviewer", "supervisor", "analyst", "admin")


def test_every_route_and_method_of_the_app_has_a_policy(app):
    """The URL map and the policy table list the same rules and methods: a new route fails here until added."""
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        routes.setdefault(rule.rule, set()).update(set(rule.methods) - {"HEAD", "OPTIONS"})
    assert set(routes) == set(POLICY), (set(routes) ^ set(POLICY))
    for rule, methods in routes.items():
        assert methods == set(POLICY[rule][1]), rule


def _visitor(app, db, world: World, who: str):
    """A test client acting as ``who``, and the uuid of the public respondent's own draft."""
    owner = app.test_client()
    draft = owner.post("/s/win/w1", data={}).headers["Location"].split("/")[2]
    if who == "public respondent":
        return owner, draft
    client = app.test_client()
    if who == "token respondent":
        _, token = create_invitation(db, db.scalar(select(Campaign).where(Campaign.slug == "win")), contact=None)
        db.commit()
        assert client.post(f"/i/{token}", data={}).status_code == 302
    elif who != "anonymous":
        sign_in(client, who)
    return client, draft


def _send(client, method: str, url: str):
    if method == "POST" and "/api/" in url:
        reply = client.post(url, json={})
    elif method == "POST":
        reply = client.post(url, data={"units": (io.BytesIO(b""), "u.csv")} if url.endswith("/import") else {})
    else:
        reply = client.open(url, method=method)
    reply.get_data()
    reply.close()  # file responses (static, manifest) hold their file open until closed
    return reply


def _allowed(reply) -> bool:
    location = reply.headers.get("Location", "")
    return reply.status_code < 500 and reply.status_code not in (401, 403) and "/login?" not in location


def _expect(policy: object, who: str, reply, url: str) -> str | None:
    """What is wrong with ``reply`` for ``who`` under ``policy`` (None when it is as the policy says)."""
    staff = who in STAFF
    if reply.status_code >= 500:
        return f"server error {reply.status_code}"
    if policy == PUBLIC:
        ok = _allowed(reply)
    elif policy == OWNER:
        ok = _allowed(reply) if who == "public respondent" else reply.status_code == 403
    elif policy == DEVICE:
        ok = reply.status_code == 401
    elif who in policy:  # type: ignore[operator]
        ok = _allowed(reply)
    elif staff:
        ok = reply.status_code == 403
    elif "/api/" in url:
        ok = reply.status_code == 401
    else:
        ok = reply.status_code == 302 and "/login?" in reply.headers["Location"]
    return None if ok else f"{reply.status_code} {reply.headers.get('Location', '')}"


@pytest.mark.filterwarnings("ignore:Tight layout not applied:UserWarning")
@pytest.mark.parametrize("who", VISITORS)
def test_each_visitor_gets_exactly_what_the_policy_allows(app, db, who):
    """Allowed: a page or a 4xx about the input (never 401/403/5xx or the login page); refused: 403 for
    staff, the login page or 401 for everyone else; respondents' drafts only for their own browser."""
    world = build_world(app, db)
    client, draft = _visitor(app, db, world, who)
    wrong = {}
    ordered = sorted(POLICY.items(), key=lambda item: item[0] == "/logout")  # signing out comes last
    for rule, (url, methods) in ordered:
        for method, policy in methods.items():
            target = fill(url, world, draft)
            problem = _expect(policy, who, _send(client, method, target), target)
            if problem:
                wrong[f"{method} {target}"] = problem
    assert wrong == {}


def test_device_routes_answer_a_device_token_and_nothing_else(app, db):
    """The API's routes work with a bearer device token; a wrong token is 401 like no token."""
    world = build_world(app, db)
    client = app.test_client()
    good = {"Authorization": f"Bearer {world.device_token}"}
    for rule, (url, methods) in POLICY.items():
        if methods.get("GET") != DEVICE:
            continue
        target = fill(url, world, "")
        assert client.get(target, headers=good).status_code == 200, target
        assert client.get(target, headers={"Authorization": "Bearer x" + world.device_token}).status_code == 401
        assert client.get(target, headers={"Authorization": world.device_token}).status_code == 401


def test_a_token_respondent_reaches_only_their_own_answer(app, db):
    """The invitation's browser answers its own draft; the public respondent's draft is refused (403)."""
    world = build_world(app, db)
    invited = app.test_client()
    own = invited.post(f"/i/{world.invitation_token}", data={}).headers["Location"]
    assert invited.get(own).status_code == 200
    stranger = app.test_client()
    assert stranger.get(own).status_code == 403
    assert stranger.get(f"/i/{world.invitation_token}").status_code == 302  # the link itself resumes: a bearer token
