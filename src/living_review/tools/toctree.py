"""The site's section pages, read from the home page's toctree as MyST and Sphinx read it.

``docs/index.md`` lists them, in the order of the 2020 article, in the toctree captioned "The
review"; the tests ask here instead of keeping a list of their own. The page is parsed by
:mod:`living_review.myst_pages` and the directive's options by myst-parser's own
``parse_directive_text`` with Sphinx's ``toctree`` directive.
"""

from __future__ import annotations

from pathlib import Path

from myst_parser.parsers.directives import parse_directive_text
from sphinx.directives.other import TocTree

from living_review.myst_pages import markdown_parser, read_text

#: The caption of the toctree in docs/index.md that lists the section pages.
SECTIONS_CAPTION = "The review"


def section_pages(docs: Path) -> list[str]:
    """The section pages, in reading order (docnames such as ``sciatica``)."""
    page = docs / "index.md"
    for token in markdown_parser().parse(read_text(page)):
        if token.type not in ("fence", "colon_fence") or token.info.strip() != "{toctree}":
            continue
        parsed = parse_directive_text(TocTree, "", token.content)
        if parsed.options.get("caption") == SECTIONS_CAPTION:
            return [line.strip() for line in parsed.body if line.strip()]
    raise ValueError(f"{page}: no toctree captioned {SECTIONS_CAPTION!r}")
