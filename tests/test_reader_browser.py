"""What a reader does, in Debian's Chromium: tap and focus citations, follow back-links.

The real site (built once per session) is served as ``nox -s browser`` serves it. Each test
opens a page as a phone (412 x 823, touch) or a desktop (1440 x 900) would and checks the
outcome a reader sees. conftest.py skips these tests where /usr/bin/chromium is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from common import Build

from living_review.tools import browser_audit
from living_review.tools.site_server import base_path_from_html, serve

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 412, "height": 823}, "has_touch": True, "is_mobile": True}
DESKTOP = {"viewport": {"width": 1440, "height": 900}}
CITATION = ".bibtex-citation a[href*='#cite-']"
POPOVER = "#citation-popover"


@pytest.fixture(scope="module")
def site_url(real_site: Build) -> Iterator[str]:
    """The real site, served under its published path."""
    index = (real_site.outdir / "index.html").read_text(encoding="utf-8")
    with serve(real_site.outdir, base_path_from_html(index)) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(browser_audit.CHROMIUM), args=list(browser_audit.CHROMIUM_FLAGS)
        )
        try:
            yield browser
        finally:
            browser.close()


def open_page(chromium: Any, url: str, device: dict[str, Any]) -> Any:
    context = chromium.new_context(**device, reduced_motion="reduce")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url, wait_until="load")
    page.errors = errors  # checked by the tests that care
    return page


def assert_placed_without_shift(page: Any, popover: Any, following: str, top_before: float) -> None:
    """The open popover moved nothing (*following* is where it was) and fits a phone's screen."""
    assert page.evaluate(f"{following}.getBoundingClientRect().top") == top_before
    box = popover.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["viewport"]["width"]
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")


def assert_a_tap_elsewhere_closes(page: Any, popover: Any, opener: Any) -> None:
    """A tap on the page's title closes the popover and tells its opener, with no script error."""
    page.locator("article h1").tap()
    popover.wait_for(state="hidden")
    assert opener.get_attribute("aria-expanded") == "false"
    assert page.errors == []


def focused_html(page: Any) -> str:
    return page.evaluate("document.activeElement.outerHTML")


# -- Tables that fit -------------------------------------------------------------------------------


def test_no_page_is_wider_than_a_phone_and_no_table_cell_is_cut_off(
    chromium: Any, site_url: str, real_site: Build
) -> None:
    page = open_page(chromium, site_url + "index.html", PHONE)
    problems = {}
    for name in browser_audit.site_pages(real_site.outdir):
        page.goto(site_url + name, wait_until="load")
        found = browser_audit.layout_problems(page.evaluate(browser_audit._LAYOUT))
        if found:
            problems[name] = found
    assert problems == {}


def test_the_guideline_table_is_a_stack_of_labelled_cards_on_a_phone(
    chromium: Any, site_url: str
) -> None:
    page = open_page(chromium, site_url + "guidelines.html", PHONE)
    cell = page.locator("article table tbody td").first
    assert cell.evaluate("td => getComputedStyle(td).display") == "block"
    label = cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert "Guideline" in label
    assert page.locator(".back-to-top").is_hidden()


# -- Citation popovers -----------------------------------------------------------------------------


def test_a_tap_opens_the_reference_without_leaving_the_page(chromium: Any, site_url: str) -> None:
    page = open_page(chromium, site_url + "effectiveness.html", PHONE)
    citation = page.locator(CITATION).first
    # The page's last block: anything the popover pushed down would move it.
    following = "document.querySelector('article[role=main]').lastElementChild"
    top_before = page.evaluate(f"{following}.getBoundingClientRect().top")
    citation.tap()
    popover = page.locator(POPOVER)
    popover.wait_for(state="visible")
    assert page.url == site_url + "effectiveness.html"  # the tap did not follow the link
    text = popover.inner_text()
    assert text.startswith("[1] ") and "et al." in text and "2024" in text
    hrefs = popover.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert any(h.startswith("https://doi.org/10.") for h in hrefs)
    assert any("ncbi.nlm.nih.gov/pubmed/" in h for h in hrefs)
    assert any(h.endswith("references.html#cite-tu2024acupuncture") for h in hrefs)
    assert citation.get_attribute("aria-expanded") == "true"
    assert popover.get_attribute("role") == "dialog"
    assert popover.get_attribute("aria-label") == "Reference 1"
    assert_placed_without_shift(page, popover, following, top_before)
    assert_a_tap_elsewhere_closes(page, popover, citation)


