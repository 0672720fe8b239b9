"""Shared fixtures: the real site built once per test session, and Sphinx's test roots."""

from __future__ import annotations

from pathlib import Path

import pytest
from common import REAL_SITE_ENV, ROOTS, Build, copy_project, sphinx_build

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
def real_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project (a git repository of its own), for the real site's one build."""
    return copy_project(tmp_path_factory.mktemp("real-project") / "project")


@pytest.fixture(scope="session")
def real_site(real_project: Path) -> Build:
    """The real site, built from scratch (-E) with warnings as errors, once per session.

    Built from a copy of the project, whose sources a test may edit for an incremental build
    into a copy of this output, as long as it puts them back (tests/test_incremental.py).
    """
    return sphinx_build(real_project / "docs", real_project / "_build" / "html", env=REAL_SITE_ENV)
