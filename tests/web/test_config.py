"""Settings: declared once, each documented in docs/web.md, read in the documented order."""

from __future__ import annotations

from pathlib import Path

from survey_engine.web import config, create_app

DOC = Path(__file__).resolve().parents[2] / "docs" / "web.md"


def test_every_setting_is_documented():
    """Each declared setting has a row in the settings table of docs/web.md, and has help text."""
    text = DOC.read_text(encoding="utf-8")
    for setting in config.SETTINGS:
        assert f"| `{setting.name}` |" in text, setting.name
        assert len(setting.help) > 15, setting.name


def test_environment_overrides_defaults_and_test_config_overrides_environment(tmp_path, monkeypatch):
    """SURVEY_ENGINE_* variables are parsed to the setting's type; the test config wins."""
    monkeypatch.setenv("SURVEY_ENGINE_SQLITE_BUSY_TIMEOUT_MS", "1234")
    monkeypatch.setenv("SURVEY_ENGINE_SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    (tmp_path / "config.py").write_text("DEFAULT_LANGUAGE = 'en'\nPUBLIC_SUBMIT_LIMIT = '5 per hour'\n")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "PUBLIC_SUBMIT_LIMIT": "7 per hour"})
    try:
        assert app.config["SQLITE_BUSY_TIMEOUT_MS"] == 1234
        assert app.config["SESSION_COOKIE_SECURE"] is True
        assert app.config["DEFAULT_LANGUAGE"] == "en"
        assert app.config["PUBLIC_SUBMIT_LIMIT"] == "7 per hour"
        assert str(app.extensions["survey_engine.db"].engine.url).endswith("env.db")
        assert (tmp_path / "secret_key").read_text() == app.config["SECRET_KEY"]
    finally:
        app.extensions["survey_engine.db"].engine.dispose()


def test_postgresql_urls_use_psycopg_3():
    """Plain postgresql:// and postgres:// URLs are mapped to the psycopg 3 driver."""
    from survey_engine.store import normalise_url

    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_behind_a_proxy_the_forwarded_client_address_is_used(tmp_path):
    """With PROXY_FIX_X_FOR = 1 the client address comes from X-Forwarded-For (per-IP rate limits)."""
    from flask import request

    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "t", "PROXY_FIX_X_FOR": 1})
    app.add_url_rule("/whoami", "whoami", lambda: request.remote_addr)
    try:
        reply = app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.7"})
        assert reply.get_data(as_text=True) == "203.0.113.7"
    finally:
        app.extensions["survey_engine.db"].engine.dispose()
