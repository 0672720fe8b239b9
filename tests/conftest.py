"""Shared fixtures: the real site built once per test session, and Sphinx's test roots."""

from __future__ import annotations

from pathlib import Path

import pytest
from common import DOCS, ROOTS, Build, sphinx_build

from living_review.tools.browser_audit import CHROMIUM

# Sphinx's own fixtures: @pytest.mark.sphinx("html", testroot=...), app, make_app.
pytest_plugins = ("sphinx.testing.fixtures",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip tests marked ``browser`` where Debian's Chromium is not installed, saying how to."""
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"needs Debian's Chromium at {CHROMIUM}: apt-get install -y chromium "
        "(or .ci/install-browser)"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """Fixture projects for ``@pytest.mark.sphinx(testroot=...)``: tests/roots/test-<name>/."""
    return ROOTS


@pytest.fixture(scope="session")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The real site, built from scratch (-E) with warnings as errors, once per session."""
    return sphinx_build(DOCS, tmp_path_factory.mktemp("real-site") / "html")