def test_a_second_tap_follows_the_link(chromium: Any, site_url: str) -> None:
    page = open_page(chromium, site_url + "effectiveness.html", PHONE)
    citation = page.locator(CITATION).first
    citation.tap()
    page.locator(POPOVER).wait_for(state="visible")
    citation.tap()
    page.wait_for_url("**/references.html#cite-tu2024acupuncture")


def test_keyboard_focus_opens_it_tab_enters_it_escape_closes_it(
    chromium: Any, site_url: str
) -> None:
    page = open_page(chromium, site_url + "effectiveness.html", DESKTOP)
    citation = page.locator(CITATION).first
    citation.focus()
    popover = page.locator(POPOVER)
    popover.wait_for(state="visible")
    page.keyboard.press("Tab")
    assert page.evaluate(f"document.querySelector('{POPOVER}').contains(document.activeElement)")
    assert "PMID:39401008" in focused_html(page)  # the first link of the entry
    page.keyboard.press("Escape")
    popover.wait_for(state="hidden")
    # Focus returns to the citation number, which stays closed until focused again.
    assert page.evaluate(f'document.activeElement === document.querySelector("{CITATION}")')
    assert citation.get_attribute("aria-expanded") == "false"
    # Enter still follows the link.
    page.keyboard.press("Enter")
    page.wait_for_url("**/references.html#cite-tu2024acupuncture")


def test_hover_opens_it_and_it_has_no_accessibility_violations(
    chromium: Any, site_url: str
) -> None:
    page = open_page(chromium, site_url + "effectiveness.html", DESKTOP)
    page.locator(CITATION).nth(2).hover()
    page.locator(POPOVER).wait_for(state="visible")
    page.add_script_tag(content=browser_audit.axe_source())
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    assert browser_audit.axe_findings("effectiveness.html", "popover", result) == []
    page.mouse.move(5, 5)
    page.locator(POPOVER).wait_for(state="hidden")


# -- Report links --------------------------------------------------------------------------------


def test_report_an_error_opens_the_form_with_the_page_filled_in(
    chromium: Any, site_url: str
) -> None:
    page = open_page(chromium, site_url + "safety.html", PHONE)
    opened: list[str] = []

    def github(route: Any) -> None:  # tests never reach the internet: answer for GitHub
        opened.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<title>form</title>")

    page.context.route("https://github.com/**", github)
    canonical = page.locator("link[rel=canonical]").get_attribute("href")
    report = page.get_by_role("link", name="Report an error")
    report.scroll_into_view_if_needed()
    assert report.is_visible()
    report.tap()
    page.wait_for_url("https://github.com/**")
    query = parse_qs(urlsplit(opened[-1]).query)
    assert query["template"] == ["report-error.yml"]
    assert query["page"] == [canonical]
    page.go_back()
    page.get_by_role("link", name="Suggest new evidence").click()
    page.wait_for_url("**template=propose-evidence.yml**")
    assert parse_qs(urlsplit(opened[-1]).query)["page"] == [canonical]


# -- Back-links ----------------------------------------------------------------------------------


def test_the_entry_reached_is_highlighted_and_links_back_to_the_sentence(
    chromium: Any, site_url: str
) -> None:
    page = open_page(chromium, site_url + "references.html#cite-tu2024acupuncture", PHONE)
    entry = page.locator("#cite-tu2024acupuncture")
    highlighted = entry.evaluate("e => getComputedStyle(e).outlineStyle")
    other = page.locator("#cite-yu2023needling").evaluate("e => getComputedStyle(e).outlineStyle")
    assert (highlighted, other) == ("solid", "none")
    back = entry.locator(".cited-in a").nth(2)
    href = back.get_attribute("href")
    back.click()
    page.wait_for_url(f"**/{href}")
    anchor = href.split("#")[1]
    target = page.locator(f"[id='{anchor}']")
    assert target.evaluate("e => e.matches(':target') && e.matches('.bibtex-citation')")
    assert target.locator("a").first.get_attribute("href").endswith("#cite-tu2024acupuncture")
    # The browser scrolls to the fragment once the page is laid out, which on a long page may
    # come after the load event: wait for the sentence to come on screen (it fails if it never
    # does), then check where it is.
    page.wait_for_function(
        "id => { const top = document.getElementById(id).getBoundingClientRect().top;"
        " return top >= 0 && top < innerHeight; }",
        arg=anchor,
    )
    top = target.evaluate("e => e.getBoundingClientRect().top")
    assert 0 <= top < 823, "the citing sentence is on screen"
