"""The {certainty} badge role and {certainty-legend} directive (sphinxext.certainty)."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from common import ROOTS, app_soup, app_warnings, build_root, sphinx_build
from sphinx.testing.util import SphinxTestApp

from living_review.sphinxext.certainty import LEVELS


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> SphinxTestApp:
    """tests/roots/test-certainty: a legend page labelled `certainty` and a page of badges."""
    return build_root("certainty", tmp_path_factory.mktemp("certainty"))


def test_builds_cleanly(site: SphinxTestApp) -> None:
    assert app_warnings(site) == ""


@pytest.mark.parametrize("key", list(LEVELS))
def test_badge_has_class_text_link_and_title(site: SphinxTestApp, key: str) -> None:
    level = LEVELS[key]
    (badge,) = app_soup(site, "page.html").select(f"a.certainty-{key}")
    assert badge["class"][:2] == ["certainty", f"certainty-{key}"]
    assert badge.get_text() == level.label
    assert badge["href"] == f"index.html#certainty-{key}"  # its row on the labelled legend page
    assert badge["title"].startswith(f"{level.label}: {level.meaning}")


def test_badge_on_the_legend_page_links_within_it(site: SphinxTestApp) -> None:
    (badge,) = app_soup(site, "index.html").select("a.certainty")
    assert badge["href"] == "#certainty-low"


def test_legend_lists_every_level_with_its_anchor_and_wording(site: SphinxTestApp) -> None:
    rows = app_soup(site, "index.html").select("table.certainty-legend tbody tr")
    assert [row["id"] for row in rows] == [level.anchor for level in LEVELS.values()]
    for row, level in zip(rows, LEVELS.values(), strict=True):
        text = row.get_text(" ", strip=True)
        assert level.label in text and level.meaning in text and level.example in text
        assert row.select_one("span.certainty")["class"] == ["certainty", level.anchor]


def test_stylesheet_is_shipped_and_linked(site: SphinxTestApp) -> None:
    assert (site.outdir / "_static" / "certainty.css").is_file()
    links = [link["href"] for link in app_soup(site, "page.html").select("link[rel=stylesheet]")]
    assert any("certainty.css" in href for href in links)


def test_badges_link_to_the_legend_in_epub(tmp_path: Path) -> None:
    app = build_root("certainty", tmp_path, builder="epub")
    page = (app.outdir / "page.xhtml").read_text(encoding="utf-8")
    hrefs = {a["href"] for a in BeautifulSoup(page, "html.parser").select("a.certainty")}
    assert hrefs == {f"index.xhtml#certainty-{key}" for key in LEVELS}


def test_unknown_level_is_an_error_naming_file_line_and_levels(tmp_path: Path) -> None:
    warnings = app_warnings(build_root("certainty-unknown", tmp_path))
    assert "index.md:7: ERROR: unknown certainty level 'medium'" in warnings
    assert "allowed levels: high, moderate, low, very-low, not-rated" in warnings
    assert warnings.count("ERROR") == 1  # the valid badge on line 5 is fine


def test_unknown_level_fails_the_strict_build(tmp_path: Path) -> None:
    """End to end through sphinx-build -W, as nox runs it."""
    build = sphinx_build(ROOTS / "test-certainty-unknown", tmp_path / "html")
    assert build.returncode == 1
    assert "index.md:7: ERROR: unknown certainty level 'medium'" in build.stderr


def test_missing_legend_label_is_an_error(tmp_path: Path) -> None:
    app = build_root("certainty-no-legend", tmp_path)
    assert "index.md:3: ERROR: certainty badge cannot link to the legend" in app_warnings(app)
    (badge,) = app_soup(app, "index.html").select(".certainty")
    assert badge.name == "span" and badge.get_text() == "Low certainty"
