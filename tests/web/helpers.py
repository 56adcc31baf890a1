"""Small builders shared by the web tests (kept out of conftest so tests can import them)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session

from survey_engine.store.accounts import create_device, create_user
from survey_engine.store.catalog import add_site, create_campaign, store_version
from survey_engine.store.models import Campaign, Role

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"


def window_campaign(db: Session, slug: str = "win", modes: tuple[str, ...] = ("online", "intercept")) -> Campaign:
    """The bundled window-rating questionnaire in a campaign with two sites (w1, w2)."""
    document = json.loads((REPO / "questionnaires" / "window_rating.json").read_text(encoding="utf-8"))
    version, _ = store_version(db, document)
    campaign = create_campaign(db, slug=slug, name="Window rating 2026", version=version, modes=list(modes))
    add_site(db, campaign, code="w1", name="Window 1 / 一号窗口")
    add_site(db, campaign, code="w2", name="Window 2 / 二号窗口")
    db.commit()
    return campaign


def device_token(db: Session, role: Role = Role.INTERVIEWER) -> str:
    user = create_user(db, f"tablet-{role.value}", PASSWORD, role)
    _, token = create_device(db, "tablet 1", user=user)
    db.commit()
    return token


def make_user(db: Session, role: Role, name: str | None = None) -> str:
    username = name or f"user-{role.value}"
    create_user(db, username, PASSWORD, role)
    db.commit()
    return username


def login(client, username: str, password: str = PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


@contextmanager
def served(app) -> Iterator[str]:
    """``app`` served over HTTP (threaded werkzeug) on a free loopback port; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
