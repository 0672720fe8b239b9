"""The real site puts patients first: urgent-care warning signs, answers first, a glossary."""

from __future__ import annotations

import pytest
from bs4 import Tag
from common import DOCS, Build, cite_links

from living_review.tools.toctree import section_pages

# Pages that tell readers most sciatica settles, or to start with conservative care: each
# must show when not to wait.
URGENT_CARE_PAGES = ["index", "sciatica", "alternatives", "bottom-line", "safety"]
# What the box must name (issues 8 and 17): cauda equina signs (sexual function and wiping too),
# severe or worsening weakness, both legs, injury and chest pain, the signs of a serious cause,
# and the routine safety net (not better after a few weeks).
WARNING_SIGNS = [
    "bladder",
    "bowels",
    "passing urine",
    "saddle",
    "weakness",
    "both legs",
    "fever",
    "cancer",
    "weight loss",
    "injury",
    "sexual function",
    "wipe",
    "chest pain",
    "immune system",
    "at night",
    "a few weeks",
    "999",
]
SECTION_PAGES = section_pages(DOCS)  # the home page's toctree "The review"


def main_of(site: Build, page: str) -> Tag:
    main = site.soup(f"{page}.html").select_one("article[role=main]")
    assert main is not None, f"{page}: no main article"
    return main


def urgent_care_box(site: Build, page: str) -> Tag:
    boxes = [  # the warning-sign box, not the safety page's "after acupuncture" box
        box
        for box in main_of(site, page).select(".admonition.urgent-care")
        if box.select_one("#safety-net-emergency")
    ]
    assert len(boxes) == 1, f"{page}: expected one urgent-care box, found {len(boxes)}"
    return boxes[0]


@pytest.mark.parametrize("page", URGENT_CARE_PAGES)
def test_urgent_care_box_names_every_warning_sign_with_sources(real_site: Build, page: str) -> None:
    box = urgent_care_box(real_site, page)
    assert "danger" in box["class"], f"{page}: the box is not styled as a danger admonition"
    text = box.get_text(" ", strip=True)
    assert text.startswith("Warning signs: when to get medical help"), text[:80]
    missing = [sign for sign in WARNING_SIGNS if sign not in text]
    assert not missing, f"{page}: the box does not mention {missing}"
    for item in box.select("li"):
        assert item.select("a[href*='#cite-']"), f"{page}: uncited item: {item.get_text()!r}"


def test_urgent_care_box_is_the_same_on_every_page(real_site: Build) -> None:
    texts = {
        page: urgent_care_box(real_site, page).get_text(" ", strip=True)
        for page in URGENT_CARE_PAGES
    }
    assert len(set(texts.values())) == 1, texts


@pytest.mark.parametrize("page", SECTION_PAGES)
def test_key_points_come_before_the_detail(real_site: Build, page: str) -> None:
    main = main_of(real_site, page)
    box = main.select_one(".admonition.key-points")
    assert box is not None, f"{page}: no key-points box"
    assert box.find_previous("h2") is None, f"{page}: the key points come after a section heading"
    first_paragraphs = [p for p in box.find_all_previous("p") if main in p.parents]
    assert len(first_paragraphs) <= 2, (
        f"{page}: {len(first_paragraphs)} paragraphs before the key points"
    )


def test_glossary_defines_the_terms_the_review_needs(real_site: Build) -> None:
    glossary = main_of(real_site, "glossary")
    terms = {
        dt["id"].removeprefix("term-").replace("-", " ").lower()
        for dt in glossary.select("dl.glossary dt[id]")
    }
    needed = {
        "pooled",
        "randomised",
        "placebo",
        "sham",
        "usual care",
        "risk of bias",
        "nsaids",
        "epidural",
        "tens",
        "dry needling",
        "strong recommendation",
        "conditional recommendation",
        "observational study",
        "total effective rate",
        "cauda equina syndrome",
    }
    assert not needed - terms, f"missing from the glossary: {sorted(needed - terms)}"


@pytest.mark.parametrize("page", SECTION_PAGES)
def test_section_pages_link_terms_to_the_glossary(real_site: Build, page: str) -> None:
    links = main_of(real_site, page).select("a[href^='glossary.html#term-']")
    assert links, f"{page}: no term links to the glossary"
    assert cite_links(real_site.soup(f"{page}.html")), f"{page}: no citations"
