"""Shared fixtures: the real site built once per test session, and Sphinx's test roots."""

from __future__ import annotations

import pytest
from common import DOCS, ROOTS, Build, sphinx_build

pytest_plugins = ("sphinx.testing.fixtures",)


@pytest.fixture(scope="session")
def rootdir():
    """Fixture projects for ``@pytest.mark.sphinx(testroot=...)``: tests/roots/test-<name>/."""
    return ROOTS


@pytest.fixture(scope="session")
def real_site(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The real site, built from scratch (-E) with warnings as errors, once per session."""
    return sphinx_build(DOCS, tmp_path_factory.mktemp("real-site") / "html")
