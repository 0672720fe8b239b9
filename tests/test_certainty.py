"""The {certainty} badge role and {certainty-legend} directive (sphinxext.certainty)."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from common import ROOTS, build_cleanly, page_soup, sphinx_build, warnings
from sphinx.testing.util import SphinxTestApp

from living_review.sphinxext.certainty import LEVELS

#: tests/roots/test-certainty: a legend page labelled `certainty` and a page of badges.
certainty_site = pytest.mark.sphinx("html", testroot="certainty")


@certainty_site
def test_every_badge_has_class_text_link_and_title(app: SphinxTestApp) -> None:
    build_cleanly(app)
    soup = page_soup(app.outdir, "page.html")
    for key, level in LEVELS.items():
        (badge,) = soup.select(f"a.certainty-{key}")
        assert badge["class"][:2] == ["certainty", f"certainty-{key}"]
        assert badge.get_text() == level.label
        assert badge["href"] == f"index.html#certainty-{key}"  # its row on the legend page
        assert badge["title"].startswith(f"{level.label}: {level.meaning}")


@certainty_site
def test_badge_on_the_legend_page_links_within_it(app: SphinxTestApp) -> None:
    build_cleanly(app)
    (badge,) = page_soup(app.outdir, "index.html").select("a.certainty")
    assert badge["href"] == "#certainty-low"


@certainty_site
def test_legend_lists_every_level_with_its_anchor_and_wording(app: SphinxTestApp) -> None:
    build_cleanly(app)
    rows = page_soup(app.outdir, "index.html").select("table.certainty-legend tbody tr")
    assert [row["id"] for row in rows] == [level.anchor for level in LEVELS.values()]
    for row, level in zip(rows, LEVELS.values(), strict=True):
        text = row.get_text(" ", strip=True)
        assert level.label in text and level.meaning in text and level.example in text
        assert row.select_one("span.certainty")["class"] == ["certainty", level.anchor]


@certainty_site
def test_stylesheet_is_shipped_and_linked(app: SphinxTestApp) -> None:
    build_cleanly(app)
    assert (app.outdir / "_static" / "certainty.css").is_file()
    links = page_soup(app.outdir, "page.html").select("link[rel=stylesheet]")
    assert any("certainty.css" in link["href"] for link in links)


@pytest.mark.sphinx("epub", testroot="certainty")
def test_badges_link_to_the_legend_in_epub(app: SphinxTestApp) -> None:
    app.build()  # the fixture sets no version, which the EPUB builder warns about
    page = (app.outdir / "page.xhtml").read_text(encoding="utf-8")
    hrefs = {a["href"] for a in BeautifulSoup(page, "html.parser").select("a.certainty")}
    assert hrefs == {f"index.xhtml#certainty-{key}" for key in LEVELS}


@pytest.mark.sphinx("html", testroot="certainty-unknown", freshenv=True)
def test_unknown_level_is_an_error_naming_file_line_and_levels(app: SphinxTestApp) -> None:
    app.build()
    logged = warnings(app)
    assert "index.md:7: ERROR: unknown certainty level 'medium'" in logged
    assert "allowed levels: high, moderate, low, very-low, not-rated" in logged
    assert logged.count("ERROR") == 1  # the valid badge on line 5 is fine


def test_unknown_level_fails_the_strict_build(tmp_path: Path) -> None:
    """End to end through sphinx-build -W, as nox runs it."""
    build = sphinx_build(ROOTS / "test-certainty-unknown", tmp_path / "html")
    assert build.returncode == 1
    assert "index.md:7: ERROR: unknown certainty level 'medium'" in build.stderr


@pytest.mark.sphinx("html", testroot="certainty-no-legend", freshenv=True)
def test_missing_legend_label_is_an_error(app: SphinxTestApp) -> None:
    app.build()
    assert "index.md:3: ERROR: certainty badge cannot link to the legend" in warnings(app)
    (badge,) = page_soup(app.outdir, "index.html").select(".certainty")
    assert badge.name == "span" and badge.get_text() == "Low certainty"
