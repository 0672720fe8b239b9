"""The reference list for clinicians: short author lists, free full text, and back-links.

The style (``living_review.sphinxext.reference_style``, the pybtex plugin ``living_review``)
is tested on pybtex entries directly; the back-links
(``living_review.sphinxext.citation_backlinks``) on tests/roots/test-citation-backlinks, which
cites ``alpha`` in two paragraphs of ``first`` (twice in the second) and in a table cell of
``second``, and on the real site.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from common import Build
from pybtex.database import Entry, Person
from pybtex.plugin import find_plugin
from sphinx.errors import ConfigError
from sphinx.testing.util import SphinxTestApp

from living_review.sphinxext.reference_style import (
    FREE_FULL_TEXT,
    MAX_AUTHORS,
    ClinicalStyle,
    pmc_url,
)

MakeApp = Callable[..., SphinxTestApp]
fixture_site = pytest.mark.sphinx("html", testroot="citation-backlinks", freshenv=True)


# -- The style ---------------------------------------------------------------------------------


def article(authors: int, **fields: str) -> Entry:
    entry = Entry(
        "article",
        fields={"title": "A trial", "journal": "Journal of Tests", "year": "2024", **fields},
    )
    for number in range(1, authors + 1):
        entry.add_person(Person(f"Author{number}, Given"), "author")
    return entry


def render(entry: Entry, output: str = "text") -> str:
    [formatted] = ClinicalStyle().format_entries([entry])
    return formatted.text.render_as(output)


def test_the_style_is_registered_as_a_pybtex_plugin() -> None:
    assert find_plugin("pybtex.style.formatting", "living_review") is ClinicalStyle


def test_more_than_six_authors_become_six_then_et_al() -> None:
    text = render(article(28))
    assert text.startswith(", ".join(f"Given Author{n}" for n in range(1, 7)) + ", et al. A trial")
    assert "Author7" not in text
    assert MAX_AUTHORS == 6


def test_six_authors_or_fewer_are_all_listed() -> None:
    assert render(article(6)).startswith(
        "Given Author1, Given Author2, Given Author3, Given Author4, Given Author5, "
        "and Given Author6. A trial."
    )
    assert render(article(2)).startswith("Given Author1 and Given Author2. A trial.")


def test_a_pmcid_gives_a_free_full_text_link_after_pubmed_and_doi() -> None:
    html = render(article(1, pubmed="39401008", doi="10.1/x", pmcid="PMC1895638"), "html")
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', html)
    assert links == [
        ("https://www.ncbi.nlm.nih.gov/pubmed/39401008", "PMID:39401008"),
        ("https://doi.org/10.1/x", "doi:10.1/x"),
        ("https://pmc.ncbi.nlm.nih.gov/articles/PMC1895638/", FREE_FULL_TEXT),
    ]


def test_no_or_a_malformed_pmcid_gives_no_free_full_text_link() -> None:
    assert FREE_FULL_TEXT not in render(article(1, doi="10.1/x"))
    assert FREE_FULL_TEXT not in render(article(1, pmcid="1895638"))  # `nox -s citations` says
    assert pmc_url(" PMC42 ") == "https://pmc.ncbi.nlm.nih.gov/articles/PMC42/"
    assert pmc_url("PMC") is None


@pytest.mark.sphinx("html", testroot="citation-backlinks", confoverrides={
    "bibtex_default_style": "no-such-style"})  # fmt: skip
def test_a_missing_style_stops_the_build_with_one_line(make_app: MakeApp, app_params) -> None:
    args, kwargs = app_params
    with pytest.raises(ConfigError, match="bibliography style 'no-such-style' not found"):
        make_app(*args, **kwargs)


# -- Back-links on a fixture site ----------------------------------------------------------------


def soup(app: SphinxTestApp, page: str) -> BeautifulSoup:
    return BeautifulSoup((app.outdir / page).read_text(encoding="utf-8"), "html.parser")


def backlinks(app: SphinxTestApp, key: str) -> list[tuple[str, str]]:
    """(link text, href) of every "Cited in" link after the entry for *key*."""
    entry = soup(app, "refs.html").select_one(f"#cite-{key}")
    return [(a.get_text(), a["href"]) for a in entry.select(".cited-in a")]


def build(app: SphinxTestApp) -> SphinxTestApp:
    """Build *app*, require a clean log, and release Sphinx's global state for the next app."""
    try:
        app.build()
    finally:
        app.cleanup()
    assert app.warning.getvalue() == ""
    return app


