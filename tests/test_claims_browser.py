"""A claim's certainty badge opens "What the source says", in Debian's Chromium (real site).

The popover is the citations' (citation-popover.js): the same ways to open and close it, the
same no-layout-shift placement; these tests check it from a badge. conftest.py skips them where
/usr/bin/chromium is missing.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_reader_browser import (
    DESKTOP,
    PHONE,
    POPOVER,
    assert_a_tap_elsewhere_closes,
    assert_placed_without_shift,
    chromium,
    open_page,
    site_url,
)

from living_review.tools import browser_audit

pytestmark = pytest.mark.browser
__all__ = ["chromium", "site_url"]  # the shared fixtures, used by name below

BADGE = ".claim[data-claim] a.certainty"
PAGE = "bottom-line.html"


def test_a_tap_on_a_badge_shows_what_the_source_says(chromium: Any, site_url: str) -> None:
    page = open_page(chromium, site_url + PAGE, PHONE)
    badge = page.locator(BADGE).first
    badge.scroll_into_view_if_needed()
    following = "document.querySelector('article[role=main]').lastElementChild"
    top_before = page.evaluate(f"{following}.getBoundingClientRect().top")
    badge.tap()
    popover = page.locator(POPOVER)
    popover.wait_for(state="visible")
    assert page.url == site_url + PAGE  # the tap did not follow the link to the legend
    assert popover.get_attribute("role") == "dialog"
    assert popover.get_attribute("aria-label") == "What the source says"
    assert badge.get_attribute("aria-expanded") == "true"
    text = popover.inner_text()
    assert text.startswith("What the source says") and "\u201c" in text
    assert "The source's own rating" in text and "Label on this site" in text
    links = popover.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert any("certainty.html#certainty-" in href for href in links)
    assert_placed_without_shift(page, popover, following, top_before)
    assert_a_tap_elsewhere_closes(page, popover, badge)


def test_keyboard_focus_opens_it_and_escape_returns_to_the_badge(
    chromium: Any, site_url: str
) -> None:
    page = open_page(chromium, site_url + PAGE, DESKTOP)
    badge = page.locator(BADGE).first
    badge.focus()
    popover = page.locator(POPOVER)
    popover.wait_for(state="visible")
    page.keyboard.press("Tab")
    assert page.evaluate(f"document.querySelector('{POPOVER}').contains(document.activeElement)")
    page.keyboard.press("Escape")
    popover.wait_for(state="hidden")
    assert page.evaluate(f'document.activeElement === document.querySelector("{BADGE}")')
    page.keyboard.press("Enter")  # the badge still links to the legend
    page.wait_for_url("**/certainty.html#certainty-*")


def test_hover_opens_it_with_no_accessibility_violations(chromium: Any, site_url: str) -> None:
    page = open_page(chromium, site_url + PAGE, DESKTOP)
    page.locator(BADGE).first.hover()
    page.locator(POPOVER).wait_for(state="visible")
    page.add_script_tag(content=browser_audit.axe_source())
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    assert browser_audit.axe_findings(PAGE, "claim popover", result) == []
