"""``survey-engine db upgrade``, ``serve``, ``qr``, ``user add`` and ``device add``: the web app from the shell."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["COMMANDS", "db", "serve", "qr", "invite", "user", "device"]

_instance = click.option("--instance", type=click.Path(file_okay=False), default=None,
                         help="Instance folder (SQLite file, config.py, secret key); default: ./instance.")
_database = click.option("--database-url", default=None, help="Database URL (default: SQLite in the instance folder).")


@contextmanager
def _app(instance: str | None, database_url: str | None) -> Iterator[Flask]:
    """The web app for one command; its database connections are closed afterwards."""
    from survey_engine.web import create_app

    config = {}
    if instance:
        config["INSTANCE_PATH"] = str(Path(instance).resolve())
    if database_url:
        config["DATABASE_URL"] = database_url
    app = create_app(config)
    try:
        yield app
    finally:
        app.extensions["survey_engine.db"].engine.dispose()


@click.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@_instance
@_database
def db_upgrade(instance: str | None, database_url: str | None) -> None:
    """Apply the packaged migrations up to the newest schema."""
    from survey_engine.store.migrate import current_revision, upgrade

    with _app(instance, database_url) as app:
        engine = app.extensions["survey_engine.db"].engine
        upgrade(engine)
        click.echo(f"database at revision {current_revision(engine)}: {engine.url.render_as_string()}")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for a LAN).")
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--demo", is_flag=True, help="Also create demo campaigns with sites and sample responses.")
@_instance
@_database
def serve(host: str, port: int, demo: bool, instance: str | None, database_url: str | None) -> None:
    """Start the web app (development server) with the bundled questionnaires loaded."""
    from survey_engine.web.demo import prepare

    with _app(instance, database_url) as app:
        prepared = prepare(app, demo=demo)
        shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
        click.echo(f"{prepared.questionnaires} bundled questionnaire(s) loaded"
                   + (f"; demo campaigns 'demo' (好差评 window rating, {prepared.demo_responses} responses), "
                      f"'demo-satisfaction-2025' and 'demo-satisfaction-2026' ({prepared.satisfaction_responses} "
                      "responses)" if demo else ""))
        click.echo(f"Sign in at http://{shown}:{port}/login")
        if prepared.admin_password:
            click.echo(f"  user: admin   one-time password: {prepared.admin_password}  (shown only now)")
        if prepared.interviewer_password:
            click.echo(f"  user: interviewer   one-time password: {prepared.interviewer_password}  (interviewer app: "
                       f"http://{shown}:{port}/field/)")
        if demo:
            click.echo(f"Answer the demo survey at http://{shown}:{port}/s/demo/w1; dashboards at "
                       f"http://{shown}:{port}/dashboards/")
        app.run(host=host, port=port, debug=False, use_reloader=False)


@click.command()
@click.argument("text", required=False)
@click.option("--campaign", help="Make the code for this campaign's public link.")
@click.option("--site", help="Site code within --campaign.")
@click.option("--base-url", default="http://localhost:5000", show_default=True,
              help="Public address of the app, as respondents reach it.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="File to write; .png or .svg decides the format.")
def qr(text: str | None, campaign: str | None, site: str | None, base_url: str, output: str) -> None:
    """Write a QR code for TEXT (any link) or for a campaign/site public link."""
    from survey_engine.errors import SurveyEngineError
    from survey_engine.web.qrcodes import qr_png, qr_svg

    if (text is None) == (campaign is None):
        raise click.UsageError("give either TEXT or --campaign")
    if site and not campaign:
        raise click.UsageError("--site needs --campaign")
    link = text or f"{base_url.rstrip('/')}/s/{campaign}" + (f"/{site}" if site else "")
    suffix = Path(output).suffix.lower()
    if suffix == ".png":
        Path(output).write_bytes(qr_png(link))
    elif suffix == ".svg":
        Path(output).write_text(qr_svg(link), encoding="utf-8")
    else:
        raise SurveyEngineError(f"{output}: unknown format {suffix or '(none)'}; name the file .png or .svg")
    click.echo(f"{output}: {link}")


def _contacts(path: str | None, count: int | None) -> list[dict[str, str | None] | None]:
    import csv

    if path is None:
        if not count or count < 1:
            raise click.UsageError("give --count N (anonymous letters) or --contacts FILE.csv")
        return [None] * count
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [{key: (row.get(key) or "").strip() or None for key in ("name", "phone", "address")} for row in rows]


@click.command()
@click.argument("campaign")
@click.option("--count", type=int, help="Number of anonymous invitations.")
@click.option("--contacts", type=click.Path(exists=True, dir_okay=False),
              help="CSV with a header row and columns name, phone, address: one invitation per row.")
@click.option("--site", help="Site code the invitations belong to.")
@click.option("--base-url", required=True, help="Public address of the app, as respondents reach it.")
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False),
              help="Folder for letters.html (A4, one letter per page), invitations.csv and qr/<n>.png.")
@_instance
@_database
def invite(campaign: str, count: int | None, contacts: str | None, site: str | None, base_url: str, output: str,
           instance: str | None, database_url: str | None) -> None:
    """Create single-use invitations for CAMPAIGN and write their letters and QR codes.

    The tokens exist only in these files (the database keeps their hashes): store them safely.
    """
    import csv

    from flask import render_template

    from survey_engine.errors import SurveyEngineError
    from survey_engine.store.catalog import instrument_of, open_campaign
    from survey_engine.store.drafts import create_invitation
    from survey_engine.web.qrcodes import qr_png, qr_svg_data_uri

    people = _contacts(contacts, count)
    folder = Path(output)
    (folder / "qr").mkdir(parents=True, exist_ok=True)
    with _app(instance, database_url) as app, app.extensions["survey_engine.db"].sessions() as session:
        found = open_campaign(session, campaign)
        if found is None:
            raise SurveyEngineError(f"campaign {campaign!r} not found; list campaigns on the admin pages")
        chosen = next((s for s in found.sites if s.code == site), None)
        if site is not None and chosen is None:
            raise SurveyEngineError(f"campaign {campaign!r} has no site {site!r}")
        letters = []
        with click.progressbar(people, label="invitations", file=sys.stderr) as bar:
            for number, contact in enumerate(bar, start=1):
                _, token = create_invitation(session, found, site=chosen, contact=contact)
                link = f"{base_url.rstrip('/')}/i/{token}"
                (folder / "qr" / f"{number}.png").write_bytes(qr_png(link))
                letters.append({"number": number, "name": (contact or {}).get("name"), "link": link,
                                "qr": qr_svg_data_uri(link)})
        with app.test_request_context(base_url=base_url):
            css = (Path(app.static_folder) / "css" / "print.css").read_text(encoding="utf-8")
            html = render_template("admin/letters.html", campaign=found, q=instrument_of(found.version),
                                   letters=letters, inline_css=css)
        session.commit()
    (folder / "letters.html").write_text(html, encoding="utf-8")
    with open(folder / "invitations.csv", "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["number", "name", "link", "qr_png"])
        writer.writerows([[x["number"], x["name"] or "", x["link"], f"qr/{x['number']}.png"] for x in letters])
    click.echo(f"{len(letters)} invitation(s) for {campaign}: {folder / 'letters.html'}")


@click.group()
def user() -> None:
    """User accounts."""


@user.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "supervisor", "interviewer", "analyst"]), required=True)
@click.password_option()
@_instance
@_database
def user_add(username: str, role: str, password: str, instance: str | None, database_url: str | None) -> None:
    """Create a user with a role (the password is asked for twice)."""
    from survey_engine.store.accounts import create_user

    with _app(instance, database_url) as app, app.extensions["survey_engine.db"].sessions() as session:
        create_user(session, username, password, role)
        session.commit()
    click.echo(f"user {username} ({role}) created")


@click.group()
def device() -> None:
    """API devices (tablets)."""


@device.command("add")
@click.argument("name")
@_instance
@_database
def device_add(name: str, instance: str | None, database_url: str | None) -> None:
    """Register a device and print its API token (shown once)."""
    from survey_engine.store.accounts import create_device

    with _app(instance, database_url) as app, app.extensions["survey_engine.db"].sessions() as session:
        _, token = create_device(session, name)
        session.commit()
    click.echo(token)


COMMANDS = [db, serve, qr, invite, user, device]
