"""Open redirects: the ``next`` of the login page and of supervision actions never leaves this site."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest

from survey_engine.store.models import Response

from tests.security.world import build_world
from tests.web.helpers import PASSWORD

EVIL = [
    "//evil.example/x", "https://evil.example/x", "http:evil.example", "/\\evil.example", "\\\\evil.example",
    "/\\/evil.example", "/%09/evil.example", "/\t/evil.example", "/\n/evil.example", "/ /evil.example",
    "javascript:alert(1)", "//evil.example@survey.test", "https:/evil.example", "/.//evil.example",
    "\x00//evil.example", "%2F%2Fevil.example", "/%5Cevil.example", "///evil.example", " //evil.example",
    "data:text/html,<script>alert(1)</script>",
]


def _browser_target(location: str) -> tuple[str, str]:
    """Where a browser goes for ``location`` (tabs and newlines dropped, backslashes read as slashes)."""
    cleaned = location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/").strip()
    target = urlsplit(urljoin("http://survey.test/login", cleaned))
    return target.scheme, target.netloc


@pytest.mark.parametrize("target", EVIL)
def test_login_next_stays_on_this_site(app, db, target):
    """Whatever ``next`` says, the browser lands on this host after signing in."""
    _admin(db)
    client = app.test_client()
    reply = client.post("/login", query_string={"next": target}, data={"username": "admin", "password": PASSWORD})
    if "\x00" in target:
        assert reply.status_code == 400  # NUL characters are refused before any view runs
        return
    assert reply.status_code == 302
    assert _browser_target(reply.headers["Location"]) == ("http", "survey.test"), reply.headers["Location"]


def test_a_same_site_next_is_kept(app, db):
    """A plain path on this site is where sign-in leads."""
    _admin(db)
    reply = app.test_client().post("/login?next=/supervise/win/queue%3Fstatus%3Dcomplete",
                                   data={"username": "admin", "password": PASSWORD})
    assert reply.headers["Location"] == "/supervise/win/queue?status=complete"


def test_supervision_actions_go_back_only_to_supervision_pages(app, db):
    """The hidden ``next`` of review forms cannot send the supervisor elsewhere."""
    world = build_world(app, db)
    client = app.test_client()
    client.post("/login", data={"username": "supervisor", "password": PASSWORD})
    for target in [*EVIL[:10], "/supervise/\\evil.example", "/supervise//evil.example"]:
        db.rollback()
        version = db.get(Response, world.responses["ann"]).row_version
        reply = client.post(f"/supervise/responses/{world.responses['ann']}/backcheck",
                            data={"row_version": str(version), "flagged": "1", "next": target})
        assert reply.status_code == 302, (target, reply.status_code)
        assert _browser_target(reply.headers["Location"]) == ("http", "survey.test"), target


def _admin(db) -> None:
    from survey_engine.store.accounts import create_user
    from survey_engine.store.models import Role

    create_user(db, "admin", PASSWORD, Role.ADMIN)
    db.commit()
