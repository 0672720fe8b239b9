"""Incremental builds renumber every page whose citations change (sphinxext.citation_refresh).

The fixture cites alpha, beta on ``first`` and gamma, beta, alpha on ``second``, so unsrt
numbers them alpha 1, beta 2, gamma 3. Editing ``first`` alone to cite gamma first renumbers
the citations on ``second`` and the bibliography on ``refs``, which were not edited.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from common import ROOTS, build_clean, touch_newer
from sphinx.testing.util import SphinxTestApp

ROOT = ROOTS / "test-citation-refresh"
NEW_FIRST = "# First\n\nGamma now comes first {cite:p}`gamma`, then alpha {cite:p}`alpha`.\n"


def edit(path: Path, text: str) -> None:
    """Change a source file so that the next incremental build sees it."""
    path.write_text(text, encoding="utf-8")
    touch_newer(path)


def citations(app: SphinxTestApp, page: str) -> list[tuple[str, str, str]]:
    """(number, cited key, tooltip) for every in-text citation on *page*."""
    soup = BeautifulSoup((app.outdir / f"{page}.html").read_text("utf-8"), "html.parser")
    return [
        (a.get_text(strip=True), a["href"].split("#cite-", 1)[1], a.get("title", ""))
        for a in soup.select("a[href*='#cite-']")
    ]


def bibliography(app: SphinxTestApp) -> list[tuple[str, str]]:
    """(number, key) for every entry of the bibliography, in order."""
    soup = BeautifulSoup((app.outdir / "refs.html").read_text("utf-8"), "html.parser")
    return [
        (entry.select_one(".label").get_text(strip=True).strip("[]"), entry["id"][len("cite-") :])
        for entry in soup.select("[id^='cite-']")
    ]


def incremental_then_clean(
    tmp_path: Path, change, confoverrides: dict | None = None
) -> tuple[SphinxTestApp, SphinxTestApp]:
    """Build, apply *change*, rebuild incrementally; also build the changed sources clean."""
    live = tmp_path / "live"
    shutil.copytree(ROOT, live)
    build_clean(live, fresh=True, confoverrides=confoverrides)
    change(live)
    incremental = build_clean(live, fresh=False, confoverrides=confoverrides)
    clean_src = tmp_path / "clean"
    shutil.copytree(live, clean_src, ignore=shutil.ignore_patterns("_build"))
    clean = build_clean(clean_src, fresh=True, confoverrides=confoverrides)
    return incremental, clean


def reorder_first_citations(srcdir: Path) -> None:
    edit(srcdir / "first.md", NEW_FIRST)


def retitle_beta(srcdir: Path) -> None:
    bib = srcdir / "refs.bib"
    edit(bib, bib.read_text("utf-8").replace("title = {Beta}", "title = {Beta, corrected}"))


def test_new_first_citation_renumbers_the_other_page_and_the_bibliography(
    tmp_path: Path,
) -> None:
    incremental, clean = incremental_then_clean(tmp_path, reorder_first_citations)
    assert [n for n, _, _ in citations(clean, "second")] == ["1", "3", "2"]  # it did change
    assert citations(incremental, "second") == citations(clean, "second")
    assert bibliography(incremental) == bibliography(clean)
    assert citations(incremental, "first") == citations(clean, "first")


def test_changed_bib_entry_updates_every_page_citing_it(tmp_path: Path) -> None:
    incremental, clean = incremental_then_clean(tmp_path, retitle_beta)
    assert any("Beta, corrected" in title for _, _, title in citations(clean, "second"))
    for page in ("first", "second"):
        assert citations(incremental, page) == citations(clean, page)
    assert bibliography(incremental) == bibliography(clean)


def test_without_the_extension_the_other_page_goes_stale(tmp_path: Path) -> None:
    """The control: sphinxcontrib-bibtex alone leaves the unedited page with old numbers."""
    bare = {"extensions": ["myst_parser", "sphinxcontrib.bibtex"]}
    incremental, clean = incremental_then_clean(tmp_path, reorder_first_citations, bare)
    assert citations(incremental, "second") != citations(clean, "second")


@pytest.mark.parametrize("change", [reorder_first_citations, retitle_beta])
def test_every_affected_page_is_rewritten(tmp_path: Path, change) -> None:
    live = tmp_path / "live"
    shutil.copytree(ROOT, live)
    build_clean(live, fresh=True)
    pages = [live / "_build" / "html" / f"{name}.html" for name in ("first", "second", "refs")]
    before = [page.stat().st_mtime_ns for page in pages]
    time.sleep(0.01)
    change(live)
    build_clean(live, fresh=False)
    assert all(page.stat().st_mtime_ns != old for page, old in zip(pages, before, strict=True))


def test_an_unrelated_edit_rewrites_only_that_page(tmp_path: Path) -> None:
    live = tmp_path / "live"
    shutil.copytree(ROOT, live)
    build_clean(live, fresh=True)
    pages = {name: live / "_build" / "html" / f"{name}.html" for name in ("second", "refs")}
    before = {name: page.stat().st_mtime_ns for name, page in pages.items()}
    first = live / "first.md"
    edit(first, first.read_text("utf-8").replace("comes first", "is cited first"))
    build_clean(live, fresh=False)
    assert {name: page.stat().st_mtime_ns for name, page in pages.items()} == before
