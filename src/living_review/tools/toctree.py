"""The site's section pages, read from the home page's toctree as MyST and Sphinx read it.

``docs/index.md`` lists the section pages, in the order of the 2020 article, in the toctree
captioned "The review". The benchmark copies them and the tests check each of them, so both ask
here instead of keeping lists of their own: the page is parsed by :mod:`living_review.myst_pages`
(myst-parser's markdown-it set-up) and the directive's options by myst-parser's own
``parse_directive_text`` with Sphinx's ``toctree`` directive.
"""

from __future__ import annotations

from pathlib import Path

from myst_parser.parsers.directives import parse_directive_text
from sphinx.directives.other import TocTree

from living_review.myst_pages import markdown_parser, read_text

#: The caption of the toctree in docs/index.md that lists the section pages.
SECTIONS_CAPTION = "The review"


def toctree_entries(page: Path, caption: str) -> list[str]:
    """The entries, in order, of the toctree captioned *caption* on *page* (ValueError if none)."""
    for token in markdown_parser().parse(read_text(page)):
        if token.type not in ("fence", "colon_fence") or token.info.strip() != "{toctree}":
            continue
        parsed = parse_directive_text(TocTree, "", token.content)
        if parsed.options.get("caption") == caption:
            return [line.strip() for line in parsed.body if line.strip()]
    raise ValueError(f"{page}: no toctree captioned {caption!r}")


def section_pages(docs: Path) -> list[str]:
    """The section pages, in reading order (docnames such as ``sciatica``)."""
    return toctree_entries(docs / "index.md", SECTIONS_CAPTION)
