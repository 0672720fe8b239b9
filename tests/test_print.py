"""Print and share: pages printed to PDF in headless Chromium hold the article alone.

Chromium prints with ``print.css`` (living_review.sphinxext.print_styles); pypdf reads the text
of each printed sheet back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from common import Build

from living_review.tools import browser_audit
from living_review.tools.site_server import serve

pytestmark = pytest.mark.browser

#: Text that only navigation, banners' controls, popovers or feedback links would print.
NOT_ON_PAPER = (
    "Skip to content",
    "On this page",
    "Report an error",
    "Suggest new evidence",
    "Made with",
    "Go to the reference list",
)


@pytest.fixture(scope="module")
def print_to_pdf(real_site: Build, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A function printing one page of the real site to A4 PDF; returns each sheet's text."""
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    folder = tmp_path_factory.mktemp("print")
    with serve(real_site.outdir) as base_url, sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(browser_audit.CHROMIUM), args=list(browser_audit.CHROMIUM_FLAGS)
        )

        def sheets(page_name: str) -> list[str]:
            page = chromium.new_page()
            page.goto(base_url + page_name, wait_until="load")
            pdf: Path = folder / f"{Path(page_name).stem}.pdf"
            page.pdf(path=str(pdf), format="A4")
            page.close()
            return [sheet.extract_text() for sheet in PdfReader(pdf).pages]

        try:
            yield sheets
        finally:
            chromium.close()


def section_titles(real_site: Build, page: str) -> list[str]:
    main = real_site.soup(page).select_one("article[role=main]")
    return [
        h2.get_text(" ", strip=True).rstrip("¶#").strip()  # no header link
        for h2 in main.select(":scope > section > section > h2")
    ]


def test_a_printed_page_holds_the_article_with_each_section_on_a_new_sheet(
    print_to_pdf: Any, real_site: Build
) -> None:
    sheets = print_to_pdf("effectiveness.html")
    titles = section_titles(real_site, "effectiveness.html")
    assert len(titles) >= 3
    assert len(sheets) >= len(titles) + 1
    first_lines = [" ".join(sheet.split("\n", 1)[0].split()) for sheet in sheets]
    for title in titles:
        assert title in first_lines, f"section {title!r} does not open a sheet"
    text = "\n".join(sheets)
    assert "not medical advice" in " ".join(sheets[0].split())  # the notice stays, as text
    assert "How well acupuncture works for sciatica" in " ".join(sheets[0].split())
    for chrome in NOT_ON_PAPER:
        assert chrome not in text, f"{chrome!r} is printed"


def test_printed_references_show_where_each_doi_leads(print_to_pdf: Any) -> None:
    text = "".join("".join(print_to_pdf("references.html")).split())  # URLs may wrap
    assert (
        "doi:10.1001/jamainternmed.2024.5463<https://doi.org/10.1001/jamainternmed.2024.5463>"
        in text
    )
    assert re.search(r"Freefulltext<https://pmc\.ncbi\.nlm\.nih\.gov/articles/PMC\d+/>", text)
