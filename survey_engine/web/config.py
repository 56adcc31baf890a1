"""Every setting of the web app, declared once with its default and help text.

``docs/web.md`` documents each (a test checks).  Values come from, in order: these defaults,
``instance/config.py``, ``SURVEY_ENGINE_<NAME>`` environment variables (``DATABASE_URL`` is
also read without the prefix, as hosting platforms set it), then the test config.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Setting", "SETTINGS", "defaults", "from_environ"]


def _bool(text: str) -> bool:
    return text.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str


SETTINGS: tuple[Setting, ...] = (
    Setting("INSTANCE_PATH", None, "Folder for the SQLite database, `config.py` and the secret key (absolute "
            "path; default: Flask's `instance/` folder). Read from the environment or the test config only."),
    Setting("SECRET_KEY", None, "Key signing sessions and CSRF tokens; generated once into the instance "
            "folder (file `secret_key`) when not set."),
    Setting("DATABASE_URL", None, "SQLAlchemy URL; `postgresql://...` uses psycopg 3. Default: SQLite file "
            "`survey_engine.db` in the instance folder."),
    Setting("SQLITE_BUSY_TIMEOUT_MS", 10_000, "How long a SQLite writer waits for the lock (milliseconds).", int),
    Setting("MAX_CONTENT_LENGTH", 2 * 1024 * 1024, "Largest accepted request body in bytes (larger → 413).", int),
    Setting("SESSION_COOKIE_SECURE", False, "Send session cookies over HTTPS only; set true behind HTTPS.", _bool),
    Setting("SESSION_COOKIE_HTTPONLY", True, "Session cookie invisible to JavaScript.", _bool),
    Setting("SESSION_COOKIE_SAMESITE", "Lax", "SameSite attribute of the session cookie."),
    Setting("REMEMBER_COOKIE_SECURE", False, "Flask-Login remember cookie over HTTPS only.", _bool),
    Setting("REMEMBER_COOKIE_HTTPONLY", True, "Flask-Login remember cookie invisible to JavaScript.", _bool),
    Setting("WTF_CSRF_ENABLED", True, "CSRF tokens on every form (Flask-WTF); only tests turn this off.", _bool),
    Setting("RATELIMIT_ENABLED", True, "Rate limits on public answering (Flask-Limiter).", _bool),
    Setting("RATELIMIT_STORAGE_URI", "memory://", "Where Flask-Limiter counts requests (in-memory per worker).",),
    Setting("PUBLIC_SUBMIT_LIMIT", "30 per hour", "Completed answers accepted per IP address on public links."),
    Setting("PROXY_FIX_X_FOR", 0, "Number of trusted reverse proxies in front of the app; their "
            "X-Forwarded-For/-Proto/-Host headers then give the client address (rate limits) and scheme.", int),
    Setting("PUBLIC_BASE_URL", None, "Base URL printed in QR codes and letters (default: the request's host)."),
    Setting("CONTENT_SECURITY_POLICY", "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            "script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
            "Content-Security-Policy header of every response."),
    Setting("API_CACHE_SECONDS", 5.0, "How long an API worker reuses a device token or campaign it looked up "
            "(0 turns the cache off); closing a campaign reaches other workers within this time.", float),
    Setting("DEFAULT_LANGUAGE", "zh", "Language of pages when the respondent has not chosen one (zh or en)."),
    Setting("BAD_RATING_DAYS", 15, "Working days allowed to verify, rectify and answer a bad rating.", int),
)


def defaults() -> dict[str, Any]:
    return {s.name: s.default for s in SETTINGS}


def from_environ(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Settings given as ``SURVEY_ENGINE_<NAME>`` (plus bare ``DATABASE_URL``), parsed to their type."""
    environ = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(f"SURVEY_ENGINE_{setting.name}")
        if raw is None and setting.name == "DATABASE_URL":
            raw = environ.get("DATABASE_URL")
        if raw is not None:
            found[setting.name] = setting.parse(raw)
    return found


