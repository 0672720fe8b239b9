"""A way in for each reader: the home page opens with three cards, and the bottom line follows
them on a phone's first screen (living_review.sphinxext.home_cards, sphinx-design)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from common import Build

from living_review.tools import browser_audit
from living_review.tools.site_server import base_path_from_html, serve

#: Each card's title and where its links lead (page#anchor, or the issue form's template).
CARDS = {
    "I have sciatica": [
        "#home-bottom-line",
        "#urgent-care-home",
        "#what-to-do-now",
        "bottom-line.html#bottom-line-clinician",
    ],
    "I treat sciatica": ["effectiveness.html", "guidelines.html", "certainty.html"],
    "I want to help keep this current": ["methods.html", "template=propose-evidence.yml"],
}


def test_the_home_page_opens_with_three_cards_for_three_kinds_of_reader(real_site: Build) -> None:
    soup = real_site.soup("index.html")
    main = soup.select_one("article[role=main]")
    grid = main.select_one(".entry-points")
    assert grid is not None
    # Nothing but the title and the review dates comes before the cards.
    before = grid.find_all_previous(["p", "h2", "div"], limit=20)
    assert not [e for e in before if e.name == "h2" and main in e.parents]
    cards = grid.select(".sd-card")
    titles = [card.select_one(".sd-card-title").get_text(strip=True) for card in cards]
    assert titles == list(CARDS)
    for card, (title, targets) in zip(cards, CARDS.items(), strict=True):
        hrefs = [a["href"] for a in card.select("a[href]")]
        assert len(hrefs) == len(targets), title
        for href, target in zip(hrefs, targets, strict=True):
            assert target in href, f"{title}: {href} does not lead to {target}"
    for anchor in ("home-bottom-line", "urgent-care-home"):
        assert soup.find(id=anchor), anchor
    assert real_site.soup("bottom-line.html").find(id="bottom-line-clinician")


@pytest.fixture(scope="module")
def site_url(real_site: Build) -> Iterator[str]:
    index = (real_site.outdir / "index.html").read_text(encoding="utf-8")
    with serve(real_site.outdir, base_path_from_html(index)) as base_url:
        yield base_url


@pytest.mark.browser
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_on_a_phone_the_bottom_line_starts_on_the_first_screen(site_url: str, theme: str) -> None:
    from playwright.sync_api import sync_playwright

    phone = next(m for m in browser_audit.MODES if m.is_phone and m.theme == theme)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(browser_audit.CHROMIUM), args=list(browser_audit.CHROMIUM_FLAGS)
        )
        try:
            page = browser_audit.new_context(chromium, phone).new_page()
            page.goto(site_url + "index.html", wait_until="load")
            seen: dict[str, Any] = page.evaluate(
                """() => {
                  const heading = document.getElementById('home-bottom-line').querySelector('h2');
                  const text = heading.nextElementSibling;
                  const cards = document.querySelector('.entry-points');
                  return {cards: cards.getBoundingClientRect().top,
                          heading: heading.getBoundingClientRect().bottom,
                          text: text.getBoundingClientRect().top + 3 * parseFloat(
                            getComputedStyle(text).lineHeight),
                          height: innerHeight};
                }"""
            )
        finally:
            chromium.close()
    assert seen["cards"] < seen["heading"]
    # The heading and the first three lines of the bottom line are on the first screen.
    assert seen["text"] <= seen["height"], seen


def test_only_pages_with_cards_download_sphinx_design(real_site: Build) -> None:
    def assets(page: str) -> str:
        soup = real_site.soup(page)
        return " ".join(t.get("href", "") + t.get("src", "") for t in soup.select("link, script"))

    assert "sphinx-design.min.css" in assets("index.html")
    assert "home-cards.css" in assets("index.html")
    for page in ("index.html", "sciatica.html", "guidelines.html", "search.html"):
        assert "design-tabs.js" not in assets(page), page  # no tabs anywhere
    for page in ("sciatica.html", "guidelines.html", "search.html"):
        assert "sphinx-design" not in assets(page), page
