"""The accessibility fixes (living_review.sphinxext.accessibility) are in the built HTML.

These read the HTML only; `nox -s browser` and tests/test_browser_audit.py check the result
in a real browser with axe-core.
"""

from __future__ import annotations

import pytest
from common import DOCS, Build

PAGES = [f"{source.stem}.html" for source in sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("page", ["index.html", "sciatica.html", "references.html"])
def test_toctree_captions_are_level_two_headings(real_site: Build, page: str) -> None:
    captions = real_site.soup(page).select("p.caption")
    assert captions, f"{page}: no toctree caption found"
    for caption in captions:
        assert caption.get("role") == "heading", caption
        assert caption.get("aria-level") == "2", caption


def test_citation_list_holds_list_items(real_site: Build) -> None:
    soup = real_site.soup("references.html")
    lists = soup.select('[role="list"].citation-list')
    assert len(lists) == 1
    entries = lists[0].find_all(recursive=False)
    assert entries
    assert all(entry.get("role") == "listitem" for entry in entries)
    assert not soup.select('[role="doc-biblioentry"]'), "deprecated DPub role still written"


@pytest.mark.parametrize("page", PAGES)
def test_landmarks_are_named_and_unique(real_site: Build, page: str) -> None:
    soup = real_site.soup(page)
    names = [aside.get("aria-label") for aside in soup.select("aside")]
    assert names and all(names), f"{page}: an <aside> has no aria-label: {names}"
    assert len(names) == len(set(names)), f"{page}: landmark names repeat: {names}"
    tools = soup.select_one(".content-icon-container")
    assert tools is not None, "furo's page tools moved: check templates/page.html"
    assert tools.get("role") == "region" and tools.get("aria-label") == "Page tools"


def test_announcement_is_the_medical_notice(real_site: Build) -> None:
    aside = real_site.soup("index.html").select_one("aside.announcement-content")
    assert aside is not None and aside["aria-label"] == "Medical notice"
    assert "not medical advice" in aside.get_text()


def test_search_page_has_one_level_one_heading(real_site: Build) -> None:
    headings = real_site.soup("search.html").select("article[role=main] h1")
    assert [h.get_text(strip=True) for h in headings] == ["Search"]


def test_favicon_and_stylesheet_are_linked_and_copied(real_site: Build) -> None:
    soup = real_site.soup("sciatica.html")
    icon = soup.select_one('link[rel~="icon"]')
    assert icon is not None and icon["href"] == "_static/favicon.svg"
    assert (real_site.outdir / "_static" / "favicon.svg").is_file()
    stylesheets = [link["href"].split("?")[0] for link in soup.select('link[rel="stylesheet"]')]
    assert "_static/accessibility.css" in stylesheets
    assert (real_site.outdir / "_static" / "accessibility.css").is_file()
