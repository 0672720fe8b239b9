"""furo's "Edit this page" button points at the page's source file in the repository."""

from __future__ import annotations

import re

from common import DOCS, Build

EDIT_URL = re.compile(r"https://github\.com/[\w.-]+/[\w.-]+/edit/main/docs/(?P<source>[\w/-]+\.md)")


def test_every_source_page_has_an_edit_button_to_its_own_file(real_site: Build) -> None:
    pages = sorted(DOCS.glob("*.md"))
    assert pages
    for source in pages:
        soup = real_site.soup(f"{source.stem}.html")
        links = soup.select(".edit-this-page a[rel=edit]")
        assert len(links) == 1, f"{source.name}: expected one edit button, found {len(links)}"
        match = EDIT_URL.fullmatch(links[0]["href"])
        assert match, f"{source.name}: edit button points at {links[0]['href']}"
        assert match["source"] == source.name