@fixture_site
def test_each_entry_links_back_to_every_citing_paragraph(app: SphinxTestApp) -> None:
    build(app)
    links = backlinks(app, "alpha")
    assert [text for text, _ in links] == ["First page ¶1", "¶3", "Second page ¶1"]
    assert [href.split("#")[0] for _, href in links] == ["first.html", "first.html", "second.html"]
    assert backlinks(app, "beta") == [("First page ¶3", links[1][1])]  # cited together with alpha
    line = soup(app, "refs.html").select_one("#cite-alpha .cited-in").get_text()
    assert line == "Cited in: First page ¶1, ¶3 · Second page ¶1"


@fixture_site
def test_every_back_link_returns_to_a_citation_of_that_entry(app: SphinxTestApp) -> None:
    build(app)
    for key in ("alpha", "beta"):
        for _, href in backlinks(app, key):
            page, anchor = href.split("#")
            target = soup(app, page).find(id=anchor)
            assert target is not None, href
            assert "bibtex-citation" in target["class"]
            assert target.select_one(f"a[href$='#cite-{key}']"), f"{href} does not cite {key}"


@fixture_site
def test_back_links_follow_an_incremental_edit(app: SphinxTestApp, make_app: MakeApp) -> None:
    build(app)
    second = Path(app.srcdir) / "second.md"
    second.write_text(
        second.read_text("utf-8") + "\nA new paragraph that cites beta {cite:p}`beta`.\n", "utf-8"
    )
    later = second.stat().st_mtime + 5
    os.utime(second, (later, later))
    again = build(make_app("html", srcdir=app.srcdir))
    assert [text for text, _ in backlinks(again, "beta")] == ["First page ¶3", "Second page ¶2"]


# -- The real site -------------------------------------------------------------------------------


def test_real_entries_list_at_most_six_authors(real_site: Build) -> None:
    for entry in real_site.soup("references.html").select(".citation"):
        text = entry.select_one("p").get_text(" ", strip=True)
        authors = text.split(". ", 1)[0]
        assert authors.count(",") <= MAX_AUTHORS, authors


def test_real_entries_with_a_pmcid_link_their_free_full_text(real_site: Build) -> None:
    from common import ROOT
    from pybtex.database import parse_file

    bib = parse_file(str(ROOT / "references.bib"))
    with_pmcid = {key for key, entry in bib.entries.items() if "pmcid" in entry.fields}
    assert with_pmcid
    soup = real_site.soup("references.html")
    for key in with_pmcid:
        links = [a for a in soup.select(f"#cite-{key} a") if a.get_text() == FREE_FULL_TEXT]
        assert len(links) == 1, key
        assert links[0]["href"] == pmc_url(bib.entries[key].fields["pmcid"])


def test_every_real_entry_links_back_to_sentences_that_cite_it(real_site: Build) -> None:
    soup = real_site.soup("references.html")
    ids: dict[str, dict[str, Any]] = {}  # page -> id -> element, each page parsed once
    for entry in soup.select(".citation"):
        links = entry.select(".cited-in a")
        assert links, f"{entry['id']}: no 'Cited in' links"
        for link in links:
            page, anchor = link["href"].split("#")
            if page not in ids:
                ids[page] = {tag["id"]: tag for tag in real_site.soup(page).find_all(id=True)}
            target = ids[page].get(anchor)
            cites = target is not None and any(
                a.get("href", "").endswith(f"#{entry['id']}") for a in target.find_all("a")
            )
            assert cites, f"{entry['id']}: {link['href']} is not a citation of it"
