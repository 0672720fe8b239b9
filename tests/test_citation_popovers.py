"""Each web page carries the formatted entries of the works it cites, for the popover script.

The behaviour in a browser (tap, focus, Escape, no layout shift, axe) is in
test_reader_browser.py; here, the HTML the build writes.
"""

from __future__ import annotations

import gzip

from bs4 import BeautifulSoup
from common import Build, cite_links

from living_review.sphinxext import STATIC_DIR
from living_review.sphinxext.citation_popovers import SCRIPT, TEMPLATE_ID

PAGES = ("index", "effectiveness", "safety", "guidelines", "whats-new")


def test_every_citing_page_carries_exactly_the_works_it_cites(real_site: Build) -> None:
    for page in PAGES:
        soup = real_site.soup(f"{page}.html")
        cited = {f"cite-{key}" for _, key in cite_links(soup)}
        template = soup.select_one(f"template#{TEMPLATE_ID}")
        assert template is not None, page
        carried = [span["data-cite-id"] for span in template.select("[data-cite-id]")]
        assert sorted(carried) == sorted(cited), page
        assert soup.select_one(f"script[src*='{SCRIPT}'][defer]"), page


def test_a_carried_entry_is_the_formatted_reference_with_its_links(real_site: Build) -> None:
    template = real_site.soup("effectiveness.html").select_one(f"template#{TEMPLATE_ID}")
    carried = template.select_one("[data-cite-id='cite-tu2024acupuncture']")
    entry = BeautifulSoup(str(carried), "html.parser")  # bs4 leaves <template> text out of get_text
    text = entry.get_text(" ", strip=True)
    assert "et al." in text and "JAMA Internal Medicine" in text and "2024" in text
    hrefs = [a["href"] for a in entry.select("a")]
    assert hrefs == [
        "https://www.ncbi.nlm.nih.gov/pubmed/39401008",
        "https://doi.org/10.1001/jamainternmed.2024.5463",
    ]


def test_a_page_citing_nothing_carries_no_template(real_site: Build) -> None:
    soup = real_site.soup("search.html")
    assert soup.select_one(f"template#{TEMPLATE_ID}") is None


def test_the_script_and_its_stylesheet_are_small(real_site: Build) -> None:
    """Well within the page-weight budget (150 kB per page, everything included)."""
    for name in (SCRIPT, "citation-popover.css"):
        shipped = (real_site.outdir / "_static" / name).read_bytes()
        assert shipped == (STATIC_DIR / name).read_bytes()
        assert len(gzip.compress(shipped)) < 3_000, name
