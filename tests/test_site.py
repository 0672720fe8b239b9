"""The real site, built from scratch: pages, citation numbering, bibliography and links."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

import pybtex.database
import pytest
from bs4 import BeautifulSoup
from common import DOCS, ROOT, Build, cite_links

from living_review.tools.toctree import section_pages

PAGES = sorted(source.stem for source in DOCS.glob("*.md"))
SECTION_PAGES = section_pages(DOCS)  # the home page's toctree "The review", in reading order
OTHER_PAGES = [page for page in PAGES if page not in SECTION_PAGES]
BIB = pybtex.database.parse_file(str(ROOT / "references.bib"))


def toctree_order(site: Build) -> list[str]:
    """Page names in reading order: the home page, then its toctree entries."""
    main = site.soup("index.html").select_one("article[role=main]")
    pages = ["index"]
    for a in main.select(".toctree-wrapper a.reference.internal"):
        name = a["href"].split("#", 1)[0].removesuffix(".html")
        if name not in pages:
            pages.append(name)
    return pages


def test_build_is_clean(real_site: Build) -> None:
    assert real_site.returncode == 0, real_site.stderr
    assert "WARNING" not in real_site.stderr and "ERROR" not in real_site.stderr, real_site.stderr


@pytest.mark.parametrize("page", SECTION_PAGES + OTHER_PAGES)
def test_every_page_is_built(real_site: Build, page: str) -> None:
    assert (real_site.outdir / f"{page}.html").is_file()


def test_the_section_pages_come_first_and_every_page_is_in_a_toctree(real_site: Build) -> None:
    order = toctree_order(real_site)
    assert len(SECTION_PAGES) >= 7  # the sections of the 2020 article, at least
    assert order[1 : 1 + len(SECTION_PAGES)] == SECTION_PAGES
    assert set(order) == set(PAGES)


def test_citation_numbers_run_in_order_of_first_appearance(real_site: Build) -> None:
    numbers: dict[str, str] = {}
    for page in toctree_order(real_site):
        for label, key in cite_links(real_site.soup(f"{page}.html")):
            if key not in numbers:
                numbers[key] = str(len(numbers) + 1)
            assert label == numbers[key], f"{page}: [{label}] for {key}, expected [{numbers[key]}]"
    assert numbers, "no citations found at all"


def test_every_citation_links_to_its_entry_with_a_tooltip(real_site: Build) -> None:
    for page in toctree_order(real_site):
        soup = real_site.soup(f"{page}.html")
        for a in soup.select("article[role=main] a.reference.internal[href*='#cite-']"):
            assert a["href"].startswith("references.html#cite-"), (page, a["href"])
            assert len(a.get("title", "")) > 20, f"{page}: citation {a['href']} has no tooltip"


def bibliography_entries(site: Build) -> dict[str, BeautifulSoup]:
    soup = site.soup("references.html")
    entries = {}
    for element in soup.select(".citation[id^=cite-]"):
        key = element["id"].removeprefix("cite-")
        assert key not in entries, f"{key} appears twice in the bibliography"
        entries[key] = element
    return entries


def test_every_bib_entry_appears_exactly_once(real_site: Build) -> None:
    entries = bibliography_entries(real_site)
    assert sorted(entries) == sorted(BIB.entries)


def test_bibliography_is_numbered_one_to_n(real_site: Build) -> None:
    soup = real_site.soup("references.html")
    labels = [el.get_text(strip=True).strip("[]") for el in soup.select(".citation > .label")]
    assert labels == [str(n) for n in range(1, len(BIB.entries) + 1)]


def test_every_entry_links_a_doi_or_pubmed_record(real_site: Build) -> None:
    entries = bibliography_entries(real_site)
    for key, element in entries.items():
        hrefs = [a["href"] for a in element.select("a[href]")]
        records = ("doi.org/", "ncbi.nlm.nih.gov/pubmed", "pmc.ncbi.nlm.nih.gov/articles/PMC")
        has_record = any(record in h for h in hrefs for record in records)
        is_guideline = BIB.entries[key].type == "misc"
        has_official_page = any(h.startswith("https://") for h in hrefs)
        assert has_record or (is_guideline and has_official_page), f"{key}: no record link"


@pytest.mark.parametrize("page", SECTION_PAGES)
def test_section_pages_have_key_points_citations_and_notice(real_site: Build, page: str) -> None:
    soup = real_site.soup(f"{page}.html")
    main = soup.select_one("article[role=main]")
    boxes = main.select(".admonition.key-points")
    assert len(boxes) == 1, f"{page}: expected one key-points box"
    assert boxes[0].select("li"), f"{page}: key-points box is empty"
    assert cite_links(soup), f"{page}: no citations"


@pytest.mark.parametrize("page", SECTION_PAGES + OTHER_PAGES)
def test_every_page_says_it_is_not_medical_advice(real_site: Build, page: str) -> None:
    text = real_site.soup(f"{page}.html").get_text(" ", strip=True)
    assert "not medical advice" in text


@pytest.mark.parametrize("page", SECTION_PAGES + OTHER_PAGES)
def test_every_page_shows_when_it_last_changed(real_site: Build, page: str) -> None:
    text = real_site.soup(f"{page}.html").get_text(" ", strip=True)
    assert "Last updated on" in text or "Last updated" in text, f"{page}: no last-changed date"


def test_internal_links_and_anchors_resolve(real_site: Build) -> None:
    ids: dict[Path, set[str]] = {}

    def ids_of(path: Path) -> set[str]:
        if path not in ids:
            soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
            ids[path] = {el["id"] for el in soup.select("[id]")}
        return ids[path]

    # Root-relative links (the 404 page's) start with the site's path on its host.
    canonical = real_site.soup("index.html").select_one("link[rel=canonical]")["href"]
    site_path = urlsplit(canonical).path.removesuffix("index.html")
    broken = []
    for page in sorted(real_site.outdir.glob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for a in soup.select("a[href]"):
            href = a["href"]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith(("mailto:", "javascript:")):
                continue
            path = unquote(parts.path)
            if path.startswith("/"):
                assert path.startswith(site_path), f"{page.name}: {href} is outside the site"
                path = path.removeprefix(site_path)
            target = (page.parent / path).resolve() if path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.name}: {href} (no such file)")
            elif (
                parts.fragment
                and target.suffix == ".html"
                and unquote(parts.fragment) not in ids_of(target)
            ):
                broken.append(f"{page.name}: {href} (no such id)")
    assert not broken, "\n".join(broken)
