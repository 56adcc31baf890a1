"""A SQLite store with the ``serve --demo`` campaigns, shared by the report and CLI tests."""

from __future__ import annotations

from pathlib import Path

from survey_engine.web import create_app
from survey_engine.web.demo import prepare

CURRENT = "demo-satisfaction-2026"
PREVIOUS = "demo-satisfaction-2025"


def demo_app(folder: Path):
    """A Flask app over a fresh SQLite file in ``folder`` with the demo data prepared."""
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'x.db'}", "INSTANCE_PATH": str(folder),
                      "SECRET_KEY": "test", "TESTING": True})
    prepare(app, demo=True)
    return app


def demo_url(folder: Path) -> str:
    """Prepare the demo store in ``folder`` and return its database URL (connections closed)."""
    app = demo_app(folder)
    app.extensions["survey_engine.db"].engine.dispose()
    return f"sqlite:///{folder / 'x.db'}"
