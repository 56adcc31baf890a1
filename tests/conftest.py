"""Shared fixtures: paths to committed reference data (R outputs and datasets)."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).parent
FIXTURES = TESTS_DIR / "fixtures"
REFERENCE = FIXTURES / "reference"
REPO = TESTS_DIR.parent


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """Folder with the api/bfi datasets and R reference values (copied from shared/reference)."""
    return REFERENCE


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    """The repository root (bundled questionnaires live in ``questionnaires/``)."""
    return REPO
