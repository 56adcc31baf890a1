"""Language choice and the helpers templates use: ``tr`` (a questionnaire text in the page's
language), ``ui`` (an interface string), ``lang`` and the language-switch links."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, request, session, url_for

from survey_engine.instruments.model import Text
from survey_engine.web.messages import ui_text

__all__ = ["LANGUAGES", "current_language", "init_app", "tr"]

LANGUAGES = ("zh", "en")


def current_language() -> str:
    """``?lang=`` (remembered in the session), else the session's, else the configured default."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        session["lang"] = asked
        return asked
    return session.get("lang") or current_app.config["DEFAULT_LANGUAGE"]


def tr(text: Text | dict | str | None) -> str:
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    if isinstance(text, dict):
        return text.get(current_language()) or next(iter(text.values()), "")
    return text.get(current_language())


def _switch_url(language: str) -> str:
    """This page in ``language``.  Query names starting with '_' are url_for's own options (_external,
    _scheme, _anchor) and path values come from the route, so a crafted query cannot change the link."""
    if not request.endpoint:
        return "/"
    query = {name: value for name, value in request.args.to_dict().items() if not name.startswith("_")}
    return url_for(request.endpoint, **{**query, **(request.view_args or {}), "lang": language})


def init_app(app: Flask) -> None:
    app.jinja_env.filters["tr"] = tr
    # the live skip-logic port of the expression language is optional: pages work without it
    scripts = Path(app.static_folder or "") / "js"
    has_js = (scripts / "expressions.js").exists() and (scripts / "skip_logic.js").exists()

    @app.context_processor
    def _helpers():
        return {"ui": lambda key, **values: ui_text(key, current_language(), **values),
                "lang": current_language(), "switch_url": _switch_url,
                "has_skip_logic": has_js}
