"""Print and share: a print stylesheet for the web site.

``static/print.css``, linked with ``media="print"`` (so a browser never waits for it before
painting the screen), makes a printed page, or a PDF saved from the browser, hold the article
alone: no sidebars, header, floating buttons, popovers or feedback links; the medical notice
kept as a bordered line of text instead of a banner; of the footer, the copyright and the
date of the last change; each section of a page on a new sheet; and the address of every DOI
and free full-text link printed after it, so a reference can be followed from paper.
``tests/test_print.py`` prints a page to PDF in headless Chromium.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from living_review.sphinxext import add_stylesheet, extension_metadata

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.util.typing import ExtensionMetadata


def setup(app: Sphinx) -> ExtensionMetadata:
    """Ship the stylesheet and link it for print."""
    add_stylesheet(app, "print.css", media="print")
    return extension_metadata()
