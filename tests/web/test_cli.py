"""``survey-engine db upgrade``, ``serve``, ``qr``, ``user add`` and ``device add``."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import func, select

from survey_engine.cli import cli
from survey_engine.store import make_engine
from survey_engine.store.migrate import current_revision, head_revision
from survey_engine.store.models import Campaign, InterceptSlot, QuestionnaireVersion, Response, User


@pytest.fixture
def cli_runner() -> CliRunner:
    return CliRunner()


def _count(url: str, model) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(model)).scalar_one()
    finally:
        engine.dispose()


def test_db_upgrade_creates_the_schema_in_the_instance_folder(cli_runner, tmp_path):
    """A fresh instance folder gets a SQLite database at the newest revision."""
    result = cli_runner.invoke(cli, ["db", "upgrade", "--instance", str(tmp_path)])
    assert result.exit_code == 0, result.output
    engine = make_engine(f"sqlite:///{tmp_path / 'survey_engine.db'}")
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_db_upgrade_on_a_migrated_database_is_a_no_op(cli_runner, database_url, tmp_path):
    """Running the upgrade twice leaves the database at head (SQLite and PostgreSQL)."""
    for _ in range(2):
        result = cli_runner.invoke(cli, ["db", "upgrade", "--instance", str(tmp_path), "--database-url", database_url])
        assert result.exit_code == 0, result.output
        assert f"revision {head_revision()}" in result.output


def test_serve_demo_loads_questionnaires_admin_and_sample_responses(cli_runner, database_url, tmp_path, monkeypatch):
    """``serve --demo`` prints where to sign in with a one-time password, then starts the server once."""
    started = []
    monkeypatch.setattr(Flask, "run", lambda self, **kw: started.append(kw))
    args = ["serve", "--demo", "--port", "5099", "--instance", str(tmp_path), "--database-url", database_url]
    result = cli_runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert started == [{"host": "127.0.0.1", "port": 5099, "debug": False, "use_reloader": False}]
    assert "http://localhost:5099/login" in result.output
    assert re.search(r"user: admin\s+one-time password: \S{12,}", result.output)
    assert _count(database_url, QuestionnaireVersion) == 3
    # the window-rating demo (60 responses) and two satisfaction waves (200 + 120) for the yearly report
    assert re.search(r"user: interviewer\s+one-time password: \S{12,}", result.output) and "/field/" in result.output
    assert _count(database_url, Campaign) == 3 and _count(database_url, User) == 2
    assert _count(database_url, InterceptSlot) == 3 * 7 * 4  # a week of slots at three windows
    assert _count(database_url, Response) == 60 + 200 + 120
    again = cli_runner.invoke(cli, args)
    assert again.exit_code == 0 and "one-time password" not in again.output
    assert _count(database_url, Response) == 380 and _count(database_url, QuestionnaireVersion) == 3
    assert _count(database_url, InterceptSlot) == 84


def test_qr_writes_png_and_svg(cli_runner, tmp_path):
    """QR codes are written for a link or a campaign/site public link; the suffix picks the format."""
    png = tmp_path / "poster.png"
    result = cli_runner.invoke(cli, ["qr", "--campaign", "win", "--site", "w1", "--base-url", "https://s.example",
                                     "-o", str(png)])
    assert result.exit_code == 0 and "https://s.example/s/win/w1" in result.output
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    svg = tmp_path / "x.svg"
    assert cli_runner.invoke(cli, ["qr", "https://s.example/i/abc", "-o", str(svg)]).exit_code == 0
    assert svg.read_text(encoding="utf-8").startswith("<svg")
    bad = cli_runner.invoke(cli, ["qr", "https://x", "-o", str(tmp_path / "x.gif")])
    assert bad.exit_code == 2 and "name the file .png or .svg" in bad.output
    assert cli_runner.invoke(cli, ["qr", "-o", str(svg)]).exit_code == 2


def test_user_and_device_commands(cli_runner, database_url, tmp_path):
    """``user add`` creates a user with a role; ``device add`` prints a token that the API accepts."""
    common = ["--instance", str(tmp_path), "--database-url", database_url]
    result = cli_runner.invoke(cli, ["user", "add", "wang", "--role", "supervisor", *common],
                               input="a long password\na long password\n")
    assert result.exit_code == 0, result.output
    token = cli_runner.invoke(cli, ["device", "add", "tablet 3", *common]).output.strip()
    from survey_engine.web import create_app

    app = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "t"})
    try:
        reply = app.test_client().get("/api/v1/campaigns", headers={"Authorization": f"Bearer {token}"})
        assert reply.status_code == 200
    finally:
        app.extensions["survey_engine.db"].engine.dispose()


def test_serve_demo_without_the_bundled_questionnaires_says_what_to_do(cli_runner, tmp_path, monkeypatch):
    """Outside a clone (no questionnaires/ folder), --demo stops with a message instead of a traceback."""
    from survey_engine.web import demo

    monkeypatch.setattr(demo, "bundled_questionnaires", lambda: [])
    monkeypatch.setattr(Flask, "run", lambda self, **kw: None)
    result = cli_runner.invoke(cli, ["serve", "--demo", "--instance", str(tmp_path)])
    assert result.exit_code == 2 and "window_rating.json" in result.output
    again = cli_runner.invoke(cli, ["serve", "--instance", str(tmp_path)])
    assert "one-time password" in again.output  # the failed --demo created no admin


def test_invite_writes_letters_qr_pngs_and_a_list(cli_runner, database_url, tmp_path, monkeypatch):
    """``invite`` creates one single-use invitation per contact and writes letters, PNG codes and a list."""
    import csv

    from survey_engine.store.models import Invitation, InvitationContact

    monkeypatch.setattr(Flask, "run", lambda self, **kw: None)
    common = ["--instance", str(tmp_path), "--database-url", database_url]
    assert cli_runner.invoke(cli, ["serve", "--demo", *common]).exit_code == 0
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("name,phone,address\n王五,13900000000,天河区\nJane Doe,,\n", encoding="utf-8")
    out = tmp_path / "letters"
    result = cli_runner.invoke(cli, ["invite", "demo", "--contacts", str(contacts), "--site", "w1",
                                     "--base-url", "https://survey.example", "-o", str(out), *common])
    assert result.exit_code == 0, result.output
    with (out / "invitations.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["name"] for r in rows] == ["王五", "Jane Doe"]
    assert all(r["link"].startswith("https://survey.example/i/") for r in rows)
    assert (out / "qr" / "1.png").read_bytes().startswith(b"\x89PNG")
    html = (out / "letters.html").read_text(encoding="utf-8")
    assert html.count('class="sheet letter"') == 2 and "<style>" in html and rows[0]["link"] in html
    assert _count(database_url, Invitation) == 2 and _count(database_url, InvitationContact) == 2
    bad = cli_runner.invoke(cli, ["invite", "nope", "--count", "1", "--base-url", "x", "-o", str(out), *common])
    assert bad.exit_code == 2 and "not found" in bad.output
