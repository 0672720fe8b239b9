"""Incremental builds renumber every page whose citations change (sphinxext.citation_refresh).

The fixture cites alpha, beta on ``first`` and gamma, beta, alpha on ``second``, so unsrt
numbers them alpha 1, beta 2, gamma 3. Editing ``first`` alone to cite gamma first renumbers
the citations on ``second`` and the bibliography on ``refs``, which were not edited.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from common import build_cleanly, page_soup, touch_newer
from sphinx.testing.util import SphinxTestApp

MakeApp = Callable[..., SphinxTestApp]
NEW_FIRST = "# First\n\nGamma now comes first {cite:p}`gamma`, then alpha {cite:p}`alpha`.\n"

#: A fresh copy of tests/roots/test-citation-refresh for each test (named after it).
fixture_site = pytest.mark.sphinx("html", testroot="citation-refresh", freshenv=True)


def edit(path: Path, text: str) -> None:
    """Change a source file so that the next incremental build sees it."""
    path.write_text(text, encoding="utf-8")
    touch_newer(path)


def citations(app: SphinxTestApp, page: str) -> list[tuple[str, str, str]]:
    """(number, cited key, tooltip) for every in-text citation on *page*."""
    return [
        (a.get_text(strip=True), a["href"].split("#cite-", 1)[1], a.get("title", ""))
        for a in page_soup(app.outdir, f"{page}.html").select("a[href*='#cite-']")
    ]


def bibliography(app: SphinxTestApp) -> list[tuple[str, str]]:
    """(number, key) for every entry of the bibliography, in order."""
    return [
        (entry.select_one(".label").get_text(strip=True).strip("[]"), entry["id"][len("cite-") :])
        for entry in page_soup(app.outdir, "refs.html").select("[id^='cite-']")
    ]


def incremental_then_clean(
    app: SphinxTestApp,
    make_app: MakeApp,
    change: Callable[[Path], None],
    confoverrides: dict[str, object] | None = None,
) -> tuple[SphinxTestApp, SphinxTestApp]:
    """Build, apply *change*, rebuild incrementally; also build the changed sources clean.

    *confoverrides* must be those of *app*'s marker, for the builds after the first.
    """
    build_cleanly(app)
    change(app.srcdir)
    incremental = build_cleanly(make_app("html", srcdir=app.srcdir, confoverrides=confoverrides))
    clean_src = app.srcdir.with_name(app.srcdir.name + "-clean")
    shutil.rmtree(clean_src, ignore_errors=True)
    shutil.copytree(app.srcdir, clean_src, ignore=shutil.ignore_patterns("_build"))
    clean = make_app("html", srcdir=clean_src, freshenv=True, confoverrides=confoverrides)
    return incremental, build_cleanly(clean)


def reorder_first_citations(srcdir: Path) -> None:
    edit(srcdir / "first.md", NEW_FIRST)


def retitle_beta(srcdir: Path) -> None:
    bib = srcdir / "refs.bib"
    edit(bib, bib.read_text("utf-8").replace("title = {Beta}", "title = {Beta, corrected}"))


@pytest.mark.sphinx(srcdir="citation-refresh-reorder")
@fixture_site
def test_new_first_citation_renumbers_the_other_page_and_the_bibliography(
    app: SphinxTestApp, make_app: MakeApp
) -> None:
    incremental, clean = incremental_then_clean(app, make_app, reorder_first_citations)
    assert [n for n, _, _ in citations(clean, "second")] == ["1", "3", "2"]  # it did change
    assert citations(incremental, "second") == citations(clean, "second")
    assert bibliography(incremental) == bibliography(clean)
    assert citations(incremental, "first") == citations(clean, "first")


@pytest.mark.sphinx(srcdir="citation-refresh-retitle")
@fixture_site
def test_changed_bib_entry_updates_every_page_citing_it(
    app: SphinxTestApp, make_app: MakeApp
) -> None:
    incremental, clean = incremental_then_clean(app, make_app, retitle_beta)
    assert any("Beta, corrected" in title for _, _, title in citations(clean, "second"))
    for page in ("first", "second"):
        assert citations(incremental, page) == citations(clean, page)
    assert bibliography(incremental) == bibliography(clean)


BARE = {"extensions": ["myst_parser", "sphinxcontrib.bibtex"]}


@pytest.mark.sphinx(srcdir="citation-refresh-control", confoverrides=BARE)
@fixture_site
def test_without_the_extension_the_other_page_goes_stale(
    app: SphinxTestApp, make_app: MakeApp
) -> None:
    """The control: sphinxcontrib-bibtex alone leaves the unedited page with old numbers."""
    incremental, clean = incremental_then_clean(app, make_app, reorder_first_citations, BARE)
    assert citations(incremental, "second") != citations(clean, "second")


def written(app: SphinxTestApp, *pages: str) -> dict[str, int]:
    """When each page's HTML file was last written (nanoseconds)."""
    return {page: (app.outdir / f"{page}.html").stat().st_mtime_ns for page in pages}


@pytest.mark.parametrize("change", [reorder_first_citations, retitle_beta])
@pytest.mark.sphinx(srcdir="citation-refresh-rewritten")
@fixture_site
def test_every_affected_page_is_rewritten(
    app: SphinxTestApp, make_app: MakeApp, change: Callable[[Path], None]
) -> None:
    before = written(build_cleanly(app), "first", "second", "refs")
    time.sleep(0.01)
    change(app.srcdir)
    after = written(build_cleanly(make_app("html", srcdir=app.srcdir)), *before)
    assert all(after[page] != before[page] for page in before)


@pytest.mark.sphinx(srcdir="citation-refresh-unrelated")
@fixture_site
def test_an_unrelated_edit_rewrites_only_that_page(app: SphinxTestApp, make_app: MakeApp) -> None:
    before = written(build_cleanly(app), "second", "refs")
    first = app.srcdir / "first.md"
    edit(first, first.read_text("utf-8").replace("comes first", "is cited first"))
    assert written(build_cleanly(make_app("html", srcdir=app.srcdir)), *before) == before
