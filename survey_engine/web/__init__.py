"""The web app: ``create_app`` builds a Flask app from settings; one blueprint per module."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from survey_engine.web import config

__all__ = ["create_app"]


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Defaults → ``instance/config.py`` → ``SURVEY_ENGINE_*`` environment → ``test_config``."""
    instance = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("SURVEY_ENGINE_INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True, instance_path=instance)
    app.config.from_mapping(config.defaults())
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_mapping(config.from_environ())
    if test_config is not None:
        app.config.from_mapping(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")
    if app.config["PROXY_FIX_X_FOR"]:
        hops = app.config["PROXY_FIX_X_FOR"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    _init_subsystems(app)
    return app


def _instance_secret(path: Path) -> str:
    if not path.exists():
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _init_subsystems(app: Flask) -> None:
    from survey_engine.web import (admin, api, auth, cases, dashboards, database, errors, field, respond, security,
                                   supervise, templating)
    from survey_engine.web.extensions import csrf, limiter

    database.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)
    for module in (api, auth, respond, admin, field, supervise, cases, dashboards):
        app.register_blueprint(module.blueprint)
    app.register_blueprint(cases.rerate_blueprint)
    csrf.exempt(api.blueprint)  # bearer tokens, no cookies: CSRF cannot apply
    limiter.exempt(api.blueprint)  # devices are known and authenticated; limits guard public links
    _limits_checked_outside(app, limiter._check_request_limit, api.blueprint.name)


def _limits_checked_outside(app: Flask, check: Any, blueprint: str) -> None:
    """Run Flask-Limiter's app-wide before-request check only for the other blueprints.

    An exempt blueprint still pays for the check (about a tenth of a millisecond, 5% of an
    API submission); routes with ``@limiter.limit`` check themselves in their decorator, so
    moving the app-wide hook changes nothing for them.
    """
    app_hooks = app.before_request_funcs.get(None, [])
    if check not in app_hooks:
        return
    app_hooks.remove(check)
    for name in app.blueprints:
        if name != blueprint:
            app.before_request_funcs.setdefault(name, []).append(check)
